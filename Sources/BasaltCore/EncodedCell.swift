/// The flat byte layout of a cell, shared by the MemStore's chunks, the WAL's cell records and (later)
/// HFile data blocks. All integers little-endian:
///
/// ```
/// u32 keyLength | u32 valueLength | u16 rowLength | row | u8 familyLength | family | qualifier
///   | i64 timestamp | u8 type | value
/// ```
/// `keyLength` covers rowLength through type; the qualifier's length is what is left of the key.
///
/// `EncodedCell` is a borrowed view: a pointer into memory someone else keeps alive (an MSLAB chunk,
/// a block). It is not `Sendable` and must not outlive that memory.
public struct EncodedCell {
    public static let headerLength = 8
    /// Key bytes besides row, family and qualifier: u16 row length, u8 family length, i64 ts, u8 type.
    public static let keyInfrastructure = 2 + 1 + 8 + 1

    public let base: UnsafeRawPointer

    @inlinable public init(_ base: UnsafeRawPointer) { self.base = base }

    @inlinable public static func keyLength(rowLength: Int, familyLength: Int, qualifierLength: Int) -> Int {
        keyInfrastructure + rowLength + familyLength + qualifierLength
    }

    @inlinable public var keyLength: Int { Int(base.loadUnaligned(as: UInt32.self).littleEndian) }
    @inlinable public var valueLength: Int { Int(base.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian) }
    @inlinable public var totalLength: Int { Self.headerLength + keyLength + valueLength }
    @inlinable public var rowLength: Int { Int(base.loadUnaligned(fromByteOffset: 8, as: UInt16.self).littleEndian) }
    @inlinable public var rowPointer: UnsafeRawPointer { base + 10 }
    @inlinable var familyLengthOffset: Int { 10 + rowLength }
    @inlinable public var familyLength: Int { Int(base.load(fromByteOffset: familyLengthOffset, as: UInt8.self)) }
    @inlinable public var familyPointer: UnsafeRawPointer { base + familyLengthOffset + 1 }
    @inlinable public var qualifierPointer: UnsafeRawPointer { base + familyLengthOffset + 1 + familyLength }
    @inlinable public var qualifierLength: Int { keyLength - Self.keyInfrastructure - rowLength - familyLength }
    @inlinable var timestampOffset: Int { Self.headerLength + keyLength - 9 }
    @inlinable public var timestamp: Int64 { Int64(littleEndian: base.loadUnaligned(fromByteOffset: timestampOffset, as: Int64.self)) }
    @inlinable public var typeByte: UInt8 { base.load(fromByteOffset: Self.headerLength + keyLength - 1, as: UInt8.self) }
    @inlinable public var type: CellType { CellType(rawValue: typeByte) ?? .maximum }
    @inlinable public var valuePointer: UnsafeRawPointer { base + Self.headerLength + keyLength }

    @inlinable public var row: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: rowPointer, count: rowLength) }
    @inlinable public var family: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: familyPointer, count: familyLength) }
    @inlinable public var qualifier: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: qualifierPointer, count: qualifierLength) }
    @inlinable public var value: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: valuePointer, count: valueLength) }

    /// Writes a cell into `destination`, which must hold `encodedLength` bytes; returns the bytes written.
    @discardableResult @inlinable
    public static func write(
        to destination: UnsafeMutableRawPointer,
        row: UnsafeRawBufferPointer, family: UnsafeRawBufferPointer, qualifier: UnsafeRawBufferPointer,
        timestamp: Int64, type: UInt8, value: UnsafeRawBufferPointer
    ) -> Int {
        let keyLen = keyLength(rowLength: row.count, familyLength: family.count, qualifierLength: qualifier.count)
        destination.storeBytes(of: UInt32(keyLen).littleEndian, as: UInt32.self)
        destination.storeBytes(of: UInt32(value.count).littleEndian, toByteOffset: 4, as: UInt32.self)
        destination.storeBytes(of: UInt16(row.count).littleEndian, toByteOffset: 8, as: UInt16.self)
        var o = 10
        if row.count > 0 { (destination + o).copyMemory(from: row.baseAddress!, byteCount: row.count) }
        o += row.count
        destination.storeBytes(of: UInt8(family.count), toByteOffset: o, as: UInt8.self)
        o += 1
        if family.count > 0 { (destination + o).copyMemory(from: family.baseAddress!, byteCount: family.count) }
        o += family.count
        if qualifier.count > 0 { (destination + o).copyMemory(from: qualifier.baseAddress!, byteCount: qualifier.count) }
        o += qualifier.count
        destination.storeBytes(of: timestamp.littleEndian, toByteOffset: o, as: Int64.self)
        o += 8
        destination.storeBytes(of: type, toByteOffset: o, as: UInt8.self)
        o += 1
        if value.count > 0 { (destination + o).copyMemory(from: value.baseAddress!, byteCount: value.count) }
        return o + value.count
    }

    /// Writes an owning `Cell` into `destination` in this layout, with `timestamp` in place of the
    /// cell's own when given (the server's time for cells sent without one).
    @discardableResult @inlinable
    public static func write(_ cell: Cell, timestamp: Int64? = nil, to destination: UnsafeMutableRawPointer) -> Int {
        cell.row.withUnsafeBytes { r in
            cell.family.withUnsafeBytes { f in
                cell.qualifier.withUnsafeBytes { q in
                    cell.value.withUnsafeBytes { v in
                        write(to: destination, row: r, family: f, qualifier: q, timestamp: timestamp ?? cell.timestamp, type: cell.type.rawValue, value: v)
                    }
                }
            }
        }
    }

    /// Copies the cell out into an owning `Cell`.
    public func toCell(sequenceId: UInt64 = 0) -> Cell {
        Cell(
            row: Array(row), family: Array(family), qualifier: Array(qualifier), timestamp: timestamp,
            type: type, value: Array(value), sequenceId: sequenceId)
    }
}
