import Dispatch
import Synchronization
import Testing
@testable import BasaltStorage

final class TestBlock: CacheableBlock {
    let heapSize: Int
    let tag: Int
    init(heapSize: Int, tag: Int = 0) {
        self.heapSize = heapSize
        self.tag = tag
    }
}

@Suite struct BlockCacheTests {
    func key(_ offset: Int64, file: UInt64 = 1) -> BlockCacheKey { BlockCacheKey(fileId: file, offset: offset) }

    func tag(_ cache: BlockCache, _ k: BlockCacheKey) -> Int? { (cache.get(k) as? TestBlock)?.tag }

    @Test func putGetRoundTripAndStatistics() {
        let cache = BlockCache(capacity: 1000, shards: 4)
        cache.put(key(0), TestBlock(heapSize: 10, tag: 7))
        cache.put(key(64), TestBlock(heapSize: 20, tag: 8))
        #expect(tag(cache, key(0)) == 7)
        #expect(tag(cache, key(64)) == 8)
        #expect(cache.get(key(128)) == nil)
        #expect(cache.get(key(0, file: 2)) == nil)
        let s = cache.statistics
        #expect(s.hits == 2)
        #expect(s.misses == 2)
        #expect(s.count == 2)
        #expect(s.size == 30)
        #expect(s.evictions == 0)
        #expect(s.capacity == 1000)
        #expect(cache.capacity == 1000)
        #expect(s.hitRatio == 0.5)
        #expect(BlockCache(capacity: 10).statistics.hitRatio == 0)
    }

    @Test func duplicatePutKeepsExistingBlock() {
        let cache = BlockCache(capacity: 1000, shards: 1)
        cache.put(key(0), TestBlock(heapSize: 10, tag: 1))
        cache.put(key(0), TestBlock(heapSize: 50, tag: 2))
        #expect(tag(cache, key(0)) == 1)
        #expect(cache.statistics.size == 10)
        #expect(cache.statistics.count == 1)
    }

    @Test func zeroCapacityCachesNothing() {
        let cache = BlockCache(capacity: 0)
        cache.put(key(0), TestBlock(heapSize: 1))
        cache.put(key(1), TestBlock(heapSize: 0))
        #expect(cache.get(key(0)) == nil)
        #expect(cache.get(key(1)) == nil)
        #expect(cache.statistics.count == 0)
        #expect(cache.statistics.size == 0)
    }

    @Test func capacityIsRespected() {
        let cache = BlockCache(capacity: 1000, shards: 4)
        for i in 0..<500 {
            cache.put(key(Int64(i) * 100), TestBlock(heapSize: 10 + i % 13, tag: i))
            #expect(cache.statistics.size <= 1000)
        }
        let s = cache.statistics
        #expect(s.size <= 1000)
        #expect(s.size > 500)  // a quarter-full shard would mean eviction is too eager
        #expect(s.evictions > 0)
        #expect(s.count + s.evictions == 500)
    }

