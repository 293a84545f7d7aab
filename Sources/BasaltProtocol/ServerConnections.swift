import BasaltCore
import BasaltProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// gRPC connections to servers, one per `host:port`, opened on first use and kept until `closeAll` (or
/// `forget` after a connection failure). Used by the master and the client. Safe to share across tasks.
public final class ServerConnections: Sendable {
    public typealias Transport = HTTP2ClientTransport.Posix

    private struct Connection: Sendable {
        let client: GRPCClient<Transport>
        let task: Task<Void, any Error>
    }

    private let connections = Mutex<[String: Connection]>([:])
    /// Every call may send and receive messages up to this size.
    private let serviceConfig: ServiceConfig

    public init(limits: RPCLimits = RPCLimits()) {
        let all = MethodConfig(
            names: [MethodConfig.Name(service: "")], maxRequestMessageBytes: limits.maxMessageSize, maxResponseMessageBytes: limits.maxMessageSize)
        serviceConfig = ServiceConfig(methodConfig: [all])
    }

    /// The gRPC client for a server's `host:port`.
    public func client(_ server: ServerName) throws -> GRPCClient<Transport> {
        try connections.withLock { all in
            if let c = all[server.hostAndPort] { return c.client }
            var config = HTTP2ClientTransport.Posix.Config.defaults
            config.http2.targetWindowSize = 8 << 20
            config.connection.flushCoalescing = nil
            let transport = try HTTP2ClientTransport.Posix(
                target: .ipv4(address: server.host, port: server.port), transportSecurity: .plaintext, config: config,
                serviceConfig: serviceConfig)
            let client = GRPCClient(transport: transport)
            let task = Task { try await client.runConnections() }
            all[server.hostAndPort] = Connection(client: client, task: task)
            return client
        }
    }

    public func admin(_ server: ServerName) throws -> Basalt_AdminService.Client<Transport> {
        Basalt_AdminService.Client(wrapping: try client(server))
    }

    public func data(_ server: ServerName) throws -> Basalt_ClientService.Client<Transport> {
        Basalt_ClientService.Client(wrapping: try client(server))
    }

    public func master(_ server: ServerName) throws -> Basalt_MasterService.Client<Transport> {
        Basalt_MasterService.Client(wrapping: try client(server))
    }

    /// Drops the connection to a server (after it failed), so the next call dials again.
    public func forget(_ server: ServerName) {
        guard let c = connections.withLock({ $0.removeValue(forKey: server.hostAndPort) }) else { return }
        c.client.beginGracefulShutdown()
    }

    public func closeAll() async {
        let all = connections.withLock { c in
            defer { c.removeAll() }
            return Array(c.values)
        }
        for c in all { c.client.beginGracefulShutdown() }
        for c in all { _ = try? await c.task.value }
    }
}
