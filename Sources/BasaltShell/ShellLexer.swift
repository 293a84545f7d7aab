/// Splits shell input into tokens, with Ruby's literal rules as the HBase shell uses them: single quotes
/// take text as written (only `\\` and `\'` escape), double quotes interpret `\xNN`, `\n`, `\t`, octal
/// and the other C escapes; `#` starts a comment. A value type, used by one parse.
struct ShellLexer {
    enum Token: Equatable, Sendable {
        case string([UInt8])
        case integer(Int64)
        case float(Double)
        case identifier(String)
        case arrow          // =>
        case comma, leftParen, rightParen, leftBracket, rightBracket, leftBrace, rightBrace
        case semicolon, newline, assign, dot
    }

    struct Located: Sendable {
        var token: Token
        var offset: Int
    }

    private let input: [UInt8]
    private var at = 0

    init(_ text: String) { input = Array(text.utf8) }

    /// Every token of the input. Throws `incomplete` for an unterminated string.
    static func tokens(_ text: String) throws(ShellError) -> [Located] {
        var lexer = ShellLexer(text)
        var out: [Located] = []
        while let t = try lexer.next() { out.append(t) }
        return out
    }

    private var peek: UInt8? { at < input.count ? input[at] : nil }
    private func peek(_ n: Int) -> UInt8? { at + n < input.count ? input[at + n] : nil }

    mutating func next() throws(ShellError) -> Located? {
        while let c = peek {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") {
                at += 1
            } else if c == UInt8(ascii: "\\") && (peek(1) == UInt8(ascii: "\n")) {
                at += 2  // a backslash at the end of a line continues it
            } else if c == UInt8(ascii: "#") {
                while let d = peek, d != UInt8(ascii: "\n") { at += 1; _ = d }
            } else {
                break
            }
        }
        guard let c = peek else { return nil }
        let start = at
        func one(_ t: Token) -> Located {
            at += 1
            return Located(token: t, offset: start)
        }
        switch c {
        case UInt8(ascii: "\n"): return one(.newline)
        case UInt8(ascii: ","): return one(.comma)
        case UInt8(ascii: "("): return one(.leftParen)
        case UInt8(ascii: ")"): return one(.rightParen)
        case UInt8(ascii: "["): return one(.leftBracket)
        case UInt8(ascii: "]"): return one(.rightBracket)
        case UInt8(ascii: "{"): return one(.leftBrace)
        case UInt8(ascii: "}"): return one(.rightBrace)
        case UInt8(ascii: ";"): return one(.semicolon)
        case UInt8(ascii: "."): return one(.dot)
        case UInt8(ascii: "="):
            if peek(1) == UInt8(ascii: ">") {
                at += 2
                return Located(token: .arrow, offset: start)
            }
            if peek(1) == UInt8(ascii: "=") { throw .syntax("comparisons ('==') are not shell commands (at offset \(start))") }
            return one(.assign)
        case UInt8(ascii: "'"): return Located(token: .string(try singleQuoted()), offset: start)
        case UInt8(ascii: "\""): return Located(token: .string(try doubleQuoted()), offset: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"):
            return Located(token: try number(), offset: start)
        default:
            if Self.isIdentifierStart(c) {
                while let d = peek, Self.isIdentifierPart(d) { at += 1 }
                if let d = peek, d == UInt8(ascii: "?") || d == UInt8(ascii: "!") { at += 1 }
                return Located(token: .identifier(String(decoding: input[start..<at], as: UTF8.self)), offset: start)
            }
            throw .syntax("unexpected character '\(String(decoding: [c], as: UTF8.self))' at offset \(start)")
        }
    }

    static func isIdentifierStart(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_") || c >= 0x80
    }

