/// One command as written: `command arg, arg, KEY => value`, or `t.command args` on a table variable,
/// optionally assigned (`t = get_table 't1'`). A value type.
public struct ShellStatement: Sendable, Equatable {
    public var assignTo: String?
    public var receiver: String?
    public var command: String
    public var arguments: [ShellValue]
}

/// Parses shell input one statement at a time, with the HBase shell's (Ruby's) argument syntax: strings,
/// numbers, `true`/`false`/`nil`, arrays, hashes, upper-case constants (which stand for their own name),
/// a trailing `KEY => value` list gathered into one hash, parentheses optional, statements separated by
/// `;` or new lines. Lower-case names are variables, looked up through `resolve` when the statement is
/// parsed (so `t = get_table 't'; t.scan` works on one line). A value type; one per input.
public struct ShellParser {
    private let tokens: [ShellLexer.Located]
    private var at = 0
    private var depth = 0

    public init(_ text: String) throws(ShellError) {
        tokens = try ShellLexer.tokens(text)
    }

    /// Whether `text` stops in the middle of a statement (open bracket, string, trailing comma), so an
    /// interactive reader should ask for another line.
    public static func isIncomplete(_ text: String) -> Bool {
        do {
            var parser = try ShellParser(text)
            while try parser.next(resolve: { _ in .null }) != nil {}
            return false
        } catch {
            return error.kind == .incomplete
        }
    }

    private var current: ShellLexer.Token? { at < tokens.count ? tokens[at].token : nil }

    private mutating func advance() { at += 1 }

    private mutating func skipNewlines() {
        while current == .newline { at += 1 }
    }

    private var atStatementEnd: Bool {
        guard let t = current else { return true }
        return t == .semicolon || t == .newline
    }

    private func unexpected(_ what: String) -> ShellError {
        guard let t = current else { return ShellError(.incomplete, "unexpected end of input, expecting \(what)") }
        return .syntax("syntax error, unexpected \(Self.describe(t)), expecting \(what)")
    }

    static func describe(_ t: ShellLexer.Token) -> String {
        switch t {
        case .string: "string literal"
        case .integer(let i): "integer literal \(i)"
        case .float(let d): "float literal \(d)"
        case .identifier(let s): "'\(s)'"
        case .arrow: "'=>'"
        case .comma: "','"
        case .leftParen: "'('"
        case .rightParen: "')'"
        case .leftBracket: "'['"
        case .rightBracket: "']'"
        case .leftBrace: "'{'"
        case .rightBrace: "'}'"
        case .semicolon: "';'"
        case .newline: "end of line"
        case .assign: "'='"
        case .dot: "'.'"
        }
    }

    /// The next statement, or nil at the end of the input.
    public mutating func next(resolve: (String) throws(ShellError) -> ShellValue) throws(ShellError) -> ShellStatement? {
        while current == .semicolon || current == .newline { advance() }
        guard let first = current else { return nil }
        guard case .identifier(var name) = first else { throw unexpected("a command") }
        advance()
        var statement = ShellStatement(assignTo: nil, receiver: nil, command: name, arguments: [])
        if current == .assign {
            advance()
            guard case .identifier(let command)? = current else { throw unexpected("a command after '='") }
            statement.assignTo = name
            name = command
            statement.command = command
            advance()
        }
        if current == .dot {
            advance()
            guard case .identifier(let method)? = current else { throw unexpected("a method name after '.'") }
            statement.receiver = name
            statement.command = method
            advance()
        }
        if current == .leftParen {
            advance()
            depth += 1
            skipNewlines()
            if current == .rightParen {
                advance()
            } else {
                statement.arguments = try arguments(resolve: resolve, closing: .rightParen)
                skipNewlines()
                guard current == .rightParen else { throw unexpected("')'") }
                advance()
            }
            depth -= 1
        } else if !atStatementEnd {
            statement.arguments = try arguments(resolve: resolve, closing: nil)
        }
        guard atStatementEnd else { throw unexpected("end of statement") }
        return statement
    }

    /// Comma-separated values; a run of `key => value` at the end becomes one hash, as in Ruby.
    private mutating func arguments(resolve: (String) throws(ShellError) -> ShellValue, closing: ShellLexer.Token?) throws(ShellError) -> [ShellValue] {
        var out: [ShellValue] = []
        var trailing: ShellHash?
        while true {
            let value = try self.value(resolve: resolve)
            if current == .arrow {
                advance()
                if depth > 0 { skipNewlines() }
                let v = try self.value(resolve: resolve)
                if trailing == nil { trailing = ShellHash() }
                trailing?.pairs.append((value, v))
            } else {
                guard trailing == nil else { throw .syntax("syntax error: a plain argument cannot follow 'KEY => value' pairs") }
                out.append(value)
            }
            guard current == .comma else { break }
            advance()
            skipNewlines()
            if current == nil { throw ShellError(.incomplete, "unexpected end of input after ','") }
            if let closing, current == closing { break }
        }
        if let trailing { out.append(.hash(trailing)) }
        return out
    }

    private mutating func value(resolve: (String) throws(ShellError) -> ShellValue) throws(ShellError) -> ShellValue {
        guard let t = current else { throw ShellError(.incomplete, "unexpected end of input, expecting a value") }
        switch t {
        case .string(var bytes):
            advance()
            // Ruby joins adjacent literals: 'a' 'b' is "ab".
            while case .string(let more)? = current {
                bytes += more
                advance()
            }
            return .string(bytes)
        case .integer(let i):
            advance()
            return .integer(i)
        case .float(let d):
            advance()
            return .float(d)
        case .identifier(let name):
            advance()
            switch name {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "nil": return .null
            default:
                if let c = name.unicodeScalars.first, c.properties.isUppercase { return .text(name) }
                return try resolve(name)
            }
        case .leftBracket:
            advance()
            depth += 1
            var items: [ShellValue] = []
            skipNewlines()
            while current != .rightBracket {
                items.append(try value(resolve: resolve))
                skipNewlines()
                if current == .comma {
                    advance()
                    skipNewlines()
                } else if current != .rightBracket {
                    throw unexpected("',' or ']'")
                }
            }
            advance()
            depth -= 1
            return .array(items)
        case .leftBrace:
            advance()
            depth += 1
            var hash = ShellHash()
            skipNewlines()
            while current != .rightBrace {
                let key = try value(resolve: resolve)
                skipNewlines()
                guard current == .arrow else { throw unexpected("'=>'") }
                advance()
                skipNewlines()
                hash.pairs.append((key, try value(resolve: resolve)))
                skipNewlines()
                if current == .comma {
                    advance()
                    skipNewlines()
                } else if current != .rightBrace {
                    throw unexpected("',' or '}'")
                }
            }
            advance()
            depth -= 1
            return .hash(hash)
        default:
            throw unexpected("a value")
        }
    }
}
