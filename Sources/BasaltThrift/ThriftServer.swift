import BasaltClient
import BasaltCore
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// The HBase Thrift1 gateway: serves the `Hbase` service on one port, over the binary (strict or not)
/// and compact protocols, buffered or framed, telling them apart by each connection's first bytes. It is
/// a client of the cluster: calls go through a `Connection` like any other application's.
///
/// Each connection's calls run one after another, as Thrift clients expect; connections run
/// concurrently. A connection that sends bytes that are not Thrift is closed with a log line; one that
/// goes away takes its open scanners with it. Safe to share.
public final class ThriftServer: Sendable {
    public struct Configuration: Sendable {
        /// HBase's key for the gateway's port, and its default (-1 turns the gateway off in `basalt start`).
        public static let portKey = "hbase.regionserver.thrift.port"
        public static let defaultPort = 9090
        public var host: String
        /// 0 picks a free port.
        public var port: Int
        /// The largest frame a framed client may send.
        public var maxFrameBytes: Int
        /// The largest message an unframed (buffered) client may send.
        public var maxMessageBytes: Int
        /// Connections silent this long are closed; nil keeps them open (the default).
        public var idleTimeout: Duration?
        /// Scanners not used for this long are closed.
        public var scannerTimeout: Duration
        public var logger: Logger

        public init(host: String = "0.0.0.0", port: Int = Configuration.defaultPort, maxFrameBytes: Int = 2 << 20, maxMessageBytes: Int = 64 << 20,
                    idleTimeout: Duration? = nil, scannerTimeout: Duration = .seconds(60),
                    logger: Logger = Logger(label: "basalt.thrift")) {
            self.host = host
            self.port = port
            self.maxFrameBytes = maxFrameBytes
            self.maxMessageBytes = maxMessageBytes
            self.idleTimeout = idleTimeout
            self.scannerTimeout = scannerTimeout
            self.logger = logger
        }

        /// The gateway's settings from HBase's keys: `hbase.regionserver.thrift.port` (9090),
        /// `hbase.regionserver.thrift.ipaddress`, `hbase.regionserver.thrift.framed.max_frame_size_in_mb` (2),
        /// `basalt.thrift.max.message.size.in.mb` (64, unframed messages),
        /// `hbase.thrift.server.socket.read.timeout` (ms; 0, the default here, keeps idle connections) and
        /// `hbase.thrift.scanner.timeout` (ms, 60000).
        public init(_ conf: BasaltConfiguration, defaultHost: String) throws {
            self.init()
            host = conf.string("hbase.regionserver.thrift.ipaddress", default: defaultHost)
            port = try conf.int(Configuration.portKey, default: port)
            maxFrameBytes = try conf.int("hbase.regionserver.thrift.framed.max_frame_size_in_mb", default: maxFrameBytes >> 20) << 20
            maxMessageBytes = try conf.int("basalt.thrift.max.message.size.in.mb", default: maxMessageBytes >> 20) << 20
            let idle = try conf.int("hbase.thrift.server.socket.read.timeout", default: Int(idleTimeout?.inMilliseconds ?? 0))
            idleTimeout = idle > 0 ? .milliseconds(idle) : nil
            scannerTimeout = .milliseconds(max(1, try conf.int("hbase.thrift.scanner.timeout", default: Int(scannerTimeout.inMilliseconds))))
            guard (0...65_535).contains(port), maxFrameBytes > 0, maxMessageBytes > 0 else {
                throw ThriftError.illegalArgument("the Thrift gateway's port and size limits must be positive (port \(port))")
            }
        }
    }

    let configuration: Configuration
    let service: HbaseService
    private let serverChannel: Channel
    private let connections = Mutex<[Int: Channel]>([:])
    private let nextConnection = Atomic<Int>(0)
    /// Calls being answered (handled, or their reply being written).
    private let callsInFlight = Atomic<Int>(0)
    /// How long `stop()` lets calls in flight finish their replies before it closes the connections.
    static let drainTime: Duration = .seconds(2)
    private let acceptLoop = Mutex<Task<Void, Never>?>(nil)

    /// The port it listens on.
    public let port: Int

