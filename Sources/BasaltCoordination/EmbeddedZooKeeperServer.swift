import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A single-node, in-memory server of ZooKeeper's wire protocol: what `basalt start` runs in place of an
/// ensemble, as HBase's standalone mode runs a ZooKeeper inside its process.
///
/// It keeps ZooKeeper's semantics for everything Basalt and common tools use (sessions with timeouts,
/// ephemeral and sequential znodes, zxids and stats, one-shot watches, `multi`, `setWatches` on reconnect,
/// the four-letter words `ruok`, `srvr`, `stat`, `mntr`, `conf`, `cons`, `envi` and `isro`). ACLs are kept
/// but not enforced. A malformed request closes that connection only, with a log line. Nothing is written
/// to disk: a restart begins with an empty tree. Safe to share.
public final class EmbeddedZooKeeperServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// ZooKeeper's tick: sessions are checked every tick; timeouts are bounded to 2–20 ticks.
        public var tickTime: Duration
        /// The largest frame accepted (ZooKeeper's `jute.maxbuffer`, about 1 MB).
        public var maxFrameLength: Int
        public var logger: Logger

        public init(host: String = "127.0.0.1", port: Int = ZooKeeperDefaults.clientPort, tickTime: Duration = .milliseconds(2000),
                    maxFrameLength: Int = 0xfffff, logger: Logger = Logger(label: "basalt.zookeeper.server")) {
            self.host = host
            self.port = port
            self.tickTime = tickTime
            self.maxFrameLength = maxFrameLength
            self.logger = logger
        }

        var tickMs: Int64 { tickTime.inMilliseconds }
    }

    let configuration: Configuration
    let logger: Logger
    let core: Mutex<ServerCore>
    private let channel: Channel
    private let expiryTask = Mutex<RepeatedTask?>(nil)

    /// The port it listens on.
    public let port: Int
    /// `host:port`, ready for a client's connect string.
    public var connectString: String { "\(configuration.host):\(port)" }

    /// Binds and starts serving.
    public static func start(_ configuration: Configuration,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> EmbeddedZooKeeperServer {
        let box = ServerBox()
        let channel: Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { child in
                    child.eventLoop.makeCompletedFuture {
                        guard let server = box.server else { throw CoordinationError(.systemError, "the server is starting") }
                        try child.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder(maxFrameLength: configuration.maxFrameLength, acceptFourLetterWords: true)))
                        try child.pipeline.syncOperations.addHandler(ServerConnectionHandler(server: server))
                    }
                }
                .bind(host: configuration.host, port: configuration.port).get()
        } catch {
            throw CoordinationError(.systemError, "cannot listen on \(configuration.host):\(configuration.port): \(error)")
        }
        let server = EmbeddedZooKeeperServer(configuration: configuration, channel: channel)
        box.server = server
        server.startExpiry()
        configuration.logger.info("embedded ZooKeeper-protocol server listening on \(server.connectString)")
        return server
    }

    private init(configuration: Configuration, channel: Channel) {
        self.configuration = configuration
        self.logger = configuration.logger
        self.channel = channel
        self.port = channel.localAddress?.port ?? configuration.port
        self.core = Mutex(ServerCore(tickMs: configuration.tickMs))
    }

    /// Checks for expired sessions every half tick.
    private func startExpiry() {
        let tick = TimeAmount.milliseconds(max(10, configuration.tickMs / 2))
        let task = channel.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { [weak self] _ in
            guard let self else { return }
            self.core.withLock { $0.expireSessions(now: .now(), logger: self.logger) }
        }
        expiryTask.withLock { $0 = task }
    }

    /// Stops listening and closes every connection. Sessions die with the server.
    public func stop() async {
        expiryTask.withLock { $0?.cancel() }
        try? await channel.close()
        let connections = core.withLock { c in
            defer { c.connections.removeAll() }
            return Array(c.connections.values.map(\.channel))
        }
        for c in connections { try? await c.close() }
    }

    /// Live sessions (for tests and `mntr`).
    public var sessionCount: Int { core.withLock { $0.sessions.count } }
    /// Znodes in the tree, including `/` and `/zookeeper`.
    public var nodeCount: Int { core.withLock { $0.tree.count } }
}

/// Lets the child initializer reach the server created after the bind.
private final class ServerBox: @unchecked Sendable {
    // Written once, before the first connection can be accepted by a client that knows the port.
    nonisolated(unsafe) var server: EmbeddedZooKeeperServer?
}

/// One client connection of the embedded server.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    let server: EmbeddedZooKeeperServer
    private var id = 0

    init(server: EmbeddedZooKeeperServer) {
        self.server = server
    }

    func channelActive(context: ChannelHandlerContext) {
        id = server.core.withLock { $0.register(context.channel) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .fourLetterWord(let word):
            let answer = server.core.withLock { $0.fourLetterWord(word) }
            var b = context.channel.allocator.buffer(capacity: answer.utf8.count)
            b.writeString(answer)
            let channel = context.channel
            context.writeAndFlush(wrapOutbound(b)).whenComplete { _ in channel.close(promise: nil) }
        case .frame(let frame):
            do {
                try server.core.withLock { core throws(CoordinationError) in
                    try core.receive(frame, connection: id, logger: server.logger)
                }
            } catch {
                server.logger.warning("closing ZooKeeper connection from \(context.remoteAddress?.description ?? "?"): malformed request: \(error.message)")
                context.close(promise: nil)
            }
        }
    }

    private func wrapOutbound(_ b: ByteBuffer) -> NIOAny { NIOAny(b) }

    func channelInactive(context: ChannelHandlerContext) {
        // Deferred: the server closes connections while it holds its lock.
        let (server, id) = (server, id)
        context.eventLoop.execute { server.core.withLock { $0.unregister(id) } }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let why = (error as? CoordinationError)?.message ?? "\(error)"
        server.logger.warning("closing ZooKeeper connection from \(context.remoteAddress?.description ?? "?"): \(why)")
        context.close(promise: nil)
    }
}
