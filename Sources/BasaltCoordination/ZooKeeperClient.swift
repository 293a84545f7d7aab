import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A native client of ZooKeeper's wire protocol, on SwiftNIO, for Apache ZooKeeper and for Basalt's
/// embedded server alike.
///
/// It connects to one server of the ensemble at a time. When the connection drops it moves on to the next
/// server and re-attaches the same session (id and password), re-registering its watches, until the server
/// says the session has expired. Requests made while it reconnects are queued and sent once it is connected;
/// requests in flight when a connection drops fail with the retryable `ConnectionLoss`. After expiry or
/// `close()` every call fails with `SessionExpired`.
///
/// Watches are one-shot, as in ZooKeeper: `events()` hands out a stream of every watch firing and every
/// session state change, in the order the client saw them. Safe to share across tasks.
public final class ZooKeeperClient: Sendable {
    public struct Configuration: Sendable {
        /// `host:port` entries; tried in order, moving on when one fails.
        public var servers: [String]
        /// The session timeout asked of the server (it may bound it).
        public var sessionTimeout: Duration
        /// How long the first connection may take before `connect` fails.
        public var connectTimeout: Duration
        public var logger: Logger

        public init(servers: [String], sessionTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(10),
                    logger: Logger = Logger(label: "basalt.zookeeper.client")) {
            self.servers = servers
            self.sessionTimeout = sessionTimeout
            self.connectTimeout = connectTimeout
            self.logger = logger
        }
    }

    enum Phase {
        case connecting
        case handshaking(generation: Int, channel: Channel)
        case connected(generation: Int, channel: Channel)
        case expired
        case closed
    }

    struct Pending {
        var request: Request
        var continuation: CheckedContinuation<(Response, Int64), any Error>
    }

    struct State {
        var phase: Phase = .connecting
        var generation = 0
        var sessionId: Int64 = 0
        var password = [UInt8](repeating: 0, count: 16)
        var negotiatedTimeoutMs: Int32 = 0
        var lastZxid: Int64 = 0
        var nextXid: Int32 = 1
        var pending: [Int32: Pending] = [:]
        var queued: [(xid: Int32, pending: Pending)] = []
        var dataWatches: Set<String> = []
        var existWatches: Set<String> = []
        var childWatches: Set<String> = []
        var subscribers: [Int: AsyncStream<WatchedEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var serverIndex = 0
        var connectedServer: String?
        var handshakeWaiter: CheckedContinuation<Void, any Error>?
        var lostWaiter: CheckedContinuation<Void, Never>?
        var lastReceive = NIODeadline.now()
        var lastSend = NIODeadline.now()
        var pinger: RepeatedTask?
        var suspended = false
        var firstConnect: CheckedContinuation<Void, any Error>?
        var pingWaiters: [CheckedContinuation<Void, any Error>] = []
    }

    let configuration: Configuration
    let group: any EventLoopGroup
    let logger: Logger
    let state = Mutex(State())

