import Foundation

/// One benchmark's result line, as DESIGN.md §9 fixes it: `NAME: X ops/s, p50 Y us, p99 Z us ...`, or with
/// `--json` one JSON object with at least benchmark, ops, ops_per_sec, p50_us, p99_us. A value type.
struct BenchmarkReport {
    var name: String
    var ops: Int
    var seconds: Double
    var histogram: LatencyHistogram
    var threads: Int
    var durability: String
    /// Rows found, for reads.
    var found: Int?
    /// Extra `key: value` pairs (JSON fragments) and text for the plain line.
    var extraJSON: [String] = []
    var extraText: [String] = []

    func emit(json: Bool) {
        let opsPerSec = seconds > 0 ? Double(ops) / seconds : 0
        let p50 = histogram.quantile(0.5) / 1000, p99 = histogram.quantile(0.99) / 1000, p999 = histogram.quantile(0.999) / 1000
        if json {
            var fields = [
                "\"benchmark\": \"\(name)\"", "\"ops\": \(ops)", "\"ops_per_sec\": \(Int(opsPerSec))",
                String(format: "\"p50_us\": %.2f", p50), String(format: "\"p99_us\": %.2f", p99), String(format: "\"p999_us\": %.2f", p999),
                String(format: "\"seconds\": %.3f", seconds), "\"threads\": \(threads)", "\"durability\": \"\(durability)\"",
            ]
            if let found { fields.append("\"found\": \(found)") }
            print("{" + (fields + extraJSON).joined(separator: ", ") + "}")
        } else {
            var line = String(format: "%@: %.0f ops/s, p50 %.2f us, p99 %.2f us, p99.9 %.2f us (%d ops in %.2f s)", name, opsPerSec, p50, p99, p999, ops, seconds)
            if let found { line += ", \(found) found" }
            for t in extraText { line += ", " + t }
            print(line)
        }
        fflush(nil)
    }
}