    static func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) }

    private mutating func singleQuoted() throws(ShellError) -> [UInt8] {
        at += 1
        var out: [UInt8] = []
        while let c = peek {
            at += 1
            if c == UInt8(ascii: "'") { return out }
            if c == UInt8(ascii: "\\"), let n = peek, n == UInt8(ascii: "'") || n == UInt8(ascii: "\\") {
                out.append(n)
                at += 1
            } else {
                out.append(c)
            }
        }
        throw ShellError(.incomplete, "unterminated string meets end-of-file")
    }

    private mutating func doubleQuoted() throws(ShellError) -> [UInt8] {
        at += 1
        var out: [UInt8] = []
        while let c = peek {
            at += 1
            if c == UInt8(ascii: "\"") { return out }
            guard c == UInt8(ascii: "\\") else {
                out.append(c)
                continue
            }
            guard let e = peek else { break }
            at += 1
            switch e {
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "e"): out.append(0x1B)
            case UInt8(ascii: "s"): out.append(0x20)
            case UInt8(ascii: "a"): out.append(0x07)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "v"): out.append(0x0B)
            case UInt8(ascii: "x"):
                var v: UInt8 = 0
                var digits = 0
                while digits < 2, let h = peek, let d = Self.hexValue(h) {
                    v = v << 4 | d
                    at += 1
                    digits += 1
                }
                guard digits > 0 else { throw .syntax("invalid hex escape in a double-quoted string at offset \(at - 2)") }
                out.append(v)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                var v = Int(e - UInt8(ascii: "0"))
                var digits = 1
                while digits < 3, let o = peek, o >= UInt8(ascii: "0"), o <= UInt8(ascii: "7") {
                    v = v * 8 + Int(o - UInt8(ascii: "0"))
                    at += 1
                    digits += 1
                }
                out.append(UInt8(truncatingIfNeeded: v))
            case UInt8(ascii: "u"):
                var v: UInt32 = 0
                var digits = 0
                while digits < 4, let h = peek, let d = Self.hexValue(h) {
                    v = v << 4 | UInt32(d)
                    at += 1
                    digits += 1
                }
                guard digits == 4, let scalar = Unicode.Scalar(v) else { throw .syntax("invalid Unicode escape in a double-quoted string") }
                out.append(contentsOf: Array(String(Character(scalar)).utf8))
            case UInt8(ascii: "\n"): break
            default: out.append(e)  // \\, \", \' and any other character stand for themselves
            }
        }
        throw ShellError(.incomplete, "unterminated string meets end-of-file")
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private mutating func number() throws(ShellError) -> Token {
        let start = at
        var negative = false
        if peek == UInt8(ascii: "-") || peek == UInt8(ascii: "+") {
            negative = peek == UInt8(ascii: "-")
            at += 1
        }
        guard let first = peek, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw .syntax("unexpected '\(negative ? "-" : "+")' at offset \(start)")
        }
        if first == UInt8(ascii: "0"), peek(1) == UInt8(ascii: "x") || peek(1) == UInt8(ascii: "X") {
            at += 2
            var v: UInt64 = 0
            var digits = 0
            while let h = peek, let d = Self.hexValue(h) {
                guard v >> 60 == 0 else { throw .syntax("number too large at offset \(start)") }
                v = v << 4 | UInt64(d)
                at += 1
                digits += 1
            }
            guard digits > 0, v <= UInt64(Int64.max) else { throw .syntax("invalid hex number at offset \(start)") }
            return .integer(negative ? -Int64(v) : Int64(v))
        }
        var text = ""
        var isFloat = false
        while let c = peek {
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                text.unicodeScalars.append(Unicode.Scalar(c))
            } else if c == UInt8(ascii: "_") {
                // Ruby allows 1_000_000
            } else if c == UInt8(ascii: "."), !isFloat, let n = peek(1), n >= UInt8(ascii: "0"), n <= UInt8(ascii: "9") {
                isFloat = true
                text += "."
            } else if (c == UInt8(ascii: "e") || c == UInt8(ascii: "E")), let n = peek(1),
                (n >= UInt8(ascii: "0") && n <= UInt8(ascii: "9")) || n == UInt8(ascii: "-") || n == UInt8(ascii: "+") {
                isFloat = true
                text += "e"
                at += 1
                text.unicodeScalars.append(Unicode.Scalar(input[at]))
            } else {
                break
            }
            at += 1
        }
        if isFloat {
            guard let d = Double(text) else { throw .syntax("invalid number at offset \(start)") }
            return .float(negative ? -d : d)
        }
        guard let v = Int64(text) else { throw .syntax("integer out of range at offset \(start): \(text)") }
        return .integer(negative ? -v : v)
    }
}