    /// Connects to the ensemble and opens a session; fails if no server accepts within the connect timeout.
    public static func connect(_ configuration: Configuration,
                               group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> ZooKeeperClient {
        guard !configuration.servers.isEmpty else {
            throw CoordinationError(.badArguments, "no ZooKeeper servers given (expected host:port[,host:port...])")
        }
        let client = ZooKeeperClient(configuration: configuration, group: group)
        try await client.start()
        return client
    }

    private init(configuration: Configuration, group: any EventLoopGroup) {
        self.configuration = configuration
        self.group = group
        self.logger = configuration.logger
    }

    /// The session id the server assigned (0 before the first connection).
    public var sessionId: Int64 { state.withLock { $0.sessionId } }
    /// The session timeout the server granted, in milliseconds.
    public var negotiatedTimeoutMs: Int32 { state.withLock { $0.negotiatedTimeoutMs } }
    /// The `host:port` currently connected to, if any.
    public var connectedServer: String? { state.withLock { $0.connectedServer } }

    public var sessionState: SessionState {
        state.withLock {
            switch $0.phase {
            case .connected: .connected
            case .connecting, .handshaking: .disconnected
            case .expired: .expired
            case .closed: .closed
            }
        }
    }

    /// A stream of watch firings and session state changes (`type == .none`), in order. Each call makes a new
    /// subscriber that sees everything from now on; it finishes when the client closes or the session expires.
    public func events() -> AsyncStream<WatchedEvent> {
        let (stream, continuation) = AsyncStream<WatchedEvent>.makeStream()
        let finished = state.withLock { s -> Bool in
            switch s.phase {
            case .closed, .expired: return true
            default:
                let id = s.nextSubscriber
                s.nextSubscriber += 1
                s.subscribers[id] = continuation
                continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) } }
                return false
            }
        }
        if finished { continuation.finish() }
        return stream
    }

    private func start() async throws {
        Task { await self.connectionLoop() }
        let limit = configuration.connectTimeout
        let servers = configuration.servers.joined(separator: ",")
        Task { [weak self] in
            try? await Task.sleep(for: limit)
            guard let self else { return }
            let waiter = self.state.withLock { s in
                defer { s.firstConnect = nil }
                return s.firstConnect
            }
            waiter?.resume(throwing: CoordinationError(.connectionLoss, "could not connect to any of \(servers) within \(limit)"))
        }
        do {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
                let ready = state.withLock { s -> Bool in
                    if case .connected = s.phase { return true }
                    s.firstConnect = c
                    return false
                }
                if ready { c.resume() }
            }
        } catch {
            await closeLocally()
            throw error
        }
    }

    // MARK: - The connection loop

    private func connectionLoop() async {
        var failures = 0
        while true {
            let (alive, suspended, server) = state.withLock { s -> (Bool, Bool, String) in
                let alive: Bool
                switch s.phase {
                case .closed, .expired: alive = false
                default: alive = true
                }
                let server = configuration.servers[s.serverIndex % configuration.servers.count]
                return (alive, s.suspended, server)
            }
            guard alive else { return }
            if suspended {
                try? await Task.sleep(for: .milliseconds(20))
                continue
            }
            do {
                try await connectOnce(to: server)
                failures = 0
            } catch {
                logger.debug("ZooKeeper connection to \(server) failed: \(error)")
                failures += 1
            }
            let expired = state.withLock { s -> Bool in
                s.serverIndex += 1
                s.connectedServer = nil
                switch s.phase {
                case .closed, .expired: return true
                default:
                    s.phase = .connecting
                    return false
                }
            }
            if expired { return }
            failAll(CoordinationError(.connectionLoss))
            if failures > 0 { try? await Task.sleep(for: .milliseconds(min(1000, 20 * failures))) }
        }
    }

    /// One connection: connect, handshake, serve until it drops. Returns when the connection is gone.
    private func connectOnce(to server: String) async throws {
        guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]) else {
            throw CoordinationError(.badArguments, "'\(server)' is not host:port")
        }
        let host = String(server[..<colon])
        let generation = state.withLock { s -> Int in
            s.generation += 1
            return s.generation
        }
        let timeoutMs = configuration.sessionTimeout.inMilliseconds
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(.milliseconds(max(200, timeoutMs / Int64(max(1, configuration.servers.count)))))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ClientFrameHandler(client: self, generation: generation))
                }
            }
            .connect(host: host, port: port).get()
        defer { channel.close(promise: nil) }

        let request = state.withLock { s -> ConnectRequest in
            s.phase = .handshaking(generation: generation, channel: channel)
            s.lastReceive = .now()
            return ConnectRequest(lastZxidSeen: s.lastZxid, timeout: Int32(timeoutMs), sessionId: s.sessionId, password: s.password)
        }
        let frame = channel.allocator.frame { request.write(to: &$0) }
        try await channel.writeAndFlush(frame)
        channel.eventLoop.scheduleTask(in: .milliseconds(max(500, timeoutMs))) { [self] in
            // No handshake answer in time: give up on this server.
            if state.withLock({ if case .handshaking(let g, _) = $0.phase { g == generation } else { false } }) {
                channel.close(promise: nil)
            }
        }
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            enum Outcome { case connected, gone, waiting }
            let outcome = state.withLock { s -> Outcome in
                switch s.phase {
                case .connected(let g, _) where g == generation: return .connected  // the answer beat us here
                case .handshaking(let g, _) where g == generation:
                    s.handshakeWaiter = c
                    return .waiting
                default: return .gone
                }
            }
            switch outcome {
            case .connected: c.resume()
            case .gone: c.resume(throwing: CoordinationError(.connectionLoss))
            case .waiting: break
            }
        }
        state.withLock { $0.connectedServer = server }
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let gone = state.withLock { s -> Bool in
                guard case .connected(let g, _) = s.phase, g == generation else { return true }
                s.lostWaiter = c
                return false
            }
            if gone { c.resume() }
        }
    }

    /// Starts the liveness timer on the connection's event loop. Called from the frame handler when the
    /// handshake completes, so pings never wait for a free thread of Swift's cooperative pool (tests and
    /// servers may keep it busy with blocking work).
    func startPinging(channel: Channel) {
        let readTimeoutMs = Int64(state.withLock { $0.negotiatedTimeoutMs }) * 2 / 3
        let interval = TimeAmount.milliseconds(max(10, readTimeoutMs / 3))
        let task = channel.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            let now = NIODeadline.now()
            let (silentFor, idleFor) = state.withLock { (now - $0.lastReceive, now - $0.lastSend) }
            if silentFor > .milliseconds(readTimeoutMs) {
                logger.info("ZooKeeper server silent for \(silentFor.nanoseconds / 1_000_000) ms; reconnecting")
                channel.close(promise: nil)
            } else if idleFor >= .milliseconds(readTimeoutMs / 2) {
                sendPing(channel: channel)
            }
        }
        state.withLock { s in
            s.pinger?.cancel()
            s.pinger = task
        }
    }

    func sendPing(channel: Channel) {
        state.withLock { $0.lastSend = .now() }
        let frame = channel.allocator.frame { b in
            b.writeInteger(SpecialXid.ping); b.writeInteger(OpCode.ping.rawValue)
        }
        channel.writeAndFlush(frame, promise: nil)
    }

    /// Fails every queued and in-flight request.
    func failAll(_ error: CoordinationError) {
        let (victims, pings) = state.withLock { s -> ([Pending], [CheckedContinuation<Void, any Error>]) in
            let all = Array(s.pending.values) + s.queued.map(\.pending)
            s.pending.removeAll()
            s.queued.removeAll()
            defer { s.pingWaiters.removeAll() }
            return (all, s.pingWaiters)
        }
        for c in pings { c.resume(throwing: error) }
        for p in victims {
            p.continuation.resume(throwing: CoordinationError(error.kind, path: p.request.path))
        }
    }

    /// Delivers an event to every subscriber. Called with the state lock held, so events keep their order.
    static func publish(_ event: WatchedEvent, in s: inout State) {
        for c in s.subscribers.values { c.yield(event) }
    }

    /// Moves to a final state (expired or closed), failing everything and finishing the event streams.
    func finish(_ final: Phase, event: SessionState) {
        typealias Taken = (Channel?, CheckedContinuation<Void, Never>?, CheckedContinuation<Void, any Error>?, [AsyncStream<WatchedEvent>.Continuation])
        let (channel, waiter, firstConnect, subscribers) = state.withLock { s -> Taken in
            var channel: Channel?
            switch s.phase {
            case .handshaking(_, let c), .connected(_, let c): channel = c
            default: break
            }
            s.phase = final
            s.pinger?.cancel()
            s.pinger = nil
            Self.publish(WatchedEvent(type: .none, state: event, path: ""), in: &s)
            defer { s.subscribers.removeAll(); s.lostWaiter = nil; s.firstConnect = nil }
            return (channel, s.lostWaiter, s.firstConnect, Array(s.subscribers.values))
        }
        // Outside the lock: finishing a stream runs its termination handler, which takes the lock.
        for c in subscribers { c.finish() }
        failAll(CoordinationError(.sessionExpired))
        waiter?.resume()
        firstConnect?.resume(throwing: CoordinationError(.sessionExpired))
        channel?.close(promise: nil)
    }

    func closeLocally() async {
        finish(.closed, event: .closed)
    }
}
