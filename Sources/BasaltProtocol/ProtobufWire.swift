import BasaltCore

/// Protobuf's wire format for the few messages Basalt encodes by hand on its hot paths (`ActionEncoder`,
/// `ResultEncoder`, the RPC headers of plain calls): varints, one-byte tags (field numbers below 16) and
/// proto3's rule that a zero value is left out. Each user is checked byte for byte against SwiftProtobuf
/// in the tests.
package enum ProtobufWire {
    package static func varintSize(_ v: UInt64) -> Int { v == 0 ? 1 : (64 - v.leadingZeroBitCount + 6) / 7 }
    /// A varint field's size, 0 when the value is left out.
    package static func varintFieldSize(_ v: UInt64) -> Int { v == 0 ? 0 : 1 + varintSize(v) }
    /// A bytes field's size, 0 when it is left out.
    package static func bytesFieldSize(_ count: Int) -> Int { count == 0 ? 0 : 1 + varintSize(UInt64(count)) + count }
    /// An embedded message's size with its tag and length (written even when empty).
    package static func messageFieldSize(_ size: Int) -> Int { 1 + varintSize(UInt64(size)) + size }

    package static func putTag(_ field: Int, lengthDelimited: Bool, into out: inout [UInt8]) {
        out.append(UInt8(field << 3 | (lengthDelimited ? 2 : 0)))
    }

    package static func putVarint(_ value: UInt64, into out: inout [UInt8]) {
        var v = value
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// A varint field, left out when zero.
    package static func putVarint(tag field: Int, _ value: UInt64, into out: inout [UInt8]) {
        guard value != 0 else { return }
        putTag(field, lengthDelimited: false, into: &out)
        putVarint(value, into: &out)
    }

    /// A bytes field, left out when empty.
    package static func putBytes(tag field: Int, _ bytes: [UInt8], into out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        putTag(field, lengthDelimited: true, into: &out)
        putVarint(UInt64(bytes.count), into: &out)
        out.append(contentsOf: bytes)
    }

    /// An embedded message's tag and length; its fields follow.
    package static func putMessageHeader(tag field: Int, size: Int, into out: inout [UInt8]) {
        putTag(field, lengthDelimited: true, into: &out)
        putVarint(UInt64(size), into: &out)
    }

    // MARK: - Basalt's `Cell` (Protos/types.proto), in mutations and results alike

    private static func cellType(_ c: Cell) -> UInt64 { UInt64(Basalt_CellType(c.type).rawValue) }

    /// A `Cell` message's size, without its tag and length.
    package static func cellSize(_ c: Cell) -> Int {
        bytesFieldSize(c.row.count) + bytesFieldSize(c.family.count) + bytesFieldSize(c.qualifier.count)
            + varintFieldSize(UInt64(bitPattern: c.timestamp)) + varintFieldSize(cellType(c)) + bytesFieldSize(c.value.count)
    }

    /// A `Cell` as field `field` of the message being written.
    package static func putCell(tag field: Int, _ c: Cell, into out: inout [UInt8]) {
        putMessageHeader(tag: field, size: cellSize(c), into: &out)
        putBytes(tag: 1, c.row, into: &out)
        putBytes(tag: 2, c.family, into: &out)
        putBytes(tag: 3, c.qualifier, into: &out)
        putVarint(tag: 4, UInt64(bitPattern: c.timestamp), into: &out)
        putVarint(tag: 5, cellType(c), into: &out)
        putBytes(tag: 6, c.value, into: &out)
    }
}
