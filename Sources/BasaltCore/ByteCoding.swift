/// Appends fixed-width little-endian integers, varints and length-prefixed byte strings to a `[UInt8]`.
///
/// A value type that owns its buffer; `reserveCapacity` up front and reuse it (`removeAll(keepingCapacity:)`)
/// to keep hot paths free of allocations.
public struct ByteWriter: Sendable {
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    @inlinable public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    @inlinable public mutating func writeUInt16(_ v: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: v))
        bytes.append(UInt8(truncatingIfNeeded: v >> 8))
    }

    @inlinable public mutating func writeUInt32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func writeUInt64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable public mutating func writeInt64(_ v: Int64) { writeUInt64(UInt64(bitPattern: v)) }

    @inlinable public mutating func writeVarint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    @inlinable public mutating func writeBytes(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    @inlinable public mutating func writeBytes(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }

    /// A varint length followed by the bytes.
    @inlinable public mutating func writeLengthPrefixed(_ b: [UInt8]) {
        writeVarint(UInt64(b.count))
        bytes.append(contentsOf: b)
    }

}

/// Reads what `ByteWriter` wrote, from a borrowed buffer, with bounds checks that throw
/// `CoreError.malformedData` instead of trapping.
///
/// A non-owning view: valid only while the buffer it was made from is alive.
public struct ByteReader {
    public let base: UnsafeRawBufferPointer
    public private(set) var offset: Int

    public init(_ base: UnsafeRawBufferPointer, offset: Int = 0) {
        self.base = base
        self.offset = offset
    }

    public var remaining: Int { base.count - offset }
    public var isAtEnd: Bool { offset >= base.count }

    @inline(__always) private func need(_ n: Int) throws {
        if n < 0 || offset + n > base.count {
            throw CoreError(.malformedData, "needed \(n) bytes at offset \(offset), only \(base.count - offset) left")
        }
    }

    public mutating func readUInt8() throws -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return base[offset]
    }

    public mutating func readUInt16() throws -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    public mutating func readUInt32() throws -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    public mutating func readUInt64() throws -> UInt64 {
        try need(8)
        defer { offset += 8 }
        return UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    public mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readUInt64()) }

    public mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let byte = try readUInt8()
            if shift == 63 && byte > 1 { throw CoreError(.malformedData, "varint overflows 64 bits at offset \(offset - 1)") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw CoreError(.malformedData, "varint longer than 10 bytes at offset \(offset)") }
        }
    }

    public mutating func readBytes(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)]))
    }

    /// A borrowed slice of the next `n` bytes, without copying.
    public mutating func readSlice(_ n: Int) throws -> UnsafeRawBufferPointer {
        try need(n)
        defer { offset += n }
        return UnsafeRawBufferPointer(rebasing: base[offset..<(offset + n)])
    }

    public mutating func readLengthPrefixed(max: Int = Int(Int32.max)) throws -> [UInt8] {
        let n = try readVarint()
        guard n <= UInt64(max) else { throw CoreError(.malformedData, "length \(n) over limit \(max) at offset \(offset)") }
        return try readBytes(Int(n))
    }

    public mutating func skip(_ n: Int) throws {
        try need(n)
        offset += n
    }
}
