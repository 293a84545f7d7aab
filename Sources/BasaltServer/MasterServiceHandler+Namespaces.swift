import BasaltCore
import BasaltProtocol

/// Basalt's calls for namespaces and the balancer switch (the shell's `create_namespace`, ...,
/// `balance_switch`).
extension MasterServiceHandler {
    func setBalancerSwitch(request: Basalt_BalancerSwitchRequest) async throws -> Basalt_BalancerSwitchResponse {
        try await serve {
            var r = Basalt_BalancerSwitchResponse()
            r.previous = try await master.setBalancer(on: request.on)
            return r
        }
    }

    func createNamespace(request: Basalt_Namespace) async throws -> Basalt_NamespaceResponse {
        try await serve {
            try await master.createNamespace(try NamespaceDescriptor(name: request.name, configuration: request.configuration))
            return Basalt_NamespaceResponse()
        }
    }

    func modifyNamespace(request: Basalt_Namespace) async throws -> Basalt_NamespaceResponse {
        try await serve {
            try await master.modifyNamespace(try NamespaceDescriptor(name: request.name, configuration: request.configuration))
            return Basalt_NamespaceResponse()
        }
    }

    func deleteNamespace(request: Basalt_NamespaceName) async throws -> Basalt_NamespaceResponse {
        try await serve {
            try await master.deleteNamespace(request.name)
            return Basalt_NamespaceResponse()
        }
    }

    func listNamespaces(request: Basalt_ListNamespacesRequest) async throws -> Basalt_ListNamespacesResponse {
        try await serve {
            var r = Basalt_ListNamespacesResponse()
            r.namespaces = try master.listNamespaces().map { d in
                var n = Basalt_Namespace()
                n.name = d.name
                n.configuration = d.configuration
                return n
            }
            return r
        }
    }
}
