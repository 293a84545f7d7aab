/// Reads samples back out of Prometheus's text format, so that `/jmx` shows the same figures as
/// `/prometheus` from the one registry.
struct PrometheusSamples {
    struct Sample {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    var samples: [Sample] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            if let brace = series.firstIndex(of: "{"), series.hasSuffix("}") {
                samples.append(Sample(name: String(series[..<brace]), labels: Self.labels(series[series.index(after: brace)..<series.index(before: series.endIndex)]), value: value))
            } else {
                samples.append(Sample(name: String(series), labels: [:], value: value))
            }
        }
    }

    /// `a="x",b="y"` (the values our metrics use hold no quotes or commas).
    static func labels(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        for pair in s.split(separator: ",") {
            guard let eq = pair.firstIndex(of: "=") else { continue }
            out[String(pair[..<eq])] = String(pair[pair.index(after: eq)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return out
    }

    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { s in s.name == name && labels.allSatisfy { k, v in s.labels[k] == v } }?.value
    }

    /// Count, mean and an upper bound of the 99th percentile, in milliseconds, of histogram `name`
    /// narrowed by `labels`.
    func histogram(_ name: String, _ labels: [String: String]) -> (count: Int, meanMs: Double, p99Ms: Double) {
        let count = value(name + "_count", labels) ?? 0
        let sum = value(name + "_sum", labels) ?? 0
        guard count > 0 else { return (0, 0, 0) }
        let buckets = samples.filter { s in s.name == name + "_bucket" && labels.allSatisfy { k, v in s.labels[k] == v } }
            .compactMap { s -> (Double, Double)? in
                guard let le = s.labels["le"] else { return nil }
                return (le == "+Inf" ? .infinity : Double(le) ?? .infinity, s.value)
            }.sorted { $0.0 < $1.0 }
        let target = count * 0.99
        let p99 = buckets.first { $0.1 >= target }?.0 ?? .infinity
        return (Int(count), sum / count * 1000, p99.isFinite ? p99 * 1000 : (sum / count * 1000))
    }
}

import Foundation
