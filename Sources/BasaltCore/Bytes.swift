/// Helpers for raw byte strings (`[UInt8]`), the type of every row, family, qualifier and value.
public enum Bytes {
    /// UTF-8 bytes of a string.
    @inlinable public static func of(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// HBase's `Bytes.toStringBinary`: printable ASCII as is, everything else (and `\`) as `\xNN`.
    public static func toStringBinary(_ bytes: some Sequence<UInt8>) -> String {
        var out = ""
        for b in bytes {
            if b >= 0x20 && b < 0x7F && b != UInt8(ascii: "\\") {
                out.unicodeScalars.append(Unicode.Scalar(b))
            } else {
                out += "\\x" + hexByte(b, uppercase: true)
            }
        }
        return out
    }

    /// Lowercase hex of the bytes.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var out = ""
        for b in bytes { out += hexByte(b, uppercase: false) }
        return out
    }

    /// Parses lowercase or uppercase hex; nil when the text is not hex.
    public static func fromHex(_ text: some StringProtocol) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let hi = nibble(chars[i]), let lo = nibble(chars[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    /// 4-byte big-endian encoding, HBase's `Bytes.toBytes(int)`.
    public static func fromInt32(_ v: Int32) -> [UInt8] {
        withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }

    /// 8-byte big-endian encoding, HBase's `Bytes.toBytes(long)` (used by counters).
    public static func fromInt64(_ v: Int64) -> [UInt8] {
        withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }

    /// Reads an 8-byte big-endian long; nil when the value is not 8 bytes.
    public static func toInt64(_ bytes: [UInt8]) -> Int64? {
        guard bytes.count == 8 else { return nil }
        var v: UInt64 = 0
        for b in bytes { v = v << 8 | UInt64(b) }
        return Int64(bitPattern: v)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func hexByte(_ b: UInt8, uppercase: Bool) -> String {
        let digits: [Character] = uppercase ? Array("0123456789ABCDEF") : Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }
}