    @Test func singleSegmentEvictsLeastRecentlyInsertedFirst() {
        let cache = BlockCache(capacity: 100, shards: 1)
        for i in 0..<10 { cache.put(key(Int64(i)), TestBlock(heapSize: 10, tag: i)) }
        #expect(cache.statistics.size == 100)
        cache.put(key(10), TestBlock(heapSize: 10, tag: 10))
        #expect(cache.statistics.evictions == 1)
        cache.put(key(11), TestBlock(heapSize: 15, tag: 11))  // needs two slots
        #expect(cache.statistics.evictions == 3)
        #expect(cache.statistics.size == 95)
        #expect(cache.get(key(0)) == nil)
        #expect(cache.get(key(1)) == nil)
        #expect(cache.get(key(2)) == nil)
        for i in 3...11 { #expect(tag(cache, key(Int64(i))) == i) }
    }

    @Test func hitsReorderMultiSegment() {
        let cache = BlockCache(capacity: 100, shards: 1)
        for i in 0..<10 { cache.put(key(Int64(i)), TestBlock(heapSize: 10, tag: i)) }
        for i in 0..<8 { #expect(tag(cache, key(Int64(i))) == i) }  // 0...7 promoted; single = 8, 9 (20 bytes)
        #expect(tag(cache, key(0)) == 0)  // 0 becomes most recent in multi; 1 is now the oldest
        cache.put(key(10), TestBlock(heapSize: 10, tag: 10))
        // single holds only 20% of the shard, so the victim comes from multi's cold end.
        #expect(cache.get(key(1)) == nil)
        #expect(tag(cache, key(0)) == 0)
        #expect(tag(cache, key(2)) == 2)
        #expect(cache.statistics.evictions == 1)
    }

    @Test func scanDoesNotEvictReusedBlocks() {
        let cache = BlockCache(capacity: 1000, shards: 1)
        let a = key(0, file: 9), b = key(1, file: 9)
        cache.put(a, TestBlock(heapSize: 100, tag: 1))
        cache.put(b, TestBlock(heapSize: 100, tag: 2))
        #expect(tag(cache, a) == 1)
        #expect(tag(cache, b) == 2)
        for i in 0..<100 { cache.put(key(Int64(i)), TestBlock(heapSize: 50, tag: i)) }  // 5x capacity, each read once
        #expect(tag(cache, a) == 1)
        #expect(tag(cache, b) == 2)
        #expect(cache.statistics.size <= 1000)
        #expect(cache.statistics.evictions > 0)
    }

    @Test func scanEvictsBlocksThatWereNeverReused() {
        // Control for the test above: without the promoting hits, the scan pushes A and B out.
        let cache = BlockCache(capacity: 1000, shards: 1)
        let a = key(0, file: 9), b = key(1, file: 9)
        cache.put(a, TestBlock(heapSize: 100, tag: 1))
        cache.put(b, TestBlock(heapSize: 100, tag: 2))
        for i in 0..<100 { cache.put(key(Int64(i)), TestBlock(heapSize: 50, tag: i)) }
        #expect(cache.get(a) == nil)
        #expect(cache.get(b) == nil)
    }

    @Test func oversizedBlockIsNotCachedAndEvictsNothing() {
        let cache = BlockCache(capacity: 100, shards: 1)
        for i in 0..<3 { cache.put(key(Int64(i)), TestBlock(heapSize: 30, tag: i)) }
        cache.put(key(99), TestBlock(heapSize: 101))
        #expect(cache.get(key(99)) == nil)
        let s = cache.statistics
        #expect(s.count == 3)
        #expect(s.size == 90)
        #expect(s.evictions == 0)
        // With shards the limit is a shard's share, not the whole budget.
        let sharded = BlockCache(capacity: 400, shards: 4)
        sharded.put(key(0), TestBlock(heapSize: 101))
        #expect(sharded.statistics.count == 0)
        sharded.put(key(0), TestBlock(heapSize: 100))
        #expect(sharded.statistics.count == 1)
    }

    @Test func evictBlocksByFileRemovesOnlyThatFile() {
        let cache = BlockCache(capacity: 10_000, shards: 4)
        for i in 0..<20 {
            cache.put(key(Int64(i), file: 1), TestBlock(heapSize: 10, tag: i))
            cache.put(key(Int64(i), file: 2), TestBlock(heapSize: 7, tag: 100 + i))
        }
        for i in 0..<10 { _ = cache.get(key(Int64(i), file: 1)) }  // some of file 1 in multi, some in single
        #expect(cache.evictBlocks(fileId: 1) == 20)
        let s = cache.statistics
        #expect(s.count == 20)
        #expect(s.size == 140)
        #expect(s.evictions == 0)
        for i in 0..<20 {
            #expect(cache.get(key(Int64(i), file: 1)) == nil)
            #expect(tag(cache, key(Int64(i), file: 2)) == 100 + i)
        }
        #expect(cache.evictBlocks(fileId: 1) == 0)
        #expect(cache.evictBlocks(fileId: 2) == 20)
        #expect(cache.statistics.size == 0)
        #expect(cache.statistics.count == 0)
    }

    static func blockSize(_ k: BlockCacheKey) -> Int { 16 + Int((k.offset + Int64(k.fileId)) % 7) * 8 }

    @Test func concurrentReadersAndWritersKeepConsistentStatistics() {
        let cache = BlockCache(capacity: 4096, shards: 4)
        let files: UInt64 = 4, offsets: Int64 = 64
        let iterations = 8, opsPerIteration = 4000
        let wrongBlocks = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: iterations) { worker in
            var state = UInt64(worker + 1) &* 0x9E37_79B9_7F4A_7C15
            for op in 0..<opsPerIteration {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let k = BlockCacheKey(fileId: (state >> 33) % files, offset: Int64((state >> 40) % UInt64(offsets)))
                if op % 2 == 0 {
                    cache.put(k, TestBlock(heapSize: Self.blockSize(k), tag: Int(k.offset)))
                } else if let block = cache.get(k) as? TestBlock,
                          block.heapSize != Self.blockSize(k) || block.tag != Int(k.offset) {
                    wrongBlocks.withLock { $0 += 1 }
                }
                if worker == 0 && op % 500 == 0 { _ = cache.evictBlocks(fileId: 3) }
            }
        }
        #expect(wrongBlocks.withLock { $0 } == 0)
        var s = cache.statistics
        #expect(s.hits + s.misses == iterations * opsPerIteration / 2)
        #expect(s.size <= s.capacity)
        // Reconstruct the contents by probing every possible key.
        var heldBytes = 0, held = 0
        for f in 0..<files {
            for o in 0..<offsets {
                let k = BlockCacheKey(fileId: f, offset: o)
                if let block = cache.get(k) {
                    heldBytes += block.heapSize
                    held += 1
                }
            }
        }
        s = cache.statistics
        #expect(heldBytes == s.size)
        #expect(held == s.count)
    }
}
