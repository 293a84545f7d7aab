@testable import BasaltServer
import Testing

/// The request path's histogram: each value lands in the first bucket whose bound holds it, the sum and
/// count follow, and the Prometheus text is cumulative with a +Inf bucket.
@Suite struct AtomicLatencyHistogramTests {
    @Test func bucketsSumAndText() {
        let h = AtomicLatencyHistogram(bounds: [.microseconds(100), .milliseconds(1), .milliseconds(10)])
        for ns: Int64 in [50_000, 100_000, 100_001, 2_000_000, 20_000_000] { h.recordNanoseconds(ns) }
        let s = h.snapshot()
        #expect(s.cumulative == [2, 3, 4] && s.total == 5 && s.sumNanos == 22_250_001)
        let summary = h.summary()
        #expect(summary.count == 5 && abs(summary.meanMs - 4.450_000_2) < 1e-9)
        var text = ""
        h.render(name: "t_seconds", labels: [("kind", "get")], into: &text)
        #expect(text.contains("t_seconds_bucket{kind=\"get\",le=\"0.0001\"} 2\n"))
        #expect(text.contains("t_seconds_bucket{kind=\"get\",le=\"0.01\"} 4\n"))
        #expect(text.contains("t_seconds_bucket{kind=\"get\",le=\"+Inf\"} 5\n"))
        #expect(text.contains("t_seconds_count{kind=\"get\"} 5\n"))
        #expect(text.contains("t_seconds_sum{kind=\"get\"} 0.022250001\n"))
    }

    @Test func concurrentRecordsAreAllCounted() async {
        let h = AtomicLatencyHistogram(bounds: [.microseconds(100)])
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for i in 0..<10_000 { h.recordNanoseconds(Int64(i % 200) * 1000) } } }
        }
        #expect(h.snapshot().total == 80_000)
        #expect(h.snapshot().cumulative == [8 * 5_050])
    }
}
