import BasaltCore
import BasaltServer
import BasaltStorage
import Foundation

/// A region server's info port: its status page, its beans, its metrics.
public struct RegionServerInfo: InfoSource {
    let server: RegionServer
    let conf: BasaltConfiguration
    let quorum: String

    public init(server: RegionServer, configuration: BasaltConfiguration) {
        self.server = server
        conf = configuration
        quorum = configuration["hbase.zookeeper.quorum"] ?? ""
    }

    public var processName: String { "RegionServer" }

    public func statusPage() async -> String {
        RegionServerPage.render(server.status(), handlers: server.configuration.handlers)
    }

    public func prometheus() async -> String {
        server.metrics.scrape(server.status())
    }

    public var configuration: [ConfigurationEntry] {
        let c = server.configuration
        return ConfigurationEntry.list(conf, defaults: [
            ("hbase.regionserver.hostname", c.host),
            ("hbase.regionserver.port", String(c.port)),
            ("hbase.rootdir", c.root),
            ("hbase.regionserver.handler.count", String(c.handlers)),
            ("hbase.client.scanner.timeout.period", String(c.scannerLease.inMilliseconds)),
            ("hbase.hregion.memstore.flush.size", String(c.engine.flush.flushSize)),
            ("hbase.hregion.memstore.block.multiplier", String(c.engine.flush.blockMultiplier)),
            ("hbase.regionserver.maxlogs", String(c.engine.flush.maxLogs)),
            ("hbase.regionserver.logroll.size", String(c.engine.wal.rollSize)),
            ("hfile.block.cache.size", String(c.engine.blockCacheFraction)),
        ])
    }

    public func jmxBeans() async -> [JMXBean] {
        let status = server.status()
        var attributes: [(String, JMXValue)] = [
            ("tag.serverName", .string(status?.serverName ?? "")),
            ("tag.zookeeperQuorum", .string(quorum)),
            ("tag.Context", .string("regionserver")),
            ("regionServerStartTime", .int(Int((status?.startedAt.timeIntervalSince1970 ?? 0) * 1000))),
        ]
        var reads = 0, writes = 0
        for kind in RequestKind.allCases {
            let h = server.metrics.histogram(kind).summary()
            if kind.isRead { reads += h.count } else { writes += h.count }
            attributes += [
                ("\(kind.jmxName)_num_ops", .int(h.count)), ("\(kind.jmxName)_mean", .double(h.meanMs)),
                ("\(kind.jmxName)_99th_percentile", .double(h.p99Ms)),
            ]
        }
        if let s = status {
            attributes += [
                ("regionCount", .int(s.regions.count)),
                ("storeFileCount", .int(s.regions.reduce(0) { $0 + $1.storeFiles })),
                ("storeFileSize", .int(s.regions.reduce(0) { $0 + $1.storeFileBytes })),
                ("memStoreSize", .int(s.memStoreBytes)),
                ("totalRequestCount", .int(reads + writes)),
                ("readRequestCount", .int(s.regions.reduce(0) { $0 + $1.readRequests })),
                ("writeRequestCount", .int(s.regions.reduce(0) { $0 + $1.writeRequests })),
                ("blockCacheSize", .int(s.blockCache.size)),
                ("blockCacheFreeSize", .int(max(0, s.blockCache.capacity - s.blockCache.size))),
                ("blockCacheCount", .int(s.blockCache.count)),
                ("blockCacheHitCount", .int(s.blockCache.hits)),
                ("blockCacheMissCount", .int(s.blockCache.misses)),
                ("blockCacheEvictionCount", .int(s.blockCache.evictions)),
                ("blockCacheExpressHitPercent", .double(s.blockCache.hitRatio * 100)),
                ("flushQueueLength", .int(s.flushQueue)),
                ("compactionQueueLength", .int(s.compactionQueue)),
                ("walFileCount", .int(s.walFiles.count)),
                ("appendCount", .int(s.wal.appends)),
                ("syncCount", .int(s.wal.syncs)),
                ("walBytesWritten", .int(Int(s.wal.bytes))),
                ("flushCount", .int(s.counters.flushes)),
                ("compactionCount", .int(s.counters.compactions)),
                ("majorCompactionCount", .int(s.counters.majorCompactions)),
                ("blockedRequestCount", .int(s.counters.blockedWrites)),
                ("openScannersCount", .int(s.scannersOpen)),
            ]
        }
        var regionAttributes: [(String, JMXValue)] = [("tag.Context", .string("regionserver"))]
        for r in status?.regions ?? [] {
            let table = (try? TableName(r.table)) ?? TableName.meta
            let prefix = "Namespace_\(table.namespace)_table_\(table.qualifier)_region_\(r.encodedName)_metric_"
            regionAttributes += [
                (prefix + "storeFileCount", .int(r.storeFiles)), (prefix + "storeFileSize", .int(r.storeFileBytes)),
                (prefix + "memStoreSize", .int(r.memStoreBytes)), (prefix + "readRequestCount", .int(r.readRequests)),
                (prefix + "writeRequestCount", .int(r.writeRequests)),
            ]
            for op in RegionOperation.allCases {
                regionAttributes.append((prefix + Self.jmxCount(op), .int(r.requests[op] ?? 0)))
            }
        }
        return [
            JMXBean(name: "Hadoop:service=HBase,name=RegionServer,sub=Server", attributes: attributes),
            JMXBean(name: "Hadoop:service=HBase,name=RegionServer,sub=Regions", attributes: regionAttributes),
        ]
    }

    /// HBase's per-region attribute for an operation's count.
    static func jmxCount(_ op: RegionOperation) -> String {
        switch op {
        case .get: "getCount"
        case .scan: "scanCount"
        case .put: "putCount"
        case .delete: "deleteCount"
        case .increment: "incrementCount"
        case .append: "appendCount"
        case .checkAndMutate: "checkAndMutateCount"
        case .batch: "mutateRowsCount"
        }
    }

    public func dump() async -> String {
        guard let s = server.status() else { return "RegionServer: not serving\n" + ThreadDump.text() }
        var out = "RegionServer \(s.serverName), Basalt \(BasaltVersion.current), started \(HTML.date(s.startedAt))\n\n"
        out += ThreadDump.text() + "\n"
        out += "regions (\(s.regions.count)): name, memstore bytes, store files, store file bytes, reads, writes\n"
        for r in s.regions {
            out += "  \(r.regionName)  \(r.memStoreBytes)  \(r.storeFiles)  \(r.storeFileBytes)  \(r.readRequests)  \(r.writeRequests)\n"
        }
        out += "\nscanner leases (\(s.scanners.count)): id, region, idle, calls\n"
        for l in s.scanners {
            out += "  \(l.id)  \(l.region)  \(l.inCall ? "in a call" : HTML.duration(Double(l.idle.components.seconds) + Double(l.idle.components.attoseconds) / 1e18))  \(l.calls)\n"
        }
        out += "\nWAL files (\(s.walFiles.count)):\n" + s.walFiles.map { "  \($0)\n" }.joined()
        out += "\nqueues: flush \(s.flushQueue), compaction \(s.compactionQueue)\n"
        return out
    }
}
