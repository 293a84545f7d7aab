import BasaltCore
import NIOCore

/// HBase's `KeyValueCodec` cell blocks: the cells of a call or a response written after its message
/// instead of inside it. Each cell is a 4-byte big-endian length, then the cell as HBase's KeyValue lays
/// it out, all integers big-endian:
///
/// ```
/// u32 keyLength | u32 valueLength | u16 rowLength | row | u8 familyLength | family | qualifier
///   | i64 timestamp | u8 type | value
/// ```
/// (no tags: the codec drops them). Type codes are HBase's (Put 4, Delete 8, DeleteFamilyVersion 10,
/// DeleteColumn 12, DeleteFamily 14), which `CellType` uses too. Stateless.
public enum KeyValueCodec {
    /// The codec class a `ConnectionHeader` names to ask for cell blocks.
    public static let className = "org.apache.hadoop.hbase.codec.KeyValueCodec"
    /// Key bytes besides row, family and qualifier: row length, family length, timestamp and type.
    static let keyInfrastructure = 2 + 1 + 8 + 1

    /// Bytes one cell takes in a block, its length prefix included.
    public static func encodedLength(rowLength: Int, familyLength: Int, qualifierLength: Int, valueLength: Int) -> Int {
        4 + 8 + keyInfrastructure + rowLength + familyLength + qualifierLength + valueLength
    }

    /// Appends one cell to a block.
    public static func write(
        row: UnsafeRawBufferPointer, family: UnsafeRawBufferPointer, qualifier: UnsafeRawBufferPointer, timestamp: Int64, type: UInt8,
        value: UnsafeRawBufferPointer, into out: inout ByteBuffer
    ) {
        let keyLength = keyInfrastructure + row.count + family.count + qualifier.count
        out.reserveCapacity(minimumWritableBytes: 4 + 8 + keyLength + value.count)
        out.writeInteger(UInt32(8 + keyLength + value.count))
        out.writeInteger(UInt32(keyLength))
        out.writeInteger(UInt32(value.count))
        out.writeInteger(UInt16(row.count))
        out.writeBytes(row)
        out.writeInteger(UInt8(family.count))
        out.writeBytes(family)
        out.writeBytes(qualifier)
        out.writeInteger(timestamp)
        out.writeInteger(type)
        out.writeBytes(value)
    }

    public static func write(_ cell: Cell, into out: inout ByteBuffer) {
        cell.row.withUnsafeBytes { r in
            cell.family.withUnsafeBytes { f in
                cell.qualifier.withUnsafeBytes { q in
                    cell.value.withUnsafeBytes { v in
                        write(row: r, family: f, qualifier: q, timestamp: cell.timestamp, type: cell.type.rawValue, value: v, into: &out)
                    }
                }
            }
        }
    }

    public static func write(_ cell: EncodedCell, into out: inout ByteBuffer) {
        write(row: cell.row, family: cell.family, qualifier: cell.qualifier, timestamp: cell.timestamp, type: cell.typeByte, value: cell.value, into: &out)
    }

    /// Reads `count` cells from the front of a block (all of it when `count` is nil).
    public static func read(_ block: inout ByteBuffer, count: Int? = nil) throws -> [Cell] {
        var cells: [Cell] = []
        if let count { cells.reserveCapacity(count) }
        while count.map({ cells.count < $0 }) ?? (block.readableBytes > 0) {
            cells.append(try readOne(&block))
        }
        return cells
    }

    private static func readOne(_ b: inout ByteBuffer) throws -> Cell {
        func bad(_ why: String) -> ProtocolError { ProtocolError(.malformedData, "a cell block \(why)") }
        guard let total: UInt32 = b.readInteger() else { throw bad("ends before a cell's length") }
        guard Int(total) <= b.readableBytes, var cell = b.readSlice(length: Int(total)) else {
            throw bad("announces a \(total)-byte cell but only \(b.readableBytes) bytes remain")
        }
        guard let keyLength: UInt32 = cell.readInteger(), let valueLength: UInt32 = cell.readInteger(),
            Int(keyLength) >= keyInfrastructure, 8 + Int(keyLength) + Int(valueLength) <= Int(total),
            let rowLength: UInt16 = cell.readInteger(), let row = cell.readBytes(length: Int(rowLength)),
            let familyLength: UInt8 = cell.readInteger(), let family = cell.readBytes(length: Int(familyLength))
        else { throw bad("holds a cell whose lengths do not add up") }
        let qualifierLength = Int(keyLength) - keyInfrastructure - Int(rowLength) - Int(familyLength)
        guard qualifierLength >= 0, let qualifier = cell.readBytes(length: qualifierLength), let timestamp: Int64 = cell.readInteger(),
            let typeByte: UInt8 = cell.readInteger(), let value = cell.readBytes(length: Int(valueLength))
        else { throw bad("holds a cell whose lengths do not add up") }
        guard let type = CellType(rawValue: typeByte), type != .minimum, type != .maximum else {
            throw bad("holds a cell of unknown type \(typeByte)")
        }
        return Cell(row: row, family: family, qualifier: qualifier, timestamp: timestamp, type: type, value: value)
    }
}
