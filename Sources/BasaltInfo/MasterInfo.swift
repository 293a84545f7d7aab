import BasaltCore
import BasaltServer
import Foundation

/// A master's info port: the cluster's status page, the master's beans and metrics.
public struct MasterInfo: InfoSource {
    let master: Master
    let conf: BasaltConfiguration
    let quorum: String

    public init(master: Master, configuration: BasaltConfiguration) {
        self.master = master
        conf = configuration
        quorum = configuration["hbase.zookeeper.quorum"] ?? ""
    }

    public var processName: String { "Master" }

    /// `ritCountOverThreshold` counts regions in transition longer than this (HBase's
    /// `hbase.metrics.rit.stuck.warning.threshold`, 60 s).
    static let ritThresholdMs = 60_000

    public func statusPage() async -> String {
        MasterPage.render(await master.status())
    }

    public func prometheus() async -> String {
        master.metrics.scrape(await master.status())
    }

    public var configuration: [ConfigurationEntry] {
        let c = master.configuration
        return ConfigurationEntry.list(conf, defaults: [
            ("hbase.master.hostname", c.host),
            ("hbase.master.port", String(c.port)),
            ("hbase.rootdir", c.root),
            ("hbase.balancer.period", String((c.balancerPeriod?.components.seconds ?? 0) * 1000)),
            ("hbase.zookeeper.quorum", quorum),
        ])
    }

    public func jmxBeans() async -> [JMXBean] {
        let s = await master.status()
        let now = Date()
        let servers = s.liveServers.count
        let oldest = s.transitions.compactMap(\.since).min().map { Int(now.timeIntervalSince($0) * 1000) } ?? 0
        let threshold = Self.ritThresholdMs
        let over = s.transitions.filter { t in t.since.map { now.timeIntervalSince($0) * 1000 > Double(threshold) } ?? true }.count
        return [
            JMXBean(name: "Hadoop:service=HBase,name=Master,sub=Server", attributes: [
                ("tag.serverName", .string(s.serverName)),
                ("tag.clusterId", .string(s.clusterId)),
                ("tag.isActiveMaster", .string(s.isActive ? "true" : "false")),
                ("tag.zookeeperQuorum", .string(quorum)),
                ("tag.liveRegionServers", .string(s.liveServers.map(\.name).joined(separator: ";"))),
                ("tag.deadRegionServers", .string(s.deadServers.joined(separator: ";"))),
                ("tag.Context", .string("master")),
                ("masterStartTime", .int(Int(s.startedAt.timeIntervalSince1970 * 1000))),
                ("numRegionServers", .int(servers)),
                ("numDeadRegionServers", .int(s.deadServers.count)),
                ("averageLoad", .double(servers == 0 ? 0 : Double(s.regionCount) / Double(servers))),
                ("balancerRuns", .int(s.balancerRuns)),
                ("mergePlanCount", .int(s.ddl[.merge] ?? 0)),
                ("splitPlanCount", .int(s.ddl[.split] ?? 0)),
            ]),
            JMXBean(name: "Hadoop:service=HBase,name=Master,sub=AssignmentManager", attributes: [
                ("tag.Context", .string("master")),
                ("ritCount", .int(s.transitions.count)),
                ("ritCountOverThreshold", .int(over)),
                ("ritOldestAge", .int(oldest)),
                ("assign_num_ops", .int(s.ddl[.move] ?? 0)),
            ]),
        ]
    }

    public func dump() async -> String {
        let s = await master.status()
        var out = "Master \(s.serverName), Basalt \(BasaltVersion.current), \(s.isActive ? "active" : "backup (active: \(s.activeMaster ?? "none"))")\n\n"
        out += ThreadDump.text() + "\n"
        out += "live region servers (\(s.liveServers.count)):\n" + s.liveServers.map { "  \($0.name)  regions \($0.regions)\n" }.joined()
        out += "dead region servers (\(s.deadServers.count)):\n" + s.deadServers.map { "  \($0)\n" }.joined()
        out += "regions in transition (\(s.transitions.count)):\n" + s.transitions.map { "  \($0.regionName)  \($0.state)  \($0.server ?? "-")\n" }.joined()
        for p in s.problems { out += "problem: \(p)\n" }
        return out
    }
}
