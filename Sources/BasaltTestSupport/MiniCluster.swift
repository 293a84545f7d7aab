import BasaltClient
import BasaltCore
import BasaltServer

/// A cluster for tests: embedded ZooKeeper, a master and `regionServers` region servers in this process,
/// on free loopback ports, over a temporary folder that `stop()` removes. Safe to share across tasks.
public final class MiniCluster: Sendable {
    public let directory: TemporaryDirectory
    public let cluster: LocalCluster

    /// A test cluster's settings: free ports, 8 handlers, 64 MB of memory, a 200 ms ZooKeeper tick and a
    /// 20 ms client pause, each unless `configuration` sets it.
    public static func testConfiguration(_ configuration: BasaltConfiguration = .init()) -> BasaltConfiguration {
        var conf = configuration
        for key in ["hbase.zookeeper.property.clientPort", "hbase.master.port", "hbase.regionserver.port"] where conf[key] == nil { conf[key] = "0" }
        if conf["hbase.regionserver.handler.count"] == nil { conf["hbase.regionserver.handler.count"] = "8" }
        if conf["basalt.memory"] == nil { conf["basalt.memory"] = "\(64 << 20)" }
        if conf["tickTime"] == nil { conf["tickTime"] = "200" }
        if conf["hbase.client.pause"] == nil { conf["hbase.client.pause"] = "20" }
        return conf
    }

    public static func start(regionServers: Int = 3, configuration: BasaltConfiguration = .init()) async throws -> MiniCluster {
        let dir = try TemporaryDirectory(prefix: "basalt-mini")
        let conf = testConfiguration(configuration)
        do {
            return MiniCluster(directory: dir, cluster: try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: regionServers))
        } catch {
            dir.remove()
            throw error
        }
    }

    private init(directory: TemporaryDirectory, cluster: LocalCluster) {
        self.directory = directory
        self.cluster = cluster
    }

    public var master: Master { cluster.master }
    public var regionServers: [RegionServer] { cluster.regionServers }
    public var configuration: BasaltConfiguration { cluster.clientConfiguration }

    /// A client connection to this cluster (the caller closes it).
    public func connect() async throws -> Connection { try await Connection.connect(configuration) }

    /// The region server hosting a server name.
    public func regionServer(_ name: ServerName) -> RegionServer? { regionServers.first { $0.serverName == name } }

    /// Runs `body` with a fresh cluster and a client connection to it; both are stopped afterwards,
    /// whether `body` succeeds or throws.
    public static func run(
        regionServers: Int = 3, configuration: BasaltConfiguration = .init(), _ body: (MiniCluster, Connection) async throws -> Void
    ) async throws {
        let mini = try await start(regionServers: regionServers, configuration: configuration)
        defer { mini.directory.remove() }
        try await mini.cluster.withConnection(stopFlushing: false) { try await body(mini, $0) }
    }

    public func stop() async {
        await cluster.stop(flush: false)
        directory.remove()
    }
}

extension MiniCluster {
    /// Runs `body` with a one-server cluster (settings from `configuration`, `-D`-style) and a table of
    /// one family `f` created in it.
    public static func runWithTable(
        _ table: String, configuration: [String: String] = [:], _ body: (MiniCluster, Connection, TableName) async throws -> Void
    ) async throws {
        var conf = BasaltConfiguration()
        for (k, v) in configuration { conf[k] = v }
        try await run(regionServers: 1, configuration: conf) { cluster, connection in
            let t = try TableName(table)
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            try await body(cluster, connection, t)
        }
    }
}
