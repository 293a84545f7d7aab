import BasaltCore
import BasaltStorage

/// The one place HBase's keys become the storage engine's settings. Each reader starts from the type's
/// own defaults (declared once, in the type), overrides only the keys present, and validates; a bad value
/// is an `INVALID_ARGUMENT` naming the key. The engine itself reads no configuration.
public enum StorageSettings {
    /// The engine's settings; `memory` overrides `basalt.memory` (bytes).
    public static func engine(_ conf: BasaltConfiguration, memory: Int? = nil) throws -> StorageEngine.Configuration {
        var c = StorageEngine.Configuration()
        c.memory = try memory ?? conf.int(Key.memory, default: c.memory)
        guard c.memory >= 16 << 20 else { throw StorageError(.invalidArgument, "memory must be at least 16 MB, got \(c.memory) bytes") }
        c.flush = try flush(conf, memory: c.memory)
        c.split = try split(conf)
        c.blockCacheFraction = try conf.double(Key.blockCacheSize, default: c.blockCacheFraction)
        guard c.blockCacheFraction >= 0, c.blockCacheFraction < 1 else {
            throw StorageError(.invalidArgument, "\(Key.blockCacheSize) must be in [0, 1), got \(c.blockCacheFraction)")
        }
        c.wakeFrequency = .milliseconds(max(10, try conf.int(Key.wakeFrequency, default: Int(c.wakeFrequency.inMilliseconds))))
        c.flusherThreads = max(1, try conf.int(Key.flusherCount, default: c.flusherThreads))
        c.compactionThreads = max(1, try conf.int(Key.compactionThreads, default: c.compactionThreads))
        c.region = try region(conf)
        c.wal = try wal(conf)
        return c
    }

    /// The flush triggers; `memory` is the engine's (HBase's heap).
    public static func flush(_ conf: BasaltConfiguration, memory: Int) throws -> FlushPolicy {
        var p = FlushPolicy()
        p.flushSize = try conf.int(Key.flushSize, default: p.flushSize)
        p.blockMultiplier = max(1, try conf.int(Key.blockMultiplier, default: p.blockMultiplier))
        let fraction = try conf.double(Key.globalMemStoreSize, default: FlushPolicy.defaultGlobalFraction)
        let lower = try conf.double(Key.globalMemStoreLowerLimit, default: FlushPolicy.defaultLowerLimitFraction)
        guard fraction > 0, fraction < 1, lower > 0, lower <= 1 else {
            throw StorageError(.invalidArgument, "\(Key.globalMemStoreSize) must be in (0, 1) and \(Key.globalMemStoreLowerLimit) in (0, 1]; got \(fraction) and \(lower)")
        }
        (p.globalLimit, p.globalLowerLimit) = FlushPolicy.globalLimits(memory: memory, fraction: fraction, lowerLimit: lower)
        p.maxLogs = max(1, try conf.int(Key.maxLogs, default: p.maxLogs))
        p.periodicFlushInterval = Int64(try conf.int(Key.periodicFlushInterval, default: Int(p.periodicFlushInterval)))
        return p
    }

    /// When regions split.
    public static func split(_ conf: BasaltConfiguration) throws -> SplitPolicy {
        var p = SplitPolicy()
        let name = conf.string(Key.splitPolicy, default: p.kind.rawValue)
        let last = name.split(separator: ".").last.map(String.init) ?? name
        guard let kind = SplitPolicy.Kind(rawValue: last) else {
            throw StorageError(.invalidArgument, "unknown \(Key.splitPolicy) '\(name)'; use SteppingSplitPolicy, ConstantSizeRegionSplitPolicy or DisabledRegionSplitPolicy")
        }
        p.kind = kind
        p.maxFileSize = try conf.int(Key.maxFileSize, default: p.maxFileSize)
        p.flushSize = try conf.int(Key.flushSize, default: p.flushSize)
        guard p.maxFileSize > 0, p.flushSize > 0 else {
            throw StorageError(.invalidArgument, "\(Key.maxFileSize) and \(Key.flushSize) must be positive")
        }
        return p
    }

