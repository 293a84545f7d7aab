/// HBase's filter language, both ways: `PrefixFilter ('row') AND (QualifierFilter (=, 'binary:q') OR
/// KeyOnlyFilter ())`, `SKIP`/`WHILE` prefixes, parentheses, quoted strings with `''` for a quote.
/// Precedence as HBase: SKIP and WHILE bind tightest, then AND, then OR.
extension Filter {
    /// Parses a filter string.
    public init(parsing text: String) throws {
        var p = FilterParser(Array(text.utf8))
        let f = try p.parseOr()
        p.skipSpace()
        guard p.atEnd else { throw p.error("unexpected text") }
        self = f
    }

    /// A filter from its language name and arguments (quotes already removed); for the combinators
    /// (`AND`, `OR`, `SKIP`, `WHILE`) the operands come as `children`.
    public init(name: String, arguments a: [[UInt8]], children: [Filter] = []) throws {
        func arity(_ n: Int...) throws {
            guard n.contains(a.count) else { throw CoreError(.invalidArgument, "\(name) takes \(n.map(String.init).joined(separator: " or ")) arguments, got \(a.count)") }
        }
        func op(_ i: Int) throws -> CompareOperator {
            let s = String(decoding: a[i], as: UTF8.self)
            switch s {
            case "<": return .less
            case "<=": return .lessOrEqual
            case "=": return .equal
            case "!=": return .notEqual
            case ">=": return .greaterOrEqual
            case ">": return .greater
            default:
                if let o = CompareOperator(rawValue: s.uppercased()) { return o }
                throw CoreError(.invalidArgument, "\(name): '\(s)' is not a compare operator (<, <=, =, !=, >=, >)")
            }
        }
        func int(_ i: Int) throws -> Int {
            guard let v = Int(String(decoding: a[i], as: UTF8.self)), v >= 0 else {
                throw CoreError(.invalidArgument, "\(name): '\(Bytes.toStringBinary(a[i]))' is not a non-negative whole number")
            }
            return v
        }
        func bool(_ i: Int) throws -> Bool {
            switch String(decoding: a[i], as: UTF8.self).lowercased() {
            case "true": return true
            case "false": return false
            default: throw CoreError(.invalidArgument, "\(name): '\(Bytes.toStringBinary(a[i]))' is not true or false")
            }
        }
        func comparator(_ i: Int) throws -> ByteComparator { try ByteComparator(language: a[i]) }
        switch name {
        case "AND", "OR":
            guard children.count >= 2 else { throw CoreError(.invalidArgument, "\(name) needs two operands") }
            self = name == "AND" ? .and(children) : .or(children)
        case "SKIP", "WHILE":
            guard children.count == 1 else { throw CoreError(.invalidArgument, "\(name) needs one operand") }
            self = name == "SKIP" ? .skip(children[0]) : .while(children[0])
        case "PrefixFilter": try arity(1); self = .prefix(a[0])
        case "RowFilter": try arity(2); self = .row(try op(0), try comparator(1))
        case "FamilyFilter": try arity(2); self = .family(try op(0), try comparator(1))
        case "QualifierFilter": try arity(2); self = .qualifier(try op(0), try comparator(1))
        case "ValueFilter": try arity(2); self = .value(try op(0), try comparator(1))
        case "ColumnPrefixFilter": try arity(1); self = .columnPrefix(a[0])
        case "MultipleColumnPrefixFilter":
            guard !a.isEmpty else { throw CoreError(.invalidArgument, "MultipleColumnPrefixFilter needs at least one prefix") }
            self = .multipleColumnPrefix(a)
        case "ColumnRangeFilter": try arity(4); self = .columnRange(min: a[0], minInclusive: try bool(1), max: a[2], maxInclusive: try bool(3))
        case "KeyOnlyFilter": try arity(0, 1); self = .keyOnly(lengthAsValue: a.isEmpty ? false : try bool(0))
        case "FirstKeyOnlyFilter": try arity(0); self = .firstKeyOnly
        case "PageFilter": try arity(1); self = .page(try int(0))
        case "ColumnCountGetFilter": try arity(1); self = .columnCountGet(try int(0))
        case "ColumnPaginationFilter": try arity(2); self = .columnPagination(limit: try int(0), offset: try int(1))
        case "TimestampsFilter":
            self = .timestamps(try a.indices.map { i in
                guard let v = Int64(String(decoding: a[i], as: UTF8.self)), v >= 0 else { throw CoreError(.invalidArgument, "TimestampsFilter: '\(Bytes.toStringBinary(a[i]))' is not a timestamp") }
                return v
            })
        case "InclusiveStopFilter": try arity(1); self = .inclusiveStop(a[0])
        case "SingleColumnValueFilter", "SingleColumnValueExcludeFilter":
            try arity(4, 6)
            self = .singleColumnValue(
                family: a[0], qualifier: a[1], op: try op(2), comparator: try comparator(3),
                filterIfMissing: a.count == 6 ? try bool(4) : false, latestVersionOnly: a.count == 6 ? try bool(5) : true,
                exclude: name == "SingleColumnValueExcludeFilter")
        default:
            throw CoreError(.invalidArgument, "unknown filter '\(name)'")
        }
    }

