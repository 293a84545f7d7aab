import NIOCore

/// Jute, ZooKeeper's record encoding: big-endian fixed-width integers, booleans as one byte, strings and
/// byte buffers as a 4-byte length (-1 for null) followed by the bytes, vectors as a count and elements.
extension ByteBuffer {
    mutating func writeJuteBool(_ v: Bool) { writeInteger(UInt8(v ? 1 : 0)) }

    mutating func writeJuteString(_ s: String?) {
        guard let s else { writeInteger(Int32(-1)); return }
        let utf8 = s.utf8
        writeInteger(Int32(utf8.count))
        writeBytes(utf8)
    }

    mutating func writeJuteBuffer(_ b: [UInt8]?) {
        guard let b else { writeInteger(Int32(-1)); return }
        writeInteger(Int32(b.count))
        writeBytes(b)
    }

    mutating func writeJuteStrings(_ list: [String]) {
        writeInteger(Int32(list.count))
        for s in list { writeJuteString(s) }
    }

    mutating func readJuteInt() throws(CoordinationError) -> Int32 {
        guard let v = readInteger(as: Int32.self) else { throw Self.truncated("int") }
        return v
    }

    mutating func readJuteLong() throws(CoordinationError) -> Int64 {
        guard let v = readInteger(as: Int64.self) else { throw Self.truncated("long") }
        return v
    }

    mutating func readJuteBool() throws(CoordinationError) -> Bool {
        guard let v = readInteger(as: UInt8.self) else { throw Self.truncated("boolean") }
        return v != 0
    }

    /// A string; null reads as nil.
    mutating func readJuteOptionalString() throws(CoordinationError) -> String? {
        let n = try readJuteInt()
        if n < 0 { return nil }
        guard let s = readString(length: Int(n)) else { throw Self.truncated("string of \(n) bytes") }
        return s
    }

    mutating func readJuteString() throws(CoordinationError) -> String {
        try readJuteOptionalString() ?? ""
    }

    /// A byte buffer; null reads as nil.
    mutating func readJuteOptionalBuffer() throws(CoordinationError) -> [UInt8]? {
        let n = try readJuteInt()
        if n < 0 { return nil }
        guard let b = readBytes(length: Int(n)) else { throw Self.truncated("buffer of \(n) bytes") }
        return b
    }

    mutating func readJuteBuffer() throws(CoordinationError) -> [UInt8] {
        try readJuteOptionalBuffer() ?? []
    }

    mutating func readJuteStrings() throws(CoordinationError) -> [String] {
        let n = try readJuteInt()
        guard n >= 0 else { return [] }
        guard Int(n) <= readableBytes / 4 else { throw Self.truncated("vector of \(n) strings") }
        var out: [String] = []
        out.reserveCapacity(Int(n))
        for _ in 0..<n { out.append(try readJuteString()) }
        return out
    }

    static func truncated(_ what: String) -> CoordinationError {
        CoordinationError(.marshallingError, "record ends before its \(what)")
    }
}
