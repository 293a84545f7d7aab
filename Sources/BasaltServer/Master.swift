import BasaltCoordination
import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation
import Logging
import Synchronization

/// The master: wins the `master` znode, keeps `hbase:meta` served by a region server (and its location
/// in `meta-region-server`), creates tables and assigns their regions, recording every region's
/// location in meta. Never on the data path: clients find regions through meta themselves.
/// Safe to share across tasks.
public final class Master: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// `hbase.master.port`; 0 picks a free one.
        public var port = 16000
        /// The cluster's root folder (table descriptors go under `data/`).
        public var root: String
        /// How long to wait for a first region server to host meta.
        public var regionServerWait: Duration = .seconds(60)
        /// `basalt.master.balance.on.join`: run the balancer when a region server joins, so a new
        /// server gets its share of regions.
        public var balanceOnJoin = true
        /// `hbase.balancer.period` (ms, 300,000 by default; 0 or less turns the chore off): how often
        /// the balancer runs on its own.
        public var balancerPeriod: Duration? = .seconds(300)
        /// `hbase.ipc.max.request.size`: the largest RPC served or sent.
        public var limits = RPCLimits()

        public init(root: String) { self.root = root }

        public init(root: String, _ conf: BasaltConfiguration) throws {
            self.root = root
            host = conf.string("hbase.master.hostname", default: host)
            port = try conf.int("hbase.master.port", default: port)
            balanceOnJoin = try conf.bool("basalt.master.balance.on.join", default: balanceOnJoin)
            let period = try conf.int("hbase.balancer.period", default: Int(balancerPeriod?.inMilliseconds ?? 0))
            balancerPeriod = period > 0 ? .milliseconds(period) : nil
            limits = try RPCLimits(conf)
        }
    }

    public let configuration: Configuration
    let coordination: any Coordination
    let logger: Logger
    let connections: ServerConnections
    /// The root's file system: descriptors, region folders of splits and merges, WAL splitting.
    let fileSystem: any FileSystem
    let descriptors: TableDescriptors
    /// Cluster figures for `/prometheus`.
    package let metrics = MasterMetrics()

    struct State: Sendable {
        var serverName: ServerName?
        var metaServer: ServerName?
        var clusterId = ""
        var rpc: RPCServer?
        var failoverWatch: Task<Void, Never>?
        var balancerChore: Task<Void, Never>?
        /// Servers seen dead (their znode went, or their WAL was split), newest last.
        var deadServers: [ServerName] = []
        /// Live (and dead, not yet fenced) servers' storage client identities, "" for none (`Master+Fencing`).
        var storageClients: [String: String] = [:]
        var stopped = false
        /// The info port, written into the `master` znode as HBase does (set before `start`).
        var infoPort: Int?
        /// Balancer runs, regions moved and DDL done, for the metrics.
        var operations = OperationCounts()
    }

    struct OperationCounts: Sendable {
        var balancerRuns = 0
        var regionsMoved = 0
        var ddl: [MasterOperation: Int] = [:]
    }

    /// Runs a procedure under the procedure lock and counts it once it succeeded.
    func counted<T: Sendable>(_ op: MasterOperation, _ body: () async throws -> T) async throws -> T {
        let result = try await procedures.withLock(body)
        state.withLock { $0.operations.ddl[op, default: 0] += 1 }
        return result
    }

    let state = Mutex(State())
    /// DDL, moves and balancing run one at a time.
    let procedures = AsyncLock()
    /// Procedure ids handed to HBase clients (DDL is synchronous: each is finished when handed out).
    let procedureCounter = Atomic<UInt64>(0)

    /// `fileSystem`: where the root lives (tests pass a crashable in-memory one).
    public init(
        configuration: Configuration, coordination: any Coordination, fileSystem: any FileSystem = POSIXFileSystem(),
        logger: Logger = Logger(label: "basalt.master")
    ) {
        self.configuration = configuration
        self.coordination = coordination
        self.logger = logger
        self.fileSystem = fileSystem
        descriptors = TableDescriptors(fileSystem: fileSystem, root: configuration.root)
        connections = ServerConnections(limits: configuration.limits)
    }

    /// Records the info port the process serves, for the `master` znode; call before `start`.
    public func setInfoPort(_ port: Int) { state.withLock { $0.infoPort = port } }

    public var serverName: ServerName? { state.withLock { $0.serverName } }
    public var metaServer: ServerName? { state.withLock { $0.metaServer } }

    /// Serves `BasaltMasterService`, becomes the active master (waiting behind another one), and makes sure
    /// meta is online. Returns once it is.
    public func start() async throws {
        let rpc: RPCServer
        do {
            rpc = try await RPCServer.start(
                host: configuration.host, port: configuration.port, services: [MasterServiceHandler(master: self).service, HBaseMasterService(master: self).service],
                limits: configuration.limits, logger: logger)
        } catch {
            throw ServerError(.io, "cannot serve on \(configuration.host):\(configuration.port): \(error)")
        }
        state.withLock { $0.rpc = rpc }
        let name = ServerName(host: configuration.host, port: rpc.port, startCode: Int64(Date().timeIntervalSince1970 * 1000))
        state.withLock { $0.serverName = name }
        let infoPort = state.withLock { $0.infoPort }
        try await coordination.becomeActiveMaster(name, data: try PBUFCodec.masterZNode(name, id: "master:\(name.port)", infoPort: infoPort))
        let id = try await coordination.clusterId()
        state.withLock { $0.clusterId = id }
        logger.info("active master", metadata: ["server": "\(name)", "cluster": "\(id)"])
        _ = try await waitForRegionServers()
        try await recoverAtStart()
        startFailoverWatch()
        startBalancerChore()
    }

    public func stop() async {
        let (rpc, watch) = state.withLock { s -> (RPCServer?, Task<Void, Never>?) in
            if s.stopped { return (nil, nil) }
            s.stopped = true
            s.balancerChore?.cancel()
            return (s.rpc, s.failoverWatch)
        }
        watch?.cancel()
        await rpc?.stop()
        if let name = serverName, let active = try? await coordination.activeMaster(),
           let current = try? PBUFCodec.masterServer(from: active), current == name {
            try? await coordination.delete(coordination.layout.master)
        }
        await connections.closeAll()
    }

    /// Live region servers, from the `rs/` znodes.
    public func liveServers() async throws -> [ServerName] {
        try await coordination.children(coordination.layout.regionServers).compactMap { try? ServerName(parsing: $0) }
    }

    /// Waits for a first live region server.
    func waitForRegionServers() async throws -> [ServerName] {
        let deadline = ContinuousClock.now + configuration.regionServerWait
        while true {
            let live = try await liveServers()
            if !live.isEmpty { return live }
            guard ContinuousClock.now < deadline else {
                throw ServerError(.pleaseHoldOn, "no region server registered under \(coordination.layout.regionServers) within \(configuration.regionServerWait)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Opens a region on a server; returns its sequence number at open.
    func openRegion(_ info: RegionInfo, descriptor: TableDescriptor, on server: ServerName) async throws -> UInt64 {
        var req = Basalt_OpenRegionRequest()
        req.region = Basalt_RegionInfo(info)
        req.table = Basalt_TableSchema(descriptor)
        req.masterSystemTime = UInt64(Date().timeIntervalSince1970 * 1000)
        return try await connections.admin(server).openRegion(req).openSeqNum
    }

    // MARK: - meta

    func metaRegionSpec() throws -> (ServerName, Basalt_RegionSpecifier) {
        guard let server = metaServer else { throw ServerError(.pleaseHoldOn, "meta is not online yet") }
        var spec = Basalt_RegionSpecifier()
        spec.regionName = Data(RegionInfo.firstMeta.regionName)
        return (server, spec)
    }

    /// Writes puts to meta in one atomic-per-row batch.
    func writeMeta(_ puts: [Put]) async throws {
        try await writeMeta(puts.map { .put($0) })
    }

    /// Writes puts and deletes to meta in one batch; with `atomic`, all of them or none (one WAL entry,
    /// every row locked), as a split or merge needs.
    func writeMeta(_ mutations: [Mutation], atomic: Bool = false) async throws {
        let (server, _) = try metaRegionSpec()
        var req = Basalt_MultiRequest()
        req.regionActions = [Basalt_RegionAction(region: RegionInfo.firstMeta.regionName, mutations: mutations, atomic: atomic)]
        let response = try await connections.data(server).multi(req)
        for r in response.regionActionResults {
            if r.hasException { throw ServerError(.io, "writing meta failed: \(r.exception.name): \(r.exception.message)") }
            for x in r.results where x.hasException { throw ServerError(.io, "writing meta failed: \(x.exception.name): \(x.exception.message)") }
        }
    }

    /// Meta rows in [start, stop).
    func scanMeta(start: [UInt8], stop: [UInt8]) async throws -> [RowResult] {
        let (server, spec) = try metaRegionSpec()
        let client = try await connections.data(server)
        var req = Basalt_ScanRequest()
        req.region = spec
        req.scan = Basalt_Scan(Scan(startRow: start, stopRow: stop))
        var rows: [RowResult] = []
        var response = try await client.scan(req)
        var seq: UInt64 = 1
        while true {
            rows += try response.results.map { try $0.toRowResult() }
            guard response.moreResultsInRegion else { return rows }
            var next = Basalt_ScanRequest()
            next.scannerID = response.scannerID
            next.nextCallSeq = seq
            seq += 1
            response = try await client.scan(next)
        }
    }
}
