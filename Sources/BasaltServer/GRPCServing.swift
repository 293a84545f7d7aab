import BasaltProtocol
import GRPCCore
import GRPCNIOTransportHTTP2

/// Starting a gRPC server over HTTP/2 the way every Basalt server does: plaintext, on `host:port`
/// (0 picks a free port), serving in a task of its own. Stateless.
enum GRPCServing {
    typealias Server = GRPCServer<HTTP2ServerTransport.Posix>

    /// Binds and starts serving; returns the server, the task serving it and the bound port.
    static func start(host: String, port: Int, limits: RPCLimits, services: [any RegistrableRPCService]) async throws -> (Server, Task<Void, any Error>, Int) {
        var config = HTTP2ServerTransport.Posix.Config.defaults
        // hbase.ipc.max.request.size: a client's write buffer, or a row of large cells, fits in one request.
        config.rpc.maxRequestPayloadSize = limits.maxMessageSize
        config.http2.targetWindowSize = 8 << 20
        // Coalescing holds each response up to 100 us; a get is latency-bound, so send at once.
        config.connection.flushCoalescing = nil
        let transport = HTTP2ServerTransport.Posix(address: .ipv4(host: host, port: port), transportSecurity: .plaintext, config: config)
        let server = GRPCServer(transport: transport, services: services)
        let task = Task { try await server.serve() }
        do {
            guard let address = try await transport.listeningAddress.ipv4 else {
                throw ServerError(.io, "the server did not bind an IPv4 address on \(host):\(port)")
            }
            return (server, task, address.port)
        } catch {
            server.beginGracefulShutdown()
            _ = try? await task.value
            throw error is ServerError ? error : ServerError(.io, "cannot listen on \(host):\(port): \(error)")
        }
    }
}
