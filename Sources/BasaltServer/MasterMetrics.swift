import Foundation
import Prometheus
import Synchronization

/// A master's metrics, exported by swift-prometheus from a registry of its own: live and dead servers,
/// regions and regions in transition (with the oldest's age), balancer runs and DDL, all read from a
/// `MasterStatus` when scraped.
package final class MasterMetrics: Sendable {
    package let registry = PrometheusCollectorRegistry()
    /// Totals already added to the counters, guarded by the lock.
    private let seen = Mutex<[String: Int]>([:])

    package init() {}

    /// The Prometheus text, with every figure taken from `status` first.
    package func scrape(_ status: MasterStatus, now: Date = Date()) -> String {
        func gauge(_ name: String, _ help: String, _ value: Double) {
            registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help)).set(value)
        }
        gauge("basalt_master_active", "1 when this master is the active one.", status.isActive ? 1 : 0)
        gauge("basalt_master_live_region_servers", "Region servers registered in the coordination service.", Double(status.liveServers.count))
        gauge("basalt_master_dead_region_servers", "Region servers seen dead and not serving again.", Double(status.deadServers.count))
        gauge("basalt_master_backup_masters", "Masters waiting to take over.", Double(status.backupMasters.count))
        gauge("basalt_master_regions", "Regions in meta (split parents left out), hbase:meta included.", Double(status.regionCount))
        gauge("basalt_master_tables", "Tables, hbase:meta included.", Double(status.tables.count))
        gauge("basalt_master_regions_in_transition", "Regions neither open on a live server nor closed.", Double(status.transitions.count))
        let oldest = status.transitions.compactMap(\.since).min().map { now.timeIntervalSince($0) } ?? 0
        gauge("basalt_master_oldest_region_in_transition_seconds", "How long the oldest region in transition has been in its state.", max(0, oldest))
        gauge("basalt_master_balancer_enabled", "1 when the balancer switch is on.", status.balancerOn == true ? 1 : 0)
        var totals: [(String, String, [(String, String)], Int)] = [
            ("basalt_master_balancer_runs_total", "Balancer runs that were not dry runs.", [], status.balancerRuns),
            ("basalt_master_balancer_moved_regions_total", "Regions the balancer moved.", [], status.regionsMoved),
        ]
        for op in MasterOperation.allCases {
            totals.append(("basalt_master_operations_total", "DDL, splits, merges and moves this master carried out.", [("operation", op.rawValue)], status.ddl[op] ?? 0))
        }
        seen.withLock { seen in
            for (name, help, labels, value) in totals {
                let key = name + labels.map { "\($0.0)=\($0.1)" }.joined()
                let c = registry.makeCounter(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
                let before = seen[key] ?? 0
                if value > before { c.increment(by: Int64(value - before)) }
                seen[key] = max(before, value)
            }
        }
        return registry.emitToString()
    }
}
