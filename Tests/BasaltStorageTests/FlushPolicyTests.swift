import BasaltCore
import Testing
@testable import BasaltStorage

/// The flush triggers and compaction selection as pure decisions.
@Suite struct FlushPolicyTests {
    @Test func sizeAndBlockingTriggers() {
        var p = FlushPolicy()
        p.flushSize = 100
        p.blockMultiplier = 4
        #expect(!p.regionNeedsFlush(memStoreSize: 99))
        #expect(p.regionNeedsFlush(memStoreSize: 100))
        #expect(!p.regionMustBlock(memStoreSize: 399))
        #expect(p.regionMustBlock(memStoreSize: 400))
    }

    @Test func globalTriggerFlushesLargestUntilBelowLowerLimit() {
        var p = FlushPolicy()
        p.globalLimit = 1000
        p.globalLowerLimit = 950
        let regions = [(id: "a", size: 100), (id: "b", size: 500), (id: "c", size: 300), (id: "d", size: 150)]
        #expect(p.globalFlushTargets(regions, totalSize: 999).isEmpty)
        #expect(!p.globalMustBlock(totalSize: 999))
        #expect(p.globalMustBlock(totalSize: 1050))
        // 1050 - 500 = 550 < 950: one region is enough.
        #expect(p.globalFlushTargets(regions, totalSize: 1050) == ["b"])
        p.globalLowerLimit = 300
        // 1050 - 500 - 300 = 250 < 300.
        #expect(p.globalFlushTargets(regions, totalSize: 1050) == ["b", "c"])
    }

    @Test func walAndPeriodicTriggers() {
        var p = FlushPolicy()
        p.maxLogs = 3
        #expect(p.walFlushTargets(walFileCount: 3, regionsInOldestFile: ["a"]).isEmpty)
        #expect(p.walFlushTargets(walFileCount: 4, regionsInOldestFile: ["a", "b"]) == ["a", "b"])
        p.periodicFlushInterval = 1000
        let r: [(id: String, oldestEdit: Int64?)] = [("a", 100), ("b", nil), ("c", 5000)]
        #expect(p.periodicFlushTargets(r, now: 5500) == ["a"])
        p.periodicFlushInterval = 0
        #expect(p.periodicFlushTargets(r, now: 1 << 40).isEmpty)
    }

    @Test func ratioSelectionSkipsLargeOldFiles() {
        var c = CompactionPolicy()
        c.minCompactSize = 10
        #expect(c.selectMinor(sizes: [5, 5]) == nil)
        #expect(c.selectMinor(sizes: [5, 5, 5]) == 0..<3)
        // 1000 > 1.2 × (20 + 20 + 20): skipped; the three small ones qualify.
        #expect(c.selectMinor(sizes: [1000, 20, 20, 20]) == 1..<4)
        // After skipping, fewer than min remain.
        #expect(c.selectMinor(sizes: [1000, 100, 20, 20]) == nil)
        // A large old file still joins when the newer ones together are large enough.
        #expect(c.selectMinor(sizes: [1000, 900, 20, 20]) == 0..<4)
        // At most maxFiles.
        c.maxFiles = 4
        #expect(c.selectMinor(sizes: Array(repeating: 5, count: 9)) == 0..<4)
        // Small files (below minCompactSize) always qualify.
        c.minCompactSize = 2000
        #expect(c.selectMinor(sizes: [1000, 20, 20]) == 0..<3)
    }

    @Test func majorCompactionIsDueAfterThePeriod() {
        var c = CompactionPolicy()
        c.majorPeriod = 1000
        #expect(!c.isMajorDue(oldestCreatedAt: nil, fileCount: 0, singleFileIsMajor: false, now: 5000))
        #expect(!c.isMajorDue(oldestCreatedAt: 4500, fileCount: 2, singleFileIsMajor: false, now: 5000))
        #expect(c.isMajorDue(oldestCreatedAt: 3000, fileCount: 2, singleFileIsMajor: false, now: 5000))
        #expect(!c.isMajorDue(oldestCreatedAt: 3000, fileCount: 1, singleFileIsMajor: true, now: 5000))
        c.majorPeriod = 0
        #expect(!c.isMajorDue(oldestCreatedAt: 0, fileCount: 5, singleFileIsMajor: false, now: 1 << 40))
        #expect(CompactionPolicy().mustBlockWrites(fileCount: 16))
        #expect(!CompactionPolicy().mustBlockWrites(fileCount: 15))
    }
}
