import BasaltCoordination
import BasaltCore
import BasaltProtocol
import BasaltSettings
import BasaltStorage
import Foundation
import Logging
import NIOPosix
import Synchronization

/// A region server: hosts regions on one `StorageEngine` (which owns the WAL, the MemStore budget and
/// the flush and compaction threads), serves `BasaltClientService` and `BasaltAdminService` over HBase's native RPC, and announces
/// itself with an ephemeral `rs/host,port,startcode` znode.
///
/// The engine blocks (row locks, group commit), so every engine call runs on a pool of handler threads
/// (HBase's `hbase.regionserver.handler.count`), never on the cooperative pool. Safe to share across tasks.
public final class RegionServer: Sendable {
    public struct Configuration: Sendable {
        /// Address to bind; loopback unless told otherwise.
        public var host = "127.0.0.1"
        /// `hbase.regionserver.port`; 0 picks a free one.
        public var port = 16020
        /// The cluster's root folder (`WALs/`, `data/`, `oldWALs/` under it).
        public var root: String
        public var engine = StorageEngine.Configuration()
        /// `hbase.regionserver.handler.count`: threads running engine calls.
        public var handlers = 30
        /// `hbase.client.scanner.timeout.period`: an idle scanner's lease.
        public var scannerLease: Duration = .seconds(60)
        /// The clock scanner leases are measured by (tests move one by hand instead of sleeping).
        package var leaseClock: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
        /// `hbase.ipc.max.request.size`: the largest RPC served or sent.
        public var limits = RPCLimits()
        /// `basalt.fs.fence.owner`: this server's identity as a client of a shared root (on CephFS, its
        /// mount's client id), recorded in its `rs/` znode so that a master can fence it. Nil on a local root.
        public var storageClient: String?
        public static let storageClientKey = "basalt.fs.fence.owner"

        public init(root: String) { self.root = root }

        public init(root: String, _ conf: BasaltConfiguration) throws {
            self.root = root
            host = conf.string("hbase.regionserver.hostname", default: host)
            port = try conf.int("hbase.regionserver.port", default: port)
            engine = try StorageSettings.engine(conf)
            handlers = max(1, try conf.int("hbase.regionserver.handler.count", default: handlers))
            scannerLease = .milliseconds(max(1, try conf.int("hbase.client.scanner.timeout.period", default: Int(scannerLease.inMilliseconds))))
            limits = try RPCLimits(conf)
            if let owner = conf[Self.storageClientKey] {
                guard !owner.isEmpty, !owner.contains(where: \.isWhitespace) else {
                    throw ServerError(.invalidArgument, "\(Self.storageClientKey) '\(owner)' must be one word (the storage client's identity)")
                }
                storageClient = owner
            }
        }
    }

    public let configuration: Configuration
    let coordination: (any Coordination)?
    let logger: Logger
    let handlerPool: NIOThreadPool
    let scanners: ScannerLeases
    /// To the master, for split requests.
    let connections: ServerConnections
    /// The root's file system: the engine's WAL and HFiles, and WAL files split for the master.
    let fileSystem: any FileSystem
    /// Request latencies and the engine's figures, for `/prometheus` and `/jmx`.
    package let metrics = RegionServerMetrics()
    /// WAL files of dead servers this server split for the master.
    let walFilesSplitCounter = Atomic<Int>(0)

    struct Running: Sendable {
        let serverName: ServerName
        let engine: StorageEngine
    }

    private struct State: Sendable {
        var running: Running?
        var rpc: RPCServer?
        var registered: ServerName?
        var stopped = false
    }

    private let state = Mutex(State())
    /// Why this server must stop at once: its WAL failed (on a shared root, typically because a master
    /// fenced it), so it can acknowledge no more writes and its regions are recovered elsewhere. The
    /// process that runs the server ends on the first (HBase's region server aborts the same way).
    public let aborts: AsyncStream<String>
    private let abortContinuation: AsyncStream<String>.Continuation

    /// `fileSystem`: where the root lives (tests pass a crashable in-memory one).
    public init(
        configuration: Configuration, coordination: (any Coordination)?, fileSystem: any FileSystem = POSIXFileSystem(),
        logger: Logger = Logger(label: "basalt.regionserver")
    ) {
        self.configuration = configuration
        self.fileSystem = fileSystem
        self.coordination = coordination
        self.logger = logger
        handlerPool = NIOThreadPool(numberOfThreads: configuration.handlers)
        scanners = ScannerLeases(lease: configuration.scannerLease, clock: configuration.leaseClock)
        connections = ServerConnections(limits: configuration.limits)
        (aborts, abortContinuation) = AsyncStream.makeStream(of: String.self)
    }

    /// How many WAL files of dead servers this server has split for the master.
    public var walFilesSplit: Int { walFilesSplitCounter.load(ordering: .relaxed) }

    /// This server's name, once started.
    public var serverName: ServerName? { state.withLock { $0.running?.serverName } }

    /// The engine, once started (for tests and the standalone process).
    public var engine: StorageEngine? { state.withLock { $0.running?.engine } }

