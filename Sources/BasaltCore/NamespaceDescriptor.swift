/// A namespace, HBase's grouping of tables (`ns:table`): its name and its configuration (HBase's quota
/// keys and the like, kept as given). `default` and `hbase` always exist. Validated on construction. A
/// value type.
public struct NamespaceDescriptor: Sendable, Hashable {
    public let name: String
    public var configuration: [String: String]

    public init(name: String, configuration: [String: String] = [:]) throws {
        try TableName.validate(namespace: name)
        self.name = name
        self.configuration = configuration
    }

    /// The namespaces every cluster has, which cannot be dropped.
    public static let builtIn: [String] = [TableName.defaultNamespace, TableName.systemNamespace]

    public var isBuiltIn: Bool { Self.builtIn.contains(name) }
}
