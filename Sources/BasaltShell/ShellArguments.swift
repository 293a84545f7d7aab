import BasaltCore

/// Reading typed arguments out of shell values, with HBase's leniency: a number where bytes are wanted
/// is its decimal text (`put 't', 1, 'f:q', 2`), a table reference stands for its name.
extension ShellValue {
    /// The kind of value, as a message names it.
    var kindName: String {
        switch self {
        case .string: "String"
        case .integer: "Integer"
        case .float: "Float"
        case .bool: "Boolean"
        case .null: "nil"
        case .array: "Array"
        case .hash: "Hash"
        case .table: "Table"
        }
    }

    func tableName() throws(ShellError) -> TableName {
        switch self {
        case .table(let t): return t
        case .string(let b):
            do {
                return try TableName(String(decoding: b, as: UTF8.self))
            } catch {
                throw ShellError(.arguments, "Illegal table name '\(Bytes.toStringBinary(b))': \(ShellError.reason(error))")
            }
        default: throw .arguments("Table name must be of type String, not \(kindName)")
        }
    }

    /// Bytes for a row, column or value: strings as they are, numbers as decimal text.
    func asBytes(_ what: String) throws(ShellError) -> [UInt8] {
        switch self {
        case .string(let b): return b
        case .integer(let i): return Array(String(i).utf8)
        case .float(let d): return Array(String(d).utf8)
        case .table(let t): return t.nameBytes
        default: throw .arguments("\(what) must be a String, not \(kindName)")
        }
    }

    func asInt(_ what: String) throws(ShellError) -> Int64 {
        switch self {
        case .integer(let i): return i
        case .string(let b):
            if let i = Int64(String(decoding: b, as: UTF8.self)) { return i }
        case .float(let d):
            if d.rounded() == d, let i = Int64(exactly: d) { return i }
        default: break
        }
        throw .arguments("\(what) must be an integer, not \(self)")
    }

    func asBool(_ what: String) throws(ShellError) -> Bool {
        switch self {
        case .bool(let b): return b
        case .string(let b):
            switch String(decoding: b, as: UTF8.self).lowercased() {
            case "true": return true
            case "false": return false
            default: break
            }
        default: break
        }
        throw .arguments("\(what) must be true or false, not \(self)")
    }

    /// An array's items, or this single value as a one-item list.
    var asList: [ShellValue] {
        if case .array(let a) = self { return a }
        return [self]
    }

    var asHash: ShellHash? {
        if case .hash(let h) = self { return h }
        return nil
    }
}

/// A column as the shell writes it: `'f'` (the whole family), `'f:q'`, `'f:'` (the empty qualifier),
/// optionally with a converter for display (`'f:q:toLong'`).
struct ColumnSpec: Sendable, Equatable {
    var family: [UInt8]
    var qualifier: [UInt8]?
    var converter: String?

    static let converters: Set<String> = ["toString", "toStringBinary", "toLong", "toInt", "toShort", "toDouble", "toFloat", "toBoolean", "toHex"]

    init(family: [UInt8], qualifier: [UInt8]?, converter: String? = nil) {
        self.family = family
        self.qualifier = qualifier
        self.converter = converter
    }

    init(_ bytes: [UInt8]) throws(ShellError) {
        let (family, parsed) = ColumnSelection.parse(column: bytes)
        guard var qualifier = parsed else {
            guard !bytes.isEmpty else { throw .arguments("a column must not be empty: use 'family' or 'family:qualifier'") }
            self.init(family: bytes, qualifier: nil)
            return
        }
        var converter: String?
        if let last = qualifier.lastIndex(of: UInt8(ascii: ":")) {
            let name = String(decoding: qualifier[(last + 1)...], as: UTF8.self)
            if Self.converters.contains(name) {
                converter = name
                qualifier = Array(qualifier[..<last])
            }
        }
        self.init(family: family, qualifier: qualifier, converter: converter)
        guard !family.isEmpty else { throw .arguments("column '\(Bytes.toStringBinary(bytes))' has no family: use 'family:qualifier'") }
    }

    /// Adds this column to a selection.
    func add(to selection: inout ColumnSelection) {
        if let qualifier { selection.addColumn(family: family, qualifier: qualifier) } else { selection.addFamily(family) }
    }
}

/// Shows a value through a column converter (`'f:q:toLong'`), as HBase's shell does.
enum ValueConverter {
    static func show(_ value: [UInt8], _ converter: String?) -> String {
        guard let converter else { return Bytes.toStringBinary(value) }
        func int(_ n: Int) -> Int64? {
            guard value.count == n else { return nil }
            return value.reduce(Int64(0)) { $0 << 8 | Int64($1) }
        }
        switch converter {
        case "toLong": if let v = int(8) { return String(v) }
        case "toInt": if let v = int(4) { return String(Int32(truncatingIfNeeded: v)) }
        case "toShort": if let v = int(2) { return String(Int16(truncatingIfNeeded: v)) }
        case "toDouble": if let v = int(8) { return String(Double(bitPattern: UInt64(bitPattern: v))) }
        case "toFloat": if let v = int(4) { return String(Float(bitPattern: UInt32(truncatingIfNeeded: v))) }
        case "toBoolean": if value.count == 1 { return value[0] != 0 ? "true" : "false" }
        case "toString": return String(decoding: value, as: UTF8.self)
        case "toHex": return Bytes.hex(value)
        default: break
        }
        return Bytes.toStringBinary(value)
    }
}