    /// The language name, arguments (unquoted) and operands: what `init(name:arguments:children:)` takes.
    public var parts: (name: String, arguments: [[UInt8]], children: [Filter]) {
        func s(_ x: String) -> [UInt8] { Bytes.of(x) }
        func op(_ o: CompareOperator) -> [UInt8] {
            s([.less: "<", .lessOrEqual: "<=", .equal: "=", .notEqual: "!=", .greaterOrEqual: ">=", .greater: ">"][o] ?? o.rawValue)
        }
        switch self {
        case .prefix(let p): return ("PrefixFilter", [p], [])
        case .row(let o, let c): return ("RowFilter", [op(o), c.language], [])
        case .family(let o, let c): return ("FamilyFilter", [op(o), c.language], [])
        case .qualifier(let o, let c): return ("QualifierFilter", [op(o), c.language], [])
        case .value(let o, let c): return ("ValueFilter", [op(o), c.language], [])
        case .columnPrefix(let p): return ("ColumnPrefixFilter", [p], [])
        case .multipleColumnPrefix(let ps): return ("MultipleColumnPrefixFilter", ps, [])
        case .columnRange(let mn, let mni, let mx, let mxi): return ("ColumnRangeFilter", [mn, s("\(mni)"), mx, s("\(mxi)")], [])
        case .keyOnly(let l): return ("KeyOnlyFilter", l ? [s("true")] : [], [])
        case .firstKeyOnly: return ("FirstKeyOnlyFilter", [], [])
        case .page(let n): return ("PageFilter", [s("\(n)")], [])
        case .columnCountGet(let n): return ("ColumnCountGetFilter", [s("\(n)")], [])
        case .columnPagination(let l, let o): return ("ColumnPaginationFilter", [s("\(l)"), s("\(o)")], [])
        case .timestamps(let ts): return ("TimestampsFilter", ts.map { s("\($0)") }, [])
        case .inclusiveStop(let r): return ("InclusiveStopFilter", [r], [])
        case .singleColumnValue(let f, let q, let o, let c, let missing, let latest, let exclude):
            return (exclude ? "SingleColumnValueExcludeFilter" : "SingleColumnValueFilter", [f, q, op(o), c.language, s("\(missing)"), s("\(latest)")], [])
        case .and(let fs): return ("AND", [], fs)
        case .or(let fs): return ("OR", [], fs)
        case .skip(let f): return ("SKIP", [], [f])
        case .while(let f): return ("WHILE", [], [f])
        }
    }
}

/// A recursive-descent parser over the filter language's bytes. Not thread-safe; one per parse.
struct FilterParser {
    let text: [UInt8]
    var i = 0

    init(_ text: [UInt8]) { self.text = text }

    var atEnd: Bool { i >= text.count }

    func error(_ what: String) -> CoreError {
        CoreError(.invalidArgument, "filter string: \(what) at offset \(i) of '\(String(decoding: text, as: UTF8.self))'")
    }

    mutating func skipSpace() {
        while i < text.count, text[i] == 0x20 || text[i] == 0x09 || text[i] == 0x0A || text[i] == 0x0D { i += 1 }
    }

    /// Consumes `word` when it comes next as a whole word (case-sensitive, as HBase).
    mutating func keyword(_ word: String) -> Bool {
        skipSpace()
        let w = Array(word.utf8)
        guard i + w.count <= text.count, Array(text[i..<(i + w.count)]) == w else { return false }
        let after = i + w.count
        if after < text.count, isNameByte(text[after]) { return false }
        i = after
        return true
    }

    func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "_")
    }

    mutating func parseOr() throws -> Filter {
        var operands = [try parseAnd()]
        while keyword("OR") { operands.append(try parseAnd()) }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    mutating func parseAnd() throws -> Filter {
        var operands = [try parseUnary()]
        while keyword("AND") { operands.append(try parseUnary()) }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    mutating func parseUnary() throws -> Filter {
        if keyword("SKIP") { return .skip(try parseUnary()) }
        if keyword("WHILE") { return .while(try parseUnary()) }
        skipSpace()
        guard !atEnd else { throw error("a filter is missing") }
        if text[i] == UInt8(ascii: "(") {
            i += 1
            let inner = try parseOr()
            skipSpace()
            guard !atEnd, text[i] == UInt8(ascii: ")") else { throw error("')' expected") }
            i += 1
            return inner
        }
        return try parseFilter()
    }

    mutating func parseFilter() throws -> Filter {
        let start = i
        while i < text.count, isNameByte(text[i]) { i += 1 }
        guard i > start else { throw error("a filter name expected") }
        let name = String(decoding: text[start..<i], as: UTF8.self)
        skipSpace()
        guard !atEnd, text[i] == UInt8(ascii: "(") else { throw error("'(' expected after \(name)") }
        i += 1
        var args: [[UInt8]] = []
        skipSpace()
        if !atEnd, text[i] == UInt8(ascii: ")") {
            i += 1
        } else {
            while true {
                args.append(try parseArgument())
                skipSpace()
                guard !atEnd else { throw error("')' expected") }
                if text[i] == UInt8(ascii: ",") { i += 1; continue }
                if text[i] == UInt8(ascii: ")") { i += 1; break }
                throw error("',' or ')' expected")
            }
        }
        return try Filter(name: name, arguments: args)
    }

    /// A quoted string ('' stands for a quote), or a bare token (number, boolean, operator).
    mutating func parseArgument() throws -> [UInt8] {
        skipSpace()
        guard !atEnd else { throw error("an argument expected") }
        if text[i] == UInt8(ascii: "'") {
            i += 1
            var out: [UInt8] = []
            while true {
                guard !atEnd else { throw error("unterminated quoted string") }
                if text[i] == UInt8(ascii: "'") {
                    if i + 1 < text.count, text[i + 1] == UInt8(ascii: "'") {
                        out.append(UInt8(ascii: "'"))
                        i += 2
                        continue
                    }
                    i += 1
                    return out
                }
                out.append(text[i])
                i += 1
            }
        }
        let start = i
        while i < text.count, text[i] != UInt8(ascii: ","), text[i] != UInt8(ascii: ")"), text[i] != 0x20 { i += 1 }
        guard i > start else { throw error("an argument expected") }
        return Array(text[start..<i])
    }
}
