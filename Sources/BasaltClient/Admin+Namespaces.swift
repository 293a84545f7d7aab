import BasaltCore
import BasaltProtocol

/// Namespaces through the active master: create, alter, drop (only an empty one), list, describe.
extension Admin {
    public func createNamespace(_ namespace: NamespaceDescriptor) async throws {
        let request = Self.proto(namespace)
        _ = try await master { try await $0.createNamespace(request) }
    }

    /// Replaces a namespace's configuration.
    public func modifyNamespace(_ namespace: NamespaceDescriptor) async throws {
        let request = Self.proto(namespace)
        _ = try await master { try await $0.modifyNamespace(request) }
    }

    public func deleteNamespace(_ name: String) async throws {
        var request = Basalt_NamespaceName()
        request.name = name
        _ = try await master { try await $0.deleteNamespace(request) }
    }

    /// Every namespace, `default` and `hbase` included, by name.
    public func listNamespaces() async throws -> [NamespaceDescriptor] {
        let r = try await master { try await $0.listNamespaces(Basalt_ListNamespacesRequest()) }
        return try r.namespaces.map { try NamespaceDescriptor(name: $0.name, configuration: $0.configuration) }
    }

    /// One namespace, or `NAMESPACE_NOT_FOUND`.
    public func namespace(_ name: String) async throws -> NamespaceDescriptor {
        guard let found = try await listNamespaces().first(where: { $0.name == name }) else {
            throw ClientError(
                .namespaceNotFound, message: "namespace '\(name)' does not exist", retryable: false,
                exceptionName: ServerErrorKind.namespaceNotFound.exceptionName)
        }
        return found
    }

    /// The tables of a namespace.
    public func listTableNames(inNamespace name: String) async throws -> [TableName] {
        _ = try await namespace(name)
        return try await listTableNames(matching: ".*").filter { $0.namespace == name }
    }

    static func proto(_ d: NamespaceDescriptor) -> Basalt_Namespace {
        var n = Basalt_Namespace()
        n.name = d.name
        n.configuration = d.configuration
        return n
    }
}
