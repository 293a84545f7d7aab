import BasaltCore
import BasaltSettings
import BasaltStorage
import Testing

/// HBase's keys read into the engine's settings: no key leaves every default as the types declare it,
/// each key present overrides its setting, and bad values are refused with the key's name.
@Suite struct StorageSettingsTests {
    @Test func noKeysMeansTheTypesDefaults() throws {
        let c = try StorageSettings.engine(BasaltConfiguration())
        let d = StorageEngine.Configuration()
        #expect(c.memory == d.memory && c.flush == d.flush && c.split == d.split && c.region.compaction == d.region.compaction)
        #expect(c.blockCacheFraction == d.blockCacheFraction && c.wakeFrequency == d.wakeFrequency)
        #expect(c.flusherThreads == d.flusherThreads && c.compactionThreads == d.compactionThreads)
        #expect(c.region.maxCellSize == d.region.maxCellSize && c.region.rowLockTimeout == d.region.rowLockTimeout)
        #expect(c.region.busyWaitDuration == d.region.busyWaitDuration && c.region.blockingWaitTime == d.region.blockingWaitTime)
        #expect(c.wal.rollSize == d.wal.rollSize && c.wal.asyncFlushInterval == d.wal.asyncFlushInterval && c.wal.hsync == nil)
        #expect(c.wal.preallocationChunk == d.wal.preallocationChunk && c.wal.syncers == d.wal.syncers && c.wal.syncerThread == d.wal.syncerThread)
    }

    @Test func flushKeysAndTheirLimits() throws {
        let p = try StorageSettings.flush(BasaltConfiguration(), memory: 1000 << 20)
        #expect(p.flushSize == 128 << 20)
        #expect(p.blockingSize == 512 << 20)
        #expect(p.globalLimit == 400 << 20)
        #expect(p.globalLowerLimit == Int(Double(400 << 20) * 0.95))
        #expect(p.maxLogs == 32)
        #expect(p.periodicFlushInterval == 3_600_000)
        var values = ["hbase.hregion.memstore.flush.size": "1024", "hbase.hregion.memstore.block.multiplier": "3", "hbase.regionserver.maxlogs": "5"]
        let q = try StorageSettings.flush(BasaltConfiguration(values), memory: 1 << 20)
        #expect(q.flushSize == 1024 && q.blockingSize == 3072 && q.maxLogs == 5)
        values["hbase.regionserver.global.memstore.size"] = "1.5"
        #expect(throws: StorageError.self) { try StorageSettings.flush(BasaltConfiguration(values), memory: 1 << 20) }
    }

    @Test func theFlushSizeReachesSplitsAndCompactions() throws {
        let c = try StorageSettings.engine(BasaltConfiguration(["hbase.hregion.memstore.flush.size": "4096"]))
        #expect(c.flush.flushSize == 4096 && c.split.flushSize == 4096 && c.region.compaction.minCompactSize == 4096)
        let own = try StorageSettings.compaction(BasaltConfiguration(["hbase.hregion.memstore.flush.size": "4096", "hbase.hstore.compaction.min.size": "99"]))
        #expect(own.minCompactSize == 99)
    }

    @Test func splitPolicyByHBaseClassName() throws {
        var conf = BasaltConfiguration()
        conf["hbase.regionserver.region.split.policy"] = "org.apache.hadoop.hbase.regionserver.DisabledRegionSplitPolicy"
        #expect(!(try StorageSettings.split(conf)).shouldSplit(largestStore: .max, tableRegionsOnServer: 1))
        conf["hbase.regionserver.region.split.policy"] = "Nope"
        #expect(throws: StorageError.self) { try StorageSettings.split(conf) }
    }

    @Test func walKeys() throws {
        let w = try StorageSettings.wal(BasaltConfiguration(["hbase.regionserver.hlog.blocksize": "1048576", "hbase.regionserver.logroll.multiplier": "2", "hbase.wal.hsync": "true"]))
        #expect(w.rollSize == 2 << 20 && w.hsync == true)
        #expect(throws: (any Error).self) { try StorageSettings.wal(BasaltConfiguration(["hbase.wal.async.flush.interval.ms": "soon"])) }
    }

    @Test func theFenceCommand() throws {
        var conf = BasaltConfiguration()
        #expect(try StorageSettings.fence(conf) == nil)
        conf[FenceCommand.commandKey] = "ceph tell mds.* client evict id={owner}"
        conf[FenceCommand.timeoutKey] = "5000"
        let command = try #require(try StorageSettings.fence(conf))
        #expect(command.arguments(owner: "4218") == ["ceph", "tell", "mds.*", "client", "evict", "id=4218"])
        #expect(command.timeout == .seconds(5))
        conf[FenceCommand.timeoutKey] = "0"
        #expect(throws: StorageError.self) { try StorageSettings.fence(conf) }
    }

    @Test func badValuesNameTheirKey() {
        #expect(throws: StorageError.self) { try StorageSettings.engine(BasaltConfiguration(["hfile.block.cache.size": "1.2"])) }
        #expect(throws: StorageError.self) { try StorageSettings.engine(BasaltConfiguration(["basalt.memory": "1024"])) }
    }
}
