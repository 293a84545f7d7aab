import BasaltCore
import Foundation

/// Encodes a put's or a delete's `Action` (`Protos/client.proto`) straight from the mutation: the bytes
/// SwiftProtobuf writes for an `Action` with that `index` and `Basalt_MutationProto(mutation)`, without
/// building the messages (five heap copies per cell) or sizing each embedded message once per enclosing
/// level. A bulk load spent most of its client's CPU there; `Tests/BasaltProtocolTests/EncodedMultiTests`
/// checks these bytes against SwiftProtobuf's for random mutations. Proto3 rules: fields in number
/// order, zero values left out, an embedded message written even when empty.
package enum ActionEncoder {
    package static func encode(_ mutation: Mutation, index: Int) -> Data {
        let m = MutationFields(mutation)
        let mutationSize = m.size
        var out: [UInt8] = []
        out.reserveCapacity(12 + mutationSize)
        if index != 0 { putVarint(tag: 1, UInt64(UInt32(truncatingIfNeeded: index)), into: &out) }
        putTag(3, lengthDelimited: true, into: &out)
        putVarint(UInt64(mutationSize), into: &out)
        m.write(into: &out)
        return Data(out)
    }

    /// A mutation's `MutationProto` fields.
    private struct MutationFields {
        let row: [UInt8]
        let type: UInt64
        let cells: [Cell]
        let timestamp: Int64
        let hasTimestamp: Bool
        let durability: UInt64

        init(_ mutation: Mutation) {
            switch mutation {
            case .put(let p):
                (row, type, cells, timestamp, hasTimestamp) = (p.row, UInt64(Basalt_MutationProto.MutationType.put.rawValue), p.cells, 0, false)
                durability = UInt64(Basalt_Durability(p.durability).rawValue)
            case .delete(let d):
                (row, type, cells, timestamp, hasTimestamp) = (d.row, UInt64(Basalt_MutationProto.MutationType.delete.rawValue), d.markers, d.timestamp, true)
                durability = UInt64(Basalt_Durability(d.durability).rawValue)
            }
        }

        var size: Int {
            var n = bytesFieldSize(row) + varintFieldSize(type)
            for c in cells { n += 1 + varintSize(UInt64(cellSize(c))) + cellSize(c) }
            n += varintFieldSize(UInt64(bitPattern: timestamp)) + (hasTimestamp ? 2 : 0) + varintFieldSize(durability)
            return n
        }

        func write(into out: inout [UInt8]) {
            putBytes(tag: 1, row, into: &out)
            putVarint(tag: 2, type, into: &out)
            for c in cells {
                putTag(3, lengthDelimited: true, into: &out)
                putVarint(UInt64(cellSize(c)), into: &out)
                putBytes(tag: 1, c.row, into: &out)
                putBytes(tag: 2, c.family, into: &out)
                putBytes(tag: 3, c.qualifier, into: &out)
                putVarint(tag: 4, UInt64(bitPattern: c.timestamp), into: &out)
                putVarint(tag: 5, cellType(c), into: &out)
                putBytes(tag: 6, c.value, into: &out)
            }
            putVarint(tag: 4, UInt64(bitPattern: timestamp), into: &out)
            if hasTimestamp { putVarint(tag: 5, 1, into: &out) }
            putVarint(tag: 6, durability, into: &out)
        }
    }

    private static func cellType(_ c: Cell) -> UInt64 { UInt64(Basalt_CellType(c.type).rawValue) }

    private static func cellSize(_ c: Cell) -> Int {
        bytesFieldSize(c.row) + bytesFieldSize(c.family) + bytesFieldSize(c.qualifier)
            + varintFieldSize(UInt64(bitPattern: c.timestamp)) + varintFieldSize(cellType(c)) + bytesFieldSize(c.value)
    }

    // MARK: - Protobuf's wire format (field numbers here are all below 16: one-byte tags)

    private static func varintSize(_ v: UInt64) -> Int { v == 0 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7 }
    private static func varintFieldSize(_ v: UInt64) -> Int { v == 0 ? 0 : 1 + varintSize(v) }
    private static func bytesFieldSize(_ b: [UInt8]) -> Int { b.isEmpty ? 0 : 1 + varintSize(UInt64(b.count)) + b.count }

    private static func putTag(_ field: Int, lengthDelimited: Bool, into out: inout [UInt8]) {
        out.append(UInt8(field << 3 | (lengthDelimited ? 2 : 0)))
    }

    private static func putVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    private static func putVarint(tag field: Int, _ value: UInt64, into out: inout [UInt8]) {
        guard value != 0 else { return }
        putTag(field, lengthDelimited: false, into: &out)
        putVarint(value, into: &out)
    }

    private static func putBytes(tag field: Int, _ bytes: [UInt8], into out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        putTag(field, lengthDelimited: true, into: &out)
        putVarint(UInt64(bytes.count), into: &out)
        out.append(contentsOf: bytes)
    }
}
