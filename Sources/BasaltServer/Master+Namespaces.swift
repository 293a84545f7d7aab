import BasaltCore
import BasaltProtocol

/// Namespaces, as HBase's master keeps them: created, modified, listed and dropped (only when empty);
/// a table can only be created in one that exists. Each change runs under the procedure lock.
extension Master {
    var namespaces: NamespaceStore { NamespaceStore(fileSystem: fileSystem, root: configuration.root) }

    public func createNamespace(_ d: NamespaceDescriptor) async throws {
        try await procedures.withLock {
            guard try !namespaces.exists(d.name) else { throw ServerError(.namespaceExists, "namespace '\(d.name)' already exists") }
            try namespaces.write(d)
            logger.info("created namespace", metadata: ["namespace": "\(d.name)"])
        }
    }

    /// Replaces a namespace's configuration.
    public func modifyNamespace(_ d: NamespaceDescriptor) async throws {
        try await procedures.withLock {
            guard try namespaces.exists(d.name) else { throw ServerError(.namespaceNotFound, "namespace '\(d.name)' does not exist") }
            try namespaces.write(d)
        }
    }

    /// Drops an empty namespace; `default` and `hbase` cannot be dropped.
    public func deleteNamespace(_ name: String) async throws {
        try await procedures.withLock {
            guard !NamespaceDescriptor.builtIn.contains(name) else {
                throw ServerError(.constraint, "namespace '\(name)' is built in and cannot be dropped")
            }
            guard try namespaces.exists(name) else { throw ServerError(.namespaceNotFound, "namespace '\(name)' does not exist") }
            let tables = try await listTables(regex: "", includeSystem: false).filter { $0.namespace == name }
            guard tables.isEmpty else {
                throw ServerError(.constraint, "namespace '\(name)' holds \(tables.count) table(s) (\(tables.prefix(3).map(\.nameAsString).joined(separator: ", "))); drop them first")
            }
            try namespaces.remove(name)
            logger.info("dropped namespace", metadata: ["namespace": "\(name)"])
        }
    }

    public func namespace(_ name: String) throws -> NamespaceDescriptor {
        guard let d = try namespaces.read(name) else { throw ServerError(.namespaceNotFound, "namespace '\(name)' does not exist") }
        return d
    }

    public func listNamespaces() throws -> [NamespaceDescriptor] { try namespaces.all() }
}
