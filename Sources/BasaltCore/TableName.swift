/// A table's name: a namespace and a qualifier, written `ns:qualifier`, or just `qualifier` in the
/// `default` namespace, as in HBase. Validated on construction. A value type; `Sendable`.
public struct TableName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public static let defaultNamespace = "default"
    public static let systemNamespace = "hbase"
    /// `hbase:meta`, the catalogue of regions.
    public static let meta = TableName(uncheckedNamespace: systemNamespace, qualifier: "meta")

    public let namespace: String
    public let qualifier: String

    init(uncheckedNamespace: String, qualifier: String) {
        self.namespace = uncheckedNamespace
        self.qualifier = qualifier
    }

    public init(namespace: String = TableName.defaultNamespace, qualifier: String) throws {
        try Self.validate(namespace: namespace)
        try Self.validate(qualifier: qualifier)
        self.namespace = namespace
        self.qualifier = qualifier
    }

    /// Parses `ns:qualifier` or `qualifier`.
    public init(_ text: String) throws {
        if let colon = text.firstIndex(of: ":") {
            try self.init(namespace: String(text[..<colon]), qualifier: String(text[text.index(after: colon)...]))
        } else {
            try self.init(qualifier: text)
        }
    }

    /// `qualifier` for the default namespace, else `ns:qualifier`: the form HBase prints and stores.
    public var nameAsString: String { namespace == Self.defaultNamespace ? qualifier : "\(namespace):\(qualifier)" }
    public var nameBytes: [UInt8] { Array(nameAsString.utf8) }
    public var description: String { nameAsString }
    public var isSystemTable: Bool { namespace == Self.systemNamespace }

    public static func < (a: TableName, b: TableName) -> Bool { a.nameAsString < b.nameAsString }

    static func validate(namespace: String) throws {
        guard !namespace.isEmpty else { throw CoreError(.invalidTableName, "namespace must not be empty") }
        for c in namespace.utf8 where !(isAlnum(c) || c == UInt8(ascii: "_")) {
            throw CoreError(.invalidTableName, "illegal character '\(Character(Unicode.Scalar(c)))' in namespace '\(namespace)': use [a-zA-Z_0-9]")
        }
    }

    static func validate(qualifier: String) throws {
        guard let first = qualifier.utf8.first else { throw CoreError(.invalidTableName, "table name must not be empty") }
        if first == UInt8(ascii: ".") || first == UInt8(ascii: "-") {
            throw CoreError(.invalidTableName, "table name '\(qualifier)' must not start with '.' or '-'")
        }
        for c in qualifier.utf8 where !(isAlnum(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")) {
            throw CoreError(.invalidTableName, "illegal character '\(Character(Unicode.Scalar(c)))' in table name '\(qualifier)': use [a-zA-Z_0-9-.]")
        }
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
    }
}
