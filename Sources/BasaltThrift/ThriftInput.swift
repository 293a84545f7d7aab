/// A read cursor over received bytes. Running past the end throws `ThriftError.incomplete`, which a
/// decoder reading an unframed stream takes as "wait for more bytes" and a framed one as a bad frame.
struct ThriftInput {
    let bytes: UnsafeRawBufferPointer
    private(set) var position = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - position }

    mutating func byte() throws(ThriftError) -> UInt8 {
        guard position < bytes.count else { throw .incomplete }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func bytes(_ n: Int) throws(ThriftError) -> [UInt8] {
        guard n >= 0 else { throw .malformed("negative length \(n)") }
        guard n <= remaining else { throw .incomplete }
        defer { position += n }
        return Array(bytes[position..<(position + n)])
    }

    mutating func bigEndian<T: FixedWidthInteger>(_: T.Type) throws(ThriftError) -> T {
        let n = MemoryLayout<T>.size
        guard n <= remaining else { throw .incomplete }
        var v: T = 0
        for i in 0..<n { v = (v << 8) | T(truncatingIfNeeded: bytes[position + i]) }
        position += n
        return v
    }

    mutating func littleEndianUInt64() throws(ThriftError) -> UInt64 {
        guard 8 <= remaining else { throw .incomplete }
        var v: UInt64 = 0
        for i in (0..<8).reversed() { v = (v << 8) | UInt64(bytes[position + i]) }
        position += 8
        return v
    }

    /// An unsigned LEB128 varint of at most `maxBytes` bytes.
    mutating func varint(maxBytes: Int = 10) throws(ThriftError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        for _ in 0..<maxBytes {
            let b = try byte()
            v |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return v }
            shift += 7
        }
        throw .malformed("a varint runs past \(maxBytes) bytes")
    }

    /// A container's element count: never more than the bytes that could hold it, so a forged count
    /// cannot make the decoder allocate.
    mutating func count(_ n: Int64, minimumElementSize: Int = 1) throws(ThriftError) -> Int {
        guard n >= 0, n <= Int64(Int32.max) else { throw .malformed("container size \(n) is out of range") }
        guard Int(n) * minimumElementSize <= remaining else { throw .incomplete }
        return Int(n)
    }
}

extension ThriftInput {
    /// The elements of a map, read with the protocol's `read(type, depth)`; both protocols share it.
    static func map(count n: Int, key k: ThriftType, value v: ThriftType, depth: Int,
                    _ read: (ThriftType, Int) throws(ThriftError) -> ThriftValue) throws(ThriftError) -> ThriftValue {
        guard depth < ThriftBinaryProtocol.maxDepth else { throw .malformed("containers nest deeper than \(ThriftBinaryProtocol.maxDepth)") }
        var pairs: [ThriftPair] = []
        pairs.reserveCapacity(n)
        for _ in 0..<n {
            let key = try read(k, depth + 1)
            pairs.append(ThriftPair(key, try read(v, depth + 1)))
        }
        return .map(key: k, value: v, pairs)
    }

    /// The elements of a list or a set.
    static func sequence(_ type: ThriftType, count n: Int, element e: ThriftType, depth: Int,
                         _ read: (ThriftType, Int) throws(ThriftError) -> ThriftValue) throws(ThriftError) -> ThriftValue {
        guard depth < ThriftBinaryProtocol.maxDepth else { throw .malformed("containers nest deeper than \(ThriftBinaryProtocol.maxDepth)") }
        var elements: [ThriftValue] = []
        elements.reserveCapacity(n)
        for _ in 0..<n { elements.append(try read(e, depth + 1)) }
        return type == .set ? .set(e, elements) : .list(e, elements)
    }
}

/// The bytes a codec writes.
struct ThriftOutput {
    var bytes: [UInt8] = []

    init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

    mutating func byte(_ b: UInt8) { bytes.append(b) }

    mutating func bigEndian<T: FixedWidthInteger>(_ v: T) {
        var big = v.bigEndian
        withUnsafeBytes(of: &big) { bytes.append(contentsOf: $0) }
    }

    mutating func littleEndian<T: FixedWidthInteger>(_ v: T) {
        var little = v.littleEndian
        withUnsafeBytes(of: &little) { bytes.append(contentsOf: $0) }
    }

    mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }
}
