import BasaltCore
import BasaltProtocol
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// gRPC connections to region servers, one per server, opened on first use and kept until `closeAll`.
/// Used by the master (and later the client). Safe to share across tasks.
final class RegionServerConnections: Sendable {
    typealias Transport = HTTP2ClientTransport.Posix

    private struct Connection: Sendable {
        let client: GRPCClient<Transport>
        let task: Task<Void, any Error>
    }

    private let connections = Mutex<[String: Connection]>([:])

    /// The gRPC client for a server's `host:port`.
    func client(_ server: ServerName) throws -> GRPCClient<Transport> {
        try connections.withLock { all in
            if let c = all[server.hostAndPort] { return c.client }
            let client = GRPCClient(transport: try .http2NIOPosix(target: .ipv4(address: server.host, port: server.port), transportSecurity: .plaintext))
            let task = Task { try await client.runConnections() }
            all[server.hostAndPort] = Connection(client: client, task: task)
            return client
        }
    }

    func admin(_ server: ServerName) throws -> Basalt_AdminService.Client<Transport> {
        Basalt_AdminService.Client(wrapping: try client(server))
    }

    func data(_ server: ServerName) throws -> Basalt_ClientService.Client<Transport> {
        Basalt_ClientService.Client(wrapping: try client(server))
    }

    func closeAll() async {
        let all = connections.withLock { c in
            defer { c.removeAll() }
            return Array(c.values)
        }
        for c in all { c.client.beginGracefulShutdown() }
        for c in all { _ = try? await c.task.value }
    }
}
