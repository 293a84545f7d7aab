import BasaltCore

/// One column family of one region: its settings and its MemStore (HFiles join in the read/flush issue).
/// Safe to share across threads (the MemStore guards itself; the descriptor is immutable).
public final class Store: Sendable {
    public let family: ColumnFamilyDescriptor
    public let memStore: MemStore

    init(family: ColumnFamilyDescriptor, pool: MemStoreChunkPool, maxAllocation: Int) {
        self.family = family
        self.memStore = MemStore(pool: pool, maxAllocation: maxAllocation)
    }

    /// A scanner over this store for one read, at `readPoint`, with TTL judged against `now` (ms).
    func scanner(readPoint: UInt64, qualifiers: Set<[UInt8]>?, maxVersions: Int, timeRange: TimeRange, raw: Bool, now: Int64) -> StoreScanner {
        let ttlCutoff: Int64 = family.timeToLive == ColumnFamilyDescriptor.forever ? .min : now - Int64(family.timeToLive) * 1000
        let sorted = qualifiers.map { $0.sorted { CellComparator.compareBytes($0, $1) < 0 } }
        let matcher = ScanQueryMatcher(
            maxVersions: min(maxVersions, raw ? Int.max : family.maxVersions), minVersions: family.minVersions,
            ttlCutoff: ttlCutoff, timeRange: timeRange, qualifiers: sorted, raw: raw)
        return StoreScanner(family: family.name, sources: memStore.scanners(readPoint: readPoint), matcher: matcher)
    }
}
