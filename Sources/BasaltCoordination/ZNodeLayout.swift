import BasaltCore

/// HBase's znodes under `zookeeper.znode.parent` (default `/hbase`).
public struct ZNodeLayout: Sendable, Equatable {
    /// The parent of everything, e.g. `/hbase`.
    public let parent: String

    public init(parent: String = "/hbase") {
        self.parent = parent.count > 1 && parent.hasSuffix("/") ? String(parent.dropLast()) : parent
    }

    /// Reads `zookeeper.znode.parent` from the configuration.
    public init(configuration: BasaltConfiguration) {
        self.init(parent: configuration["zookeeper.znode.parent"] ?? "/hbase")
    }

    /// The active master (ephemeral; holds its server name).
    public var master: String { parent + "/master" }
    /// One ephemeral child per standby master.
    public var backupMasters: String { parent + "/backup-masters" }
    /// One ephemeral child per live region server, named `host,port,startcode`.
    public var regionServers: String { parent + "/rs" }
    /// Where `hbase:meta` is served.
    public var metaRegionServer: String { parent + "/meta-region-server" }
    /// Present while the cluster is up.
    public var running: String { parent + "/running" }
    /// The cluster id.
    public var clusterId: String { parent + "/hbaseid" }
    /// The balancer switch (persistent; absent means on).
    public var balancer: String { parent + "/balancer" }

    public func regionServer(_ name: ServerName) -> String { regionServers + "/" + name.description }
    public func backupMaster(_ name: ServerName) -> String { backupMasters + "/" + name.description }

    /// The persistent znodes a cluster needs before anything registers.
    public var persistentNodes: [String] { [parent, backupMasters, regionServers] }
}