    /// Binds and starts serving calls against `connection`'s cluster.
    public static func start(_ configuration: Configuration, connection: Connection,
                             group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ThriftServer {
        let maxFrame = configuration.maxFrameBytes, maxMessage = configuration.maxMessageBytes
        let idle = configuration.idleTimeout
        let listener: NIOAsyncChannel<NIOAsyncChannel<ThriftRequest, ByteBuffer>, Never>
        do {
            listener = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .bind(host: configuration.host, port: configuration.port) { child in
                    child.eventLoop.makeCompletedFuture {
                        let ops = child.pipeline.syncOperations
                        if let idle {
                            try ops.addHandler(IdleStateHandler(readTimeout: .nanoseconds(Int64(idle.inMilliseconds) * 1_000_000)))
                            try ops.addHandler(IdleConnectionCloser(logger: configuration.logger))
                        }
                        try ops.addHandler(ByteToMessageHandler(ThriftFrameDecoder(maxFrameBytes: maxFrame, maxMessageBytes: maxMessage)))
                        return try NIOAsyncChannel<ThriftRequest, ByteBuffer>(wrappingChannelSynchronously: child)
                    }
                }
        } catch {
            throw ThriftError(.io, "the Thrift gateway cannot listen on \(configuration.host):\(configuration.port): \(error); " +
                "choose another port with -D hbase.regionserver.thrift.port=N (0 picks a free one, -1 turns the gateway off in basalt start)")
        }
        let server = ThriftServer(configuration: configuration, connection: connection, listener: listener.channel)
        let task = Task { await server.acceptConnections(listener) }
        server.acceptLoop.withLock { $0 = task }
        configuration.logger.info("Thrift gateway listening on \(configuration.host):\(server.port) (binary and compact protocol, buffered and framed transport)")
        return server
    }

    private init(configuration: Configuration, connection: Connection, listener: Channel) {
        self.configuration = configuration
        self.serverChannel = listener
        self.port = listener.localAddress?.port ?? configuration.port
        self.service = HbaseService(connection: connection, scannerTimeout: configuration.scannerTimeout, logger: configuration.logger)
    }

    private func acceptConnections(_ listener: NIOAsyncChannel<NIOAsyncChannel<ThriftRequest, ByteBuffer>, Never>) async {
        let reaper = Task { [service] in await service.scanners.reapIdle() }
        defer { reaper.cancel() }
        do {
            try await withThrowingDiscardingTaskGroup { group in
                try await listener.executeThenClose { inbound in
                    for try await child in inbound {
                        group.addTask { await self.serve(child) }
                    }
                }
            }
        } catch {
            configuration.logger.warning("Thrift gateway stopped accepting connections: \(error)")
        }
    }

    /// Answers one connection's calls in order until it closes.
    private func serve(_ child: NIOAsyncChannel<ThriftRequest, ByteBuffer>) async {
        let id = nextConnection.add(1, ordering: .relaxed).newValue
        let peer = child.channel.remoteAddress.map { "\($0)" } ?? "?"
        connections.withLock { $0[id] = child.channel }
        defer { connections.withLock { _ = $0.removeValue(forKey: id) } }
        do {
            try await child.executeThenClose { inbound, outbound in
                for try await request in inbound {
                    callsInFlight.add(1, ordering: .relaxed)
                    defer { callsInFlight.subtract(1, ordering: .relaxed) }
                    guard let reply = await service.handle(request.message, owner: id) else { continue }
                    let bytes = ThriftCodec.encode(reply, as: request.proto, framed: request.framed)
                    try await outbound.write(ByteBuffer(bytes: bytes))
                }
            }
        } catch let e as ThriftError {
            configuration.logger.warning("closing Thrift connection from \(peer): \(e.message)")
        } catch {
            configuration.logger.debug("Thrift connection from \(peer) ended: \(error)")
        }
        await service.scanners.closeAll(owner: id)
    }

    /// Open client connections (for tests and status).
    public var connectionCount: Int { connections.withLock { $0.count } }

    /// Open scanners (for tests and status).
    public func scannerCount() async -> Int { await service.scanners.count }

    /// Stops listening, lets calls in flight send their replies (for up to `drainTime`; a caller that
    /// closed the gateway's `Connection` first makes calls still retrying fail at once), then closes every
    /// connection and scanner. Calls still running after that are cancelled.
    public func stop() async {
        try? await serverChannel.close()
        let drainUntil = ContinuousClock.now + Self.drainTime
        while callsInFlight.load(ordering: .relaxed) > 0 && ContinuousClock.now < drainUntil {
            try? await Task.sleep(for: .milliseconds(10))
        }
        let open = connections.withLock { Array($0.values) }
        for c in open { try? await c.close() }
        let task = acceptLoop.withLock { $0 }
        task?.cancel()
        await task?.value
        await service.scanners.closeAll(owner: nil)
    }
}

/// Closes a connection that has been silent for the configured read timeout.
private final class IdleConnectionCloser: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    let logger: Logger

    init(logger: Logger) { self.logger = logger }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? IdleStateHandler.IdleStateEvent, e == .read {
            logger.info("closing idle Thrift connection from \(context.remoteAddress.map { "\($0)" } ?? "?")")
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}
