import Atomics
import CoreMetrics

/// A latency histogram the request path can afford: recording one value is two relaxed atomic adds (its
/// bucket and the running sum), no lock. A swift-metrics `TimerHandler`, read back for `/prometheus` (in
/// Prometheus's histogram text) and `/jmx`. Buckets are fixed at creation.
package final class AtomicLatencyHistogram: TimerHandler, Sendable {
    /// Upper bounds in nanoseconds, ascending; a value above the last falls in the overflow bucket.
    package let bounds: [Int64]
    /// Per bucket (not cumulative); the last is the overflow.
    private let counts: [ManagedAtomic<Int>]
    private let sumNanos = ManagedAtomic<Int64>(0)

    package init(bounds: [Duration]) {
        self.bounds = bounds.map { $0.components.seconds * 1_000_000_000 + $0.components.attoseconds / 1_000_000_000 }
        counts = (0...bounds.count).map { _ in ManagedAtomic(0) }
    }

    package func recordNanoseconds(_ duration: Int64) {
        var lo = 0, hi = bounds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if bounds[mid] < duration { lo = mid + 1 } else { hi = mid }
        }
        counts[lo].wrappingIncrement(ordering: .relaxed)
        sumNanos.wrappingIncrement(by: max(0, duration), ordering: .relaxed)
    }

    /// Cumulative counts per bound (then the total), and the sum in nanoseconds: a moment's reading
    /// (a value recorded meanwhile may show in one and not yet the other).
    package func snapshot() -> (cumulative: [Int], total: Int, sumNanos: Int64) {
        var running = 0
        var cumulative: [Int] = []
        cumulative.reserveCapacity(bounds.count)
        for i in 0..<bounds.count {
            running += counts[i].load(ordering: .relaxed)
            cumulative.append(running)
        }
        running += counts[bounds.count].load(ordering: .relaxed)
        return (cumulative, running, sumNanos.load(ordering: .relaxed))
    }

    /// Count, mean and the upper bound of the bucket holding the 99th percentile, in milliseconds.
    package func summary() -> (count: Int, meanMs: Double, p99Ms: Double) {
        let s = snapshot()
        guard s.total > 0 else { return (0, 0, 0) }
        let mean = Double(s.sumNanos) / Double(s.total) / 1e6
        let target = Double(s.total) * 0.99
        let p99 = zip(bounds, s.cumulative).first { Double($0.1) >= target }.map { Double($0.0) / 1e6 } ?? mean
        return (s.total, mean, p99)
    }

    /// The histogram in Prometheus's text format: `name_bucket{labels,le=...}`, `_sum` (seconds), `_count`.
    package func render(name: String, labels: [(String, String)], into out: inout String) {
        let s = snapshot()
        let prefix = labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",")
        let sep = prefix.isEmpty ? "" : ","
        for (bound, count) in zip(bounds, s.cumulative) {
            out += "\(name)_bucket{\(prefix)\(sep)le=\"\(Double(bound) / 1e9)\"} \(count)\n"
        }
        out += "\(name)_bucket{\(prefix)\(sep)le=\"+Inf\"} \(s.total)\n"
        let labelSet = prefix.isEmpty ? "" : "{\(prefix)}"
        out += "\(name)_sum\(labelSet) \(Double(s.sumNanos) / 1e9)\n"
        out += "\(name)_count\(labelSet) \(s.total)\n"
    }
}
