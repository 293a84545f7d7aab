/// The `hbaseid` znode as HBase writes it: `PBUF` followed by a `ClusterId` message whose only field (1,
/// a string) is the id. Older Basalt wrote the bare id, which HBase's readers also accept, and so does
/// `decode`. The message has one string field, so it is written here directly rather than making the
/// coordination layer depend on the protobuf runtime. Stateless.
enum ClusterIdZNode {
    static let magic: [UInt8] = Array("PBUF".utf8)
    /// Field 1, wire type 2 (length-delimited).
    static let idTag: UInt8 = 0x0A

    static func encode(_ id: String) -> [UInt8] {
        let bytes = Array(id.utf8)
        var out = magic
        out.append(idTag)
        var n = bytes.count
        while n >= 0x80 {
            out.append(UInt8(n & 0x7F) | 0x80)
            n >>= 7
        }
        out.append(UInt8(n))
        return out + bytes
    }

    /// The id in `data`: HBase's form, or a bare id (nil when the protobuf form is damaged).
    static func decode(_ data: [UInt8]) -> String? {
        guard data.starts(with: magic) else { return String(decoding: data, as: UTF8.self) }
        var i = magic.count
        var id: String?
        while i < data.count {
            let tag = data[i]
            i += 1
            guard tag & 0x07 == 2, let (length, next) = varint(data, at: i), next + length <= data.count else { return nil }
            if tag == idTag { id = String(decoding: data[next..<(next + length)], as: UTF8.self) }
            i = next + length
        }
        return id
    }

    private static func varint(_ data: [UInt8], at start: Int) -> (Int, Int)? {
        var value = 0
        var shift = 0
        var i = start
        while i < data.count && shift < 35 {
            let byte = data[i]
            value |= Int(byte & 0x7F) << shift
            i += 1
            if byte & 0x80 == 0 { return (value, i) }
            shift += 7
        }
        return nil
    }
}
