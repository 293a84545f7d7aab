/// The highest sequence id per region among a run of WAL appends: what tells the WAL which of its files
/// still hold a region's unflushed edits.
///
/// Nearly every append comes from the same region as the one before, so that region is kept aside and
/// compared first. Its name is usually the very same array, which compares equal without reading the
/// bytes; hashing a name (byte by byte, in Swift's `Hasher`) happens only when the region changes.
struct RegionSequenceIds {
    private var lastRegion: [UInt8]?
    private var lastSequenceId: UInt64 = 0
    private var others: [[UInt8]: UInt64] = [:]

    mutating func note(_ region: [UInt8], _ sequenceId: UInt64) {
        if let last = lastRegion {
            if last == region {
                if sequenceId > lastSequenceId { lastSequenceId = sequenceId }
                return
            }
            if lastSequenceId > (others[last] ?? 0) { others[last] = lastSequenceId }
        }
        lastRegion = region
        lastSequenceId = max(sequenceId, others.removeValue(forKey: region) ?? 0)
    }

    /// Each region once, with its highest sequence id.
    func forEach(_ body: ([UInt8], UInt64) -> Void) {
        if let last = lastRegion { body(last, lastSequenceId) }
        for (region, seq) in others { body(region, seq) }
    }

    /// Every region with its highest sequence id.
    var dictionary: [[UInt8]: UInt64] {
        var out = others
        if let last = lastRegion { out[last] = max(out[last] ?? 0, lastSequenceId) }
        return out
    }

    /// Notes every region of this run in `target`, then empties this one. No copy is made, so emptying
    /// keeps this run's storage instead of allocating afresh (this runs once per WAL group write).
    mutating func moveAll(into target: inout RegionSequenceIds) {
        forEach { target.note($0, $1) }
        removeAll()
    }

    mutating func removeAll() {
        lastRegion = nil
        lastSequenceId = 0
        others.removeAll(keepingCapacity: true)
    }
}
