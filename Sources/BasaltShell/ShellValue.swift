import BasaltCore

/// A value in a shell command: what the HBase shell's Ruby would see after evaluating an argument.
/// Strings are bytes (double quotes may carry `\xNN`); constants such as `VERSIONS` evaluate to their own
/// name, as HBase defines them. A value type; `Sendable`.
public indirect enum ShellValue: Sendable, Equatable, CustomStringConvertible {
    case string([UInt8])
    case integer(Int64)
    case float(Double)
    case bool(Bool)
    case null
    case array([ShellValue])
    case hash(ShellHash)
    /// A table reference (`t = get_table 't1'`), on which table commands can be called (`t.scan`).
    case table(TableName)

    public static func text(_ s: String) -> ShellValue { .string(Array(s.utf8)) }

    /// The string's bytes, or nil for any other kind of value.
    public var bytes: [UInt8]? {
        if case .string(let b) = self { return b }
        return nil
    }

    /// The string as text (bytes that are not UTF-8 shown as `\xNN`).
    public var stringValue: String? { bytes.map { String(decoding: $0, as: UTF8.self) } }

    /// Ruby's `inspect` form, as the shell echoes values (`=> ["t1", "t2"]`, `=> true`).
    public var description: String {
        switch self {
        case .string(let b): return "\"" + Self.rubyEscaped(b) + "\""
        case .integer(let i): return String(i)
        case .float(let d): return String(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "nil"
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .hash(let h): return "{" + h.pairs.map { "\($0.key.description)=>\($0.value.description)" }.joined(separator: ", ") + "}"
        case .table(let t): return "Hbase::Table - \(t.nameAsString)"
        }
    }

    /// Ruby's escaping inside a double-quoted `inspect`.
    static func rubyEscaped(_ bytes: [UInt8]) -> String {
        var out = ""
        for b in bytes {
            switch b {
            case UInt8(ascii: "\""): out += "\\\""
            case UInt8(ascii: "\\"): out += "\\\\"
            case UInt8(ascii: "\n"): out += "\\n"
            case UInt8(ascii: "\t"): out += "\\t"
            case UInt8(ascii: "\r"): out += "\\r"
            case 0x20..<0x7F: out.unicodeScalars.append(Unicode.Scalar(b))
            default: out += "\\x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }
}

/// A hash argument (`{NAME => 'f', VERSIONS => 3}`), keeping the order it was written in.
public struct ShellHash: Sendable, Equatable {
    public var pairs: [(key: ShellValue, value: ShellValue)]

    public init(_ pairs: [(key: ShellValue, value: ShellValue)] = []) { self.pairs = pairs }

    public static func == (a: ShellHash, b: ShellHash) -> Bool {
        a.pairs.count == b.pairs.count && zip(a.pairs, b.pairs).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }

    /// The value under a string key (constants are strings), or nil.
    public subscript(key: String) -> ShellValue? {
        let k = Array(key.utf8)
        return pairs.last { $0.key.bytes == k }?.value
    }

    /// The keys written as strings, in order.
    public var keys: [String] { pairs.compactMap(\.key.stringValue) }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
