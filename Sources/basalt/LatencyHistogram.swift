/// Log-linear latency histogram in nanoseconds (16 sub-buckets per power of two, ~6% resolution) for the
/// benchmarks' p50/p99. One per thread; merged at the end. Not thread-safe.
struct LatencyHistogram {
    static let sub = 16
    private(set) var buckets = [UInt64](repeating: 0, count: 64 * sub)
    private(set) var count: UInt64 = 0

    @inline(__always) mutating func record(nanos: UInt64) {
        let v = max(nanos, 1)
        let exp = 63 - v.leadingZeroBitCount
        let idx: Int
        if exp < 4 {
            idx = Int(v)
        } else {
            let mant = Int((v >> UInt64(exp - 4)) & 15)
            idx = exp * Self.sub + mant
        }
        buckets[min(idx, buckets.count - 1)] &+= 1
        count &+= 1
    }

    mutating func merge(_ o: LatencyHistogram) {
        for i in 0..<buckets.count { buckets[i] &+= o.buckets[i] }
        count &+= o.count
    }

    /// The value (ns) at quantile q (0...1): the bucket's upper edge.
    func quantile(_ q: Double) -> Double {
        guard count > 0 else { return 0 }
        let target = UInt64((Double(count) * q).rounded(.up))
        var seen: UInt64 = 0
        for (i, n) in buckets.enumerated() where n > 0 {
            seen += n
            if seen >= max(target, 1) {
                if i < 16 { return Double(i) }
                let exp = i / Self.sub, mant = i % Self.sub
                return Double(UInt64(16 + mant + 1) << UInt64(exp - 4))
            }
        }
        return 0
    }
}