    /// Which files compact; `hbase.hstore.compaction.min.size` defaults to the flush size.
    public static func compaction(_ conf: BasaltConfiguration) throws -> CompactionPolicy {
        var p = CompactionPolicy()
        p.minFiles = max(2, try conf.int(Key.compactionMin, default: try conf.int(Key.compactionThreshold, default: p.minFiles)))
        p.maxFiles = max(p.minFiles, try conf.int(Key.compactionMax, default: p.maxFiles))
        p.ratio = try conf.double(Key.compactionRatio, default: p.ratio)
        p.minCompactSize = try conf.int(Key.compactionMinSize, default: try conf.int(Key.flushSize, default: FlushPolicy.defaultFlushSize))
        p.majorPeriod = Int64(try conf.int(Key.majorCompactionPeriod, default: Int(p.majorPeriod)))
        p.blockingStoreFiles = try conf.int(Key.blockingStoreFiles, default: p.blockingStoreFiles)
        return p
    }

    /// A region's limits and waits.
    public static func region(_ conf: BasaltConfiguration) throws -> Region.Configuration {
        var c = Region.Configuration()
        c.maxCellSize = try conf.int(Key.maxCellSize, default: c.maxCellSize)
        c.rowLockTimeout = .milliseconds(try conf.int(Key.rowLockWait, default: Int(c.rowLockTimeout.inMilliseconds)))
        c.mslabMaxAllocation = try conf.int(Key.mslabMaxAllocation, default: c.mslabMaxAllocation)
        c.compaction = try compaction(conf)
        c.busyWaitDuration = .milliseconds(try conf.int(Key.busyWait, default: Int(c.busyWaitDuration.inMilliseconds)))
        c.blockingWaitTime = .milliseconds(try conf.int(Key.blockingWaitTime, default: Int(c.blockingWaitTime.inMilliseconds)))
        return c
    }

    /// The WAL: roll size (`hbase.regionserver.hlog.blocksize` × `hbase.regionserver.logroll.multiplier`),
    /// the ASYNC_WAL interval, preallocation, syncers, and `hbase.wal.hsync`.
    public static func wal(_ conf: BasaltConfiguration) throws -> WAL.Configuration {
        var c = WAL.Configuration()
        let block = try conf.int(Key.walBlockSize, default: WAL.Configuration.defaultBlockSize)
        let multiplier = try conf.double(Key.walRollMultiplier, default: WAL.Configuration.defaultRollMultiplier)
        c.rollSize = max(4096, Int(Double(block) * multiplier))
        c.asyncFlushInterval = .milliseconds(try conf.int(Key.walAsyncFlushInterval, default: Int(c.asyncFlushInterval.inMilliseconds)))
        c.preallocationChunk = max(0, try conf.int(Key.walPreallocationChunk, default: c.preallocationChunk))
        c.syncers = max(1, try conf.int(Key.walSyncers, default: c.syncers))
        c.syncerThread = try conf.bool(Key.walSyncerThread, default: c.syncerThread)
        if conf[Key.walHsync] != nil { c.hsync = try conf.bool(Key.walHsync, default: false) }
        return c
    }

    /// The fence command, or nil when `basalt.fs.fence.command` is not set (no fencing).
    package static func fence(_ conf: BasaltConfiguration) throws -> FenceCommand? {
        guard let text = conf[FenceCommand.commandKey], !text.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        let ms = try conf.int(FenceCommand.timeoutKey, default: Int(FenceCommand.defaultTimeout.inMilliseconds))
        guard ms > 0 else { throw StorageError(.invalidArgument, "\(FenceCommand.timeoutKey) must be positive, not \(ms)") }
        return try FenceCommand(words: text.split(separator: " ", omittingEmptySubsequences: true).map(String.init), timeout: .milliseconds(ms))
    }
}
