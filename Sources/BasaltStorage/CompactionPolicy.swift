import BasaltCore

/// Decides which files of a store to compact, with HBase's keys and defaults. Pure: no I/O, so each rule
/// is tested on plain numbers. A value type.
public struct CompactionPolicy: Sendable, Equatable {
    /// `hbase.hstore.compaction.min`: fewest files a minor compaction merges.
    public var minFiles = 3
    /// `hbase.hstore.compaction.max`: most files one compaction merges.
    public var maxFiles = 10
    /// `hbase.hstore.compaction.ratio`.
    public var ratio = 1.2
    /// `hbase.hstore.compaction.min.size`: files below it are always eligible (default: the flush size).
    public var minCompactSize = FlushPolicy.defaultFlushSize
    /// `hbase.hregion.majorcompaction` in ms (7 days); 0 turns periodic major compaction off.
    public var majorPeriod: Int64 = 7 * 24 * 3_600_000
    /// `hbase.hstore.blockingStoreFiles`: writes to the region wait while a store has this many files.
    public var blockingStoreFiles = 16

    public init() {}


    /// Ratio-based minor selection over file sizes, oldest first: skip old files while a file is larger
    /// than `ratio` × the sum of the (up to `maxFiles − 1`) newer files after it (and larger than
    /// `minCompactSize`), then take up to `maxFiles` files from there. Nil when fewer than `minFiles`
    /// qualify.
    public func selectMinor(sizes: [Int]) -> Range<Int>? {
        let n = sizes.count
        guard n >= minFiles else { return nil }
        var start = 0
        while n - start >= minFiles {
            let end = min(n, start + maxFiles)
            let newer = sizes[(start + 1)..<end].reduce(0, +)
            if Double(sizes[start]) > max(Double(minCompactSize), Double(newer) * ratio) {
                start += 1
            } else {
                break
            }
        }
        guard n - start >= minFiles else { return nil }
        return start..<min(n, start + maxFiles)
    }

    /// Whether a store is due a periodic major compaction: its oldest file is older than the period,
    /// unless it is a single file that a major compaction already wrote.
    public func isMajorDue(oldestCreatedAt: Int64?, fileCount: Int, singleFileIsMajor: Bool, now: Int64) -> Bool {
        guard majorPeriod > 0, let oldest = oldestCreatedAt, fileCount > 0 else { return false }
        if fileCount == 1 && singleFileIsMajor { return false }
        return now - oldest >= majorPeriod
    }

    /// Whether writes must wait for a compaction.
    public func mustBlockWrites(fileCount: Int) -> Bool { fileCount >= blockingStoreFiles }
}
