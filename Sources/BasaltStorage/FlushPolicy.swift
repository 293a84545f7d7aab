import BasaltCore

/// The six flush triggers as pure decisions over sizes, counts and times (HBase's keys and defaults), so
/// each is tested without I/O. `StorageEngine` applies them. A value type.
public struct FlushPolicy: Sendable, Equatable {
    public static let defaultFlushSize = 128 << 20
    /// `hbase.regionserver.global.memstore.size` and its `.lower.limit`.
    public static let defaultGlobalFraction = 0.4
    public static let defaultLowerLimitFraction = 0.95
    /// `hbase.hregion.memstore.flush.size`: a region flushes when its MemStores reach this (trigger 1).
    public var flushSize = Self.defaultFlushSize
    /// `hbase.hregion.memstore.block.multiplier`: writes wait at multiplier × flush size (trigger 2).
    public var blockMultiplier = 4
    /// All MemStores together may hold this much (`hbase.regionserver.global.memstore.size` × memory)
    /// before writes wait and the largest regions flush (trigger 3)...
    public var globalLimit = Self.globalLimits(memory: StorageEngine.Configuration.defaultMemory).limit
    /// ...down to this (`hbase.regionserver.global.memstore.size.lower.limit`, 0.95 of the limit).
    public var globalLowerLimit = Self.globalLimits(memory: StorageEngine.Configuration.defaultMemory).lower
    /// `hbase.regionserver.maxlogs`: more WAL files than this flush the regions holding the oldest (trigger 4).
    public var maxLogs = 32
    /// `hbase.regionserver.optionalcacheflushinterval` in ms: an edit older than this flushes its
    /// region (trigger 5); 0 turns it off.
    public var periodicFlushInterval: Int64 = 3_600_000

    public init() {}


    /// The global MemStore limit and the level a global flush brings it down to, for `memory`.
    public static func globalLimits(memory: Int, fraction: Double = defaultGlobalFraction, lowerLimit: Double = defaultLowerLimitFraction) -> (limit: Int, lower: Int) {
        let limit = Int(Double(memory) * fraction)
        return (limit, Int(Double(limit) * lowerLimit))
    }

    public var blockingSize: Int { flushSize * blockMultiplier }

    /// Trigger 1.
    public func regionNeedsFlush(memStoreSize: Int) -> Bool { memStoreSize >= flushSize }

    /// Trigger 2: writes to the region wait.
    public func regionMustBlock(memStoreSize: Int) -> Bool { memStoreSize >= blockingSize }

    /// Trigger 3: writes to every region wait.
    public func globalMustBlock(totalSize: Int) -> Bool { totalSize >= globalLimit }

    /// Trigger 3: which regions to flush, largest first, until what is left falls below the lower
    /// limit. Empty when the total is below the limit.
    public func globalFlushTargets<ID>(_ regions: [(id: ID, size: Int)], totalSize: Int) -> [ID] {
        guard totalSize >= globalLimit else { return [] }
        var left = totalSize
        var out: [ID] = []
        for r in regions.sorted(by: { $0.size > $1.size }) where r.size > 0 {
            if left < globalLowerLimit { break }
            out.append(r.id)
            left -= r.size
        }
        return out
    }

    /// Trigger 4: when there are more WAL files than `maxLogs`, the regions with unflushed edits in the
    /// oldest file.
    public func walFlushTargets<ID>(walFileCount: Int, regionsInOldestFile: [ID]) -> [ID] {
        walFileCount > maxLogs ? regionsInOldestFile : []
    }

    /// Trigger 5: regions whose oldest unflushed edit (ms; nil when clean) is older than the interval.
    public func periodicFlushTargets<ID>(_ regions: [(id: ID, oldestEdit: Int64?)], now: Int64) -> [ID] {
        guard periodicFlushInterval > 0 else { return [] }
        return regions.compactMap { r in
            guard let t = r.oldestEdit, now - t >= periodicFlushInterval else { return nil }
            return r.id
        }
    }
}

/// Why the engine flushed a region: the triggers the seeds name (a manual flush is the caller's).
public enum FlushReason: String, Sendable, CaseIterable, Comparable {
    /// A region's MemStore reached `hbase.hregion.memstore.flush.size`.
    case size
    /// All MemStores together reached the global limit.
    case global
    /// Too many WAL files: the regions pinning the oldest one flush.
    case wal
    /// An edit older than `hbase.regionserver.optionalcacheflushinterval`.
    case periodic
    /// Edits replayed from the WAL when the region opened.
    case open

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