    /// Binds, opens the engine (its WAL folder is named after the server), serves, and registers
    /// `rs/<server name>`. Returns once requests are being served.
    public func start() async throws {
        handlerPool.start()
        let rpc: RPCServer
        do {
            rpc = try await RPCServer.start(
                host: configuration.host, port: configuration.port,
                services: [ClientServiceHandler.service(self), AdminServiceHandler(server: self).service, HBaseClientService.service(self), HBaseAdminService.service(self)], limits: configuration.limits,
                logger: logger)
        } catch {
            try? await handlerPool.shutdownGracefully()
            throw ServerError(.io, "cannot serve on \(configuration.host):\(configuration.port): \(error)")
        }
        state.withLock { $0.rpc = rpc }
        let name = ServerName(host: configuration.host, port: rpc.port, startCode: Int64(Date().timeIntervalSince1970 * 1000))
        // Register before the WAL folder exists: a master that sees a WAL folder without its server
        // registered treats that server as dead and splits its WAL.
        if let coordination {
            do {
                try await coordination.registerEphemeral(coordination.layout.regionServer(name), data: try registration())
                state.withLock { $0.registered = name }
            } catch {
                try? await stop()
                throw ServerError(error)
            }
        }
        let conf = configuration
        let engine: StorageEngine
        do {
            engine = try await handlerPool.runIfActive { [logger, fileSystem] in
                try StorageEngine(fileSystem: fileSystem, root: conf.root, serverName: name.description, configuration: conf.engine, logger: logger)
            }
        } catch {
            try? await stop()
            throw ServerError(error)
        }
        state.withLock { $0.running = Running(serverName: name, engine: engine) }
        engine.wal.onSync { [metrics] took in metrics.recordWALSync(took) }
        engine.wal.onFailure { [abortContinuation] error in
            abortContinuation.yield("the WAL failed: \(error.message)")
        }
        engine.onSplitNeeded { [weak self] region, point in
            guard let self else { return region.splitRequestEnded() }
            Task {
                do {
                    try await self.requestSplit(region.info, at: point)
                } catch {
                    self.logger.info("split request not carried out; asking again in a minute at the earliest", metadata: ["region": "\(region.info.encodedName)", "error": "\(error)"])
                    try? await Task.sleep(for: .seconds(60))
                }
                region.splitRequestEnded()
            }
        }
        scanners.startReaper()
        logger.info("region server serving", metadata: ["server": "\(name)"])
    }

    /// Stops serving, closes scanners, and closes the engine: flushing every region first when `flush`
    /// (a clean stop), or leaving their edits in the WAL (as a crash would).
    public func stop(flush: Bool = true) async throws {
        let (rpc, running, registered) = state.withLock { s -> (RPCServer?, Running?, ServerName?) in
            if s.stopped { return (nil, nil, nil) }
            s.stopped = true
            defer { s.running = nil }
            return (s.rpc, s.running, s.registered)
        }
        await rpc?.stop()
        scanners.closeAll()
        running?.engine.onSplitNeeded(nil)
        await connections.closeAll()
        if let registered, let coordination {
            try? await coordination.delete(coordination.layout.regionServer(registered))
        }
        var failure: (any Error)?
        if let running {
            do { try await handlerPool.runIfActive { try running.engine.shutdown(flush: flush) } } catch { failure = error }
        }
        try await handlerPool.shutdownGracefully()
        if let failure { throw ServerError(failure) }
    }

    /// The `rs/` znode's content, as HBase writes it (`PBUF` + `RegionServerInfo`), with the storage
    /// client identity a master fences this server by.
    func registration() throws -> [UInt8] {
        var info = HBaseRegionServerInfo()
        if let owner = configuration.storageClient { info.basaltStorageClient = owner }
        return try PBUFCodec.encode(info)
    }

    /// The storage client identity in an `rs/` znode's content; nil when it names none or is not ours.
    static func storageClient(registration data: [UInt8]) -> String? {
        guard !data.isEmpty, let info = try? PBUFCodec.decode(HBaseRegionServerInfo.self, from: data),
              info.hasBasaltStorageClient else { return nil }
        return info.basaltStorageClient
    }

    /// The active master, from the `master` znode.
    func activeMaster() async throws -> ServerName {
        guard let coordination, let data = try await coordination.activeMaster() else {
            throw ServerError(.pleaseHoldOn, "there is no active master to ask")
        }
        return try PBUFCodec.masterServer(from: data)
    }

    /// Asks the master to split one of this server's regions (the master runs the split).
    func requestSplit(_ region: RegionInfo, at point: [UInt8]?) async throws {
        var request = Basalt_RequestSplitRequest()
        request.region = Basalt_RegionInfo(region)
        if let point { request.splitPoint = Data(point) }
        _ = try await connections.master(try await activeMaster()).requestSplit(request)
    }

    /// The running engine, or `ServerNotRunningYet`.
    func running() throws -> Running {
        guard let r = state.withLock({ $0.running }) else {
            throw ServerError(.serverNotRunning, "the region server is starting or stopping")
        }
        return r
    }

    /// Runs blocking engine work on a handler thread; failures come back as `ServerError`s.
    func blocking<T: Sendable>(_ body: @escaping @Sendable (StorageEngine) throws -> T) async throws -> T {
        let engine = try running().engine
        do {
            return try await handlerPool.runIfActive { try body(engine) }
        } catch {
            throw ServerError(error)
        }
    }

    /// The open region a request names, or `NotServingRegion`.
    static func region(_ spec: Basalt_RegionSpecifier, in engine: StorageEngine) throws -> Region {
        let name = Array(spec.regionName)
        guard let encoded = RegionInfo.encodedName(fromRegionName: name), let region = engine.region(encoded), !region.isClosed else {
            throw ServerError(.notServingRegion, "region \(Bytes.toStringBinary(name)) is not online on this server")
        }
        return region
    }
}
