import Logging
import NIOCore
import NIOPosix
import Synchronization

/// HBase's native RPC server on SwiftNIO: listens on one port, reads each connection's preamble and
/// header, and hands its calls to the service the header names. Frames over `limits.maxMessageSize` are
/// refused. The services decide where work runs (see `RPCService`); the event loops only read, frame
/// and write. Safe to share across tasks.
public final class RPCServer: Sendable {
    private let channel: any Channel
    private let connections: OpenConnections
    /// The port it listens on (the one asked for, or the one picked for port 0).
    public let port: Int
    public let host: String

    private init(channel: any Channel, connections: OpenConnections, host: String, port: Int) {
        self.channel = channel
        self.connections = connections
        self.host = host
        self.port = port
    }

    /// Binds `host:port` (0 picks a free port) and serves `services`.
    public static func start(
        host: String, port: Int, services: [any RPCService], limits: RPCLimits = RPCLimits(),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "basalt.rpc")
    ) async throws -> RPCServer {
        let byName = Dictionary(services.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let maxFrame = limits.maxMessageSize
        let open = OpenConnections()
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .serverChannelOption(.backlog, value: 256)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelInitializer { child in
                    open.add(child)
                    return child.eventLoop.makeCompletedFuture {
                        try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(RPCServerDecoder(maxFrameLength: maxFrame)))
                        try child.pipeline.syncOperations.addHandler(RPCServerHandler(services: byName, logger: logger))
                    }
                }
                .bind(host: host, port: port).get()
        } catch {
            throw ProtocolError(.connection, "cannot listen on \(host):\(port): \(error)")
        }
        return RPCServer(channel: channel, connections: open, host: host, port: channel.localAddress?.port ?? port)
    }

    /// Client connections open now.
    public var connectionCount: Int { connections.count }

    /// Stops listening and closes every connection (a server stopping its services answers what is in
    /// flight first).
    public func stop() async {
        try? await channel.close()
        for c in connections.all() { try? await c.close() }
    }
}

/// The server's open connections, each removed when it closes. Safe to share.
final class OpenConnections: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }

    func all() -> [any Channel] { channels.withLock { Array($0.values) } }
    var count: Int { channels.withLock { $0.count } }
}
