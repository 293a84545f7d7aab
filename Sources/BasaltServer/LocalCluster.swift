import BasaltCoordination
import BasaltCore
import Logging
import Synchronization

/// A whole cluster in one process: the embedded ZooKeeper-protocol server, a master and region servers,
/// each with its own coordination session, sharing one root folder. `basalt start` runs one with a
/// single region server; tests run several. Safe to share across tasks.
public final class LocalCluster: Sendable {
    public let root: String
    public let zooKeeper: EmbeddedZooKeeperServer
    public let master: Master
    /// The configuration a client (or another server) uses to reach this cluster.
    public let clientConfiguration: BasaltConfiguration
    private let serverConfiguration: BasaltConfiguration
    private let masterSession: ZooKeeperCoordination
    private let servers = Mutex<[(RegionServer, ZooKeeperCoordination)]>([])
    private let logger: Logger

    /// Starts ZooKeeper on `hbase.zookeeper.property.clientPort`, `regionServers` region servers on
    /// `hbase.regionserver.port` (the first; the others take free ports) and the master on
    /// `hbase.master.port`, all on `host`. Port 0 picks a free port.
    public static func start(
        root: String, configuration: BasaltConfiguration, regionServers: Int = 1, host: String = "127.0.0.1",
        logger: Logger = Logger(label: "basalt.cluster")
    ) async throws -> LocalCluster {
        let zkPort = try configuration.int(ZooKeeperDefaults.clientPortKey, default: ZooKeeperDefaults.clientPort)
        let tick = try configuration.int("tickTime", default: 2000)
        let zk = try await EmbeddedZooKeeperServer.start(.init(host: host, port: zkPort, tickTime: .milliseconds(tick)))
        var conf = configuration
        conf["hbase.zookeeper.quorum"] = zk.connectString
        var started: [(RegionServer, ZooKeeperCoordination)] = []
        var masterSession: ZooKeeperCoordination?
        do {
            let setup = try await ZooKeeperCoordination.connect(configuration: conf)
            try await setup.ensureLayout()
            await setup.close()
            for i in 0..<max(1, regionServers) {
                var rsConf = conf
                if i > 0 { rsConf["hbase.regionserver.port"] = "0" }
                started.append(try await startRegionServer(root: root, configuration: rsConf, host: host))
            }
            let session = try await ZooKeeperCoordination.connect(configuration: conf)
            masterSession = session
            var masterConf = try Master.Configuration(root: root, conf)
            masterConf.host = host
            let master = Master(configuration: masterConf, coordination: session)
            let cluster = LocalCluster(
                root: root, zooKeeper: zk, master: master, clientConfiguration: conf, serverConfiguration: conf,
                masterSession: session, servers: started, logger: logger)
            do {
                try await master.start()
            } catch {
                await cluster.stop(flush: false)
                throw error
            }
            return cluster
        } catch let error where masterSession == nil {
            for (rs, session) in started {
                try? await rs.stop(flush: false)
                await session.close()
            }
            await zk.stop()
            throw error
        }
    }

    private init(
        root: String, zooKeeper: EmbeddedZooKeeperServer, master: Master, clientConfiguration: BasaltConfiguration,
        serverConfiguration: BasaltConfiguration, masterSession: ZooKeeperCoordination, servers: [(RegionServer, ZooKeeperCoordination)], logger: Logger
    ) {
        self.root = root
        self.zooKeeper = zooKeeper
        self.master = master
        self.clientConfiguration = clientConfiguration
        self.serverConfiguration = serverConfiguration
        self.masterSession = masterSession
        self.servers.withLock { $0 = servers }
        self.logger = logger
    }

    private static func startRegionServer(root: String, configuration: BasaltConfiguration, host: String) async throws -> (RegionServer, ZooKeeperCoordination) {
        let session = try await ZooKeeperCoordination.connect(configuration: configuration)
        do {
            var conf = try RegionServer.Configuration(root: root, configuration)
            conf.host = host
            let rs = RegionServer(configuration: conf, coordination: session)
            try await rs.start()
            return (rs, session)
        } catch {
            await session.close()
            throw error
        }
    }

    public var regionServers: [RegionServer] { servers.withLock { $0.map(\.0) } }

    /// Adds a region server on a free port.
    @discardableResult
    public func addRegionServer() async throws -> RegionServer {
        var conf = serverConfiguration
        conf["hbase.regionserver.port"] = "0"
        let started = try await Self.startRegionServer(root: root, configuration: conf, host: master.configuration.host)
        servers.withLock { $0.append(started) }
        return started.0
    }

    /// Stops one region server (flushing first when `flush`) and ends its session.
    public func stopRegionServer(_ rs: RegionServer, flush: Bool = true) async throws {
        guard let entry = servers.withLock({ all -> (RegionServer, ZooKeeperCoordination)? in
            guard let i = all.firstIndex(where: { $0.0 === rs }) else { return nil }
            return all.remove(at: i)
        }) else { return }
        do {
            try await entry.0.stop(flush: flush)
        } catch {
            await entry.1.close()
            throw error
        }
        await entry.1.close()
    }

    /// Stops the master, then the region servers (flushing their regions when `flush`), then ZooKeeper.
    public func stop(flush: Bool = true) async {
        await master.stop()
        await masterSession.close()
        let all = servers.withLock { s in
            defer { s.removeAll() }
            return s
        }
        for (rs, session) in all {
            do { try await rs.stop(flush: flush) } catch { logger.error("region server stop failed", metadata: ["error": "\(error)"]) }
            await session.close()
        }
        await zooKeeper.stop()
    }
}
