import BasaltStorage
import CoreMetrics
import Prometheus
import Synchronization

/// A region server's metrics, on swift-metrics, with a registry of its own (several servers share a
/// process in tests): request latency histograms by kind, recorded on the request path as two relaxed
/// atomic adds (`AtomicLatencyHistogram`), and the engine's figures (MemStore, store files, block cache,
/// WAL, flushes, compactions, regions, scanners), read from a `RegionServerStatus` each time the metrics are
/// scraped and exported by swift-prometheus.
package final class RegionServerMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    private let timers: [CoreMetrics.Timer]
    private let walSync: CoreMetrics.Timer
    /// The histograms behind `timers` (by `RequestKind` order) and `walSync`.
    package let requestHistograms: [AtomicLatencyHistogram]
    package let walSyncHistogram: AtomicLatencyHistogram

    /// Counters copied from the engine's own totals, and per-region gauges, guarded by one lock.
    private struct Mirror: Sendable {
        var totals: [String: Int64] = [:]
        var regionGauges: [String: [Prometheus.Gauge]] = [:]
    }
    private let mirror = Mutex(Mirror())

    /// Latency buckets, 50 µs to 10 s.
    static let latencyBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
        .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
        .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]
    package static let requestHistogram = "basalt_regionserver_request_duration_seconds"

    package static let walSyncHistogramName = "basalt_regionserver_wal_sync_duration_seconds"

    package init() {
        requestHistograms = RequestKind.allCases.map { _ in AtomicLatencyHistogram(bounds: Self.latencyBuckets) }
        timers = zip(RequestKind.allCases, requestHistograms).map { kind, h in
            CoreMetrics.Timer(label: Self.requestHistogram, dimensions: [("kind", kind.rawValue)], handler: h)
        }
        walSyncHistogram = AtomicLatencyHistogram(bounds: Self.latencyBuckets)
        walSync = CoreMetrics.Timer(label: Self.walSyncHistogramName, dimensions: [], handler: walSyncHistogram)
    }

    /// The request histogram of one kind.
    package func histogram(_ kind: RequestKind) -> AtomicLatencyHistogram { requestHistograms[Self.index(kind)] }

    /// Records one request of `kind` that started at `start` (the hot path: two relaxed atomic adds).
    @inline(__always)
    package func record(_ kind: RequestKind, since start: ContinuousClock.Instant) {
        let d = ContinuousClock.now - start
        timers[Self.index(kind)].recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    /// Records one WAL sync.
    package func recordWALSync(_ d: Duration) {
        walSync.recordNanoseconds(d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000)
    }

    private static func index(_ kind: RequestKind) -> Int {
        switch kind {
        case .get: 0
        case .put: 1
        case .delete: 2
        case .increment: 3
        case .append: 4
        case .checkAndMutate: 5
        case .multi: 6
        case .scanNext: 7
        }
    }

    /// The Prometheus text of every metric, with the engine's figures taken from `status` first.
    package func scrape(_ status: RegionServerStatus?) -> String {
        if let status { refresh(status) }
        var out = registry.emitToString()
        out += "# HELP \(Self.requestHistogram) Client requests served, by kind, and how long each took on the server.\n"
        out += "# TYPE \(Self.requestHistogram) histogram\n"
        for kind in RequestKind.allCases {
            histogram(kind).render(name: Self.requestHistogram, labels: [("kind", kind.rawValue)], into: &out)
        }
        out += "# HELP \(Self.walSyncHistogramName) WAL group syncs and how long each took.\n"
        out += "# TYPE \(Self.walSyncHistogramName) histogram\n"
        walSyncHistogram.render(name: Self.walSyncHistogramName, labels: [], into: &out)
        return out
    }

    private func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Prometheus.Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    private func counter(_ name: String, _ help: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help))
    }

    private func refresh(_ s: RegionServerStatus) {
        gauge("basalt_regionserver_regions", "Regions open on this server.").set(Double(s.regions.count))
        gauge("basalt_regionserver_memstore_bytes", "Bytes in this server's MemStores.").set(Double(s.memStoreBytes))
        gauge("basalt_regionserver_memstore_limit_bytes", "MemStore bytes at which writes block.").set(Double(s.memStoreLimit))
        gauge("basalt_regionserver_store_files", "HFiles of the regions open here.").set(Double(s.regions.reduce(0) { $0 + $1.storeFiles }))
        gauge("basalt_regionserver_store_file_bytes", "Bytes of HFiles of the regions open here.").set(Double(s.regions.reduce(0) { $0 + $1.storeFileBytes }))
        gauge("basalt_regionserver_block_cache_bytes", "Bytes of blocks in the block cache.").set(Double(s.blockCache.size))
        gauge("basalt_regionserver_block_cache_capacity_bytes", "The block cache's capacity.").set(Double(s.blockCache.capacity))
        gauge("basalt_regionserver_block_cache_blocks", "Blocks in the block cache.").set(Double(s.blockCache.count))
        gauge("basalt_regionserver_flush_queue_length", "Regions waiting to be flushed.").set(Double(s.flushQueue))
        gauge("basalt_regionserver_compaction_queue_length", "Regions waiting to be compacted.").set(Double(s.compactionQueue))
        gauge("basalt_regionserver_scanners_open", "Client scanners holding a lease.").set(Double(s.scannersOpen))
        gauge("basalt_regionserver_wal_files", "WAL files not yet archived.").set(Double(s.walFiles.count))
        gauge("basalt_regionserver_resident_bytes", "The process's resident memory.").set(Double(s.residentBytes))
        let totals: [(String, String, Int64)] = [
            ("basalt_regionserver_block_cache_hits_total", "Block reads served by the block cache.", Int64(s.blockCache.hits)),
            ("basalt_regionserver_block_cache_misses_total", "Block reads the block cache could not serve.", Int64(s.blockCache.misses)),
            ("basalt_regionserver_block_cache_evictions_total", "Blocks evicted from the block cache.", Int64(s.blockCache.evictions)),
            ("basalt_regionserver_wal_appends_total", "Edits appended to the WAL.", Int64(s.wal.appends)),
            ("basalt_regionserver_wal_syncs_total", "WAL syncs.", Int64(s.wal.syncs)),
            ("basalt_regionserver_wal_bytes_total", "Bytes written to the WAL.", s.wal.bytes),
            ("basalt_regionserver_flushes_total", "MemStore flushes.", Int64(s.counters.flushes)),
            ("basalt_regionserver_flushed_bytes_total", "MemStore bytes flushed.", Int64(s.counters.flushedBytes)),
            ("basalt_regionserver_flush_seconds_total", "Time spent flushing, in whole seconds.", Int64(s.counters.flushTime.components.seconds)),
            ("basalt_regionserver_compactions_total", "Compactions, minor and major.", Int64(s.counters.compactions)),
            ("basalt_regionserver_compacted_stores_total", "Stores (one family of one region) rewritten by compactions.", Int64(s.counters.compactedStores)),
            ("basalt_regionserver_compaction_seconds_total", "Time spent compacting, in whole seconds.", Int64(s.counters.compactionTime.components.seconds)),
            ("basalt_regionserver_blocked_writes_total", "Writes that waited for MemStore memory.", Int64(s.counters.blockedWrites)),
        ]
        mirror.withLock { m in
            for (name, help, value) in totals {
                let seen = m.totals[name] ?? 0
                if value > seen { counter(name, help).increment(by: value - seen) } else if seen == 0 { _ = counter(name, help) }
                m.totals[name] = max(seen, value)
            }
            for reason in FlushReason.allCases {
                let key = "flush_requests/" + reason.rawValue
                let value = Int64(s.counters.flushesByReason[reason] ?? 0)
                let c = registry.makeCounter(
                    descriptor: MetricNameDescriptor(metricName: "basalt_regionserver_flush_requests_total", unitName: "", helpText: "Flushes the engine scheduled, by trigger."),
                    labels: [("reason", reason.rawValue)])
                let seen = m.totals[key] ?? 0
                if value > seen { c.increment(by: value - seen) }
                m.totals[key] = max(seen, value)
            }
            var current = Set<String>()
            for r in s.regions {
                current.insert(r.encodedName)
                let labels = [("table", r.table), ("region", r.encodedName)]
                let values: [(String, String, Int)] = [
                    ("basalt_region_memstore_bytes", "Bytes in the region's MemStores.", r.memStoreBytes),
                    ("basalt_region_store_files", "The region's HFiles.", r.storeFiles),
                    ("basalt_region_store_file_bytes", "Bytes of the region's HFiles.", r.storeFileBytes),
                    ("basalt_region_read_requests", "Reads served by the region since it opened here.", r.readRequests),
                    ("basalt_region_write_requests", "Writes applied to the region since it opened here.", r.writeRequests),
                ]
                var gauges: [Prometheus.Gauge] = []
                for (name, help, value) in values {
                    let g = gauge(name, help, labels)
                    g.set(Double(value))
                    gauges.append(g)
                }
                for op in RegionOperation.allCases {
                    let g = gauge("basalt_region_requests", "Requests the region served since it opened here, by operation.", labels + [("operation", op.rawValue)])
                    g.set(Double(r.requests[op] ?? 0))
                    gauges.append(g)
                }
                m.regionGauges[r.encodedName] = gauges
            }
            for (name, gauges) in m.regionGauges where !current.contains(name) {
                for g in gauges { registry.unregisterGauge(g) }
                m.regionGauges[name] = nil
            }
        }
    }
}
