/// Anything the cache can hold: immutable, shareable, knows its memory footprint.
package protocol CacheableBlock: AnyObject, Sendable { var heapSize: Int { get } }

/// Identifies one block: the file it was read from and where in that file it starts.
package struct BlockCacheKey: Hashable, Sendable {
    package let fileId: UInt64   // unique per open HFile
    package let offset: Int64    // block offset in the file
    package init(fileId: UInt64, offset: Int64) {
        self.fileId = fileId
        self.offset = offset
    }
}

/// A byte-bounded LRU cache of file blocks, split into independently locked shards.
///
/// Each shard keeps two recency lists. New blocks enter `single`; a block that is looked up
/// again after insertion moves to `multi`. Eviction drains `single` first for as long as it
/// holds more than a quarter of the shard, so a long one-pass scan recycles its own blocks
/// instead of pushing out blocks that have proven to be reused.
package final class BlockCache: @unchecked Sendable {
    package struct Statistics: Sendable, Equatable {
        package var hits: Int
        package var misses: Int
        package var evictions: Int
        package var size: Int      // bytes held (sum of heapSize of cached blocks)
        package var count: Int     // blocks held
        package var capacity: Int
        /// Fraction of lookups that found their block; 0 before any lookup.
        package var hitRatio: Double {
            let total = hits + misses
            return total == 0 ? 0 : Double(hits) / Double(total)
        }
    }

    /// Total capacity in bytes over all shards.
    package let capacity: Int
    private let shards: [Shard]

    /// - Parameters:
    ///   - capacity: the byte budget; 0 (or less) caches nothing.
    ///   - shards: how many independently locked partitions to use (at least 1). The budget is
    ///     split evenly, so a block must fit in `capacity / shards` bytes to be cached.
    package init(capacity: Int, shards: Int = 16) {
        let total = max(capacity, 0)
        let n = max(shards, 1)
        self.capacity = total
        // Spread the remainder over the first shards so the shard budgets add up to `capacity`.
        self.shards = (0..<n).map { i in Shard(capacity: total / n + (i < total % n ? 1 : 0)) }
    }

    /// Looks a block up; counts a hit or a miss. A hit on a block seen once promotes it to the multi-access segment.
    package func get(_ key: BlockCacheKey) -> (any CacheableBlock)? {
        shard(for: key).withLock { $0.get(key) }
    }

    /// Adds a block (replacing none if the key is already cached: keep the existing one). Evicts to stay within capacity. Blocks larger than a shard's capacity are not cached.
    package func put(_ key: BlockCacheKey, _ block: any CacheableBlock) {
        shard(for: key).withLock { $0.put(key, block) }
    }

    /// Drops every block of one file (when the file is deleted); returns how many.
    /// These removals are not counted as evictions, which only track pressure-driven drops.
    @discardableResult public func evictBlocks(fileId: UInt64) -> Int {
        var removed = 0
        for shard in shards {
            removed += shard.withLock { $0.removeAll(fileId: fileId) }
        }
        return removed
    }

    /// A snapshot summed over the shards (each shard is read under its own lock, so under
    /// concurrent traffic the totals are not one atomic instant).
    package var statistics: Statistics {
        var s = Statistics(hits: 0, misses: 0, evictions: 0, size: 0, count: 0, capacity: capacity)
        for shard in shards {
            shard.withLock { st in
                s.hits += st.hits
                s.misses += st.misses
                s.evictions += st.evictions
                s.size += st.single.bytes + st.multi.bytes
                s.count += st.nodes.count
            }
        }
        return s
    }

    @inline(__always) private func shard(for key: BlockCacheKey) -> Shard {
        if shards.count == 1 { return shards[0] }
        // A cheap 64-bit mixer (splitmix finaliser) so neighbouring offsets land on different shards.
        var h = (key.fileId &* 0x9E37_79B9_7F4A_7C15) ^ UInt64(bitPattern: key.offset)
        h = (h ^ (h >> 30)) &* 0xBF58_476D_1CE4_E5B9
        h = (h ^ (h >> 27)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 31
        return shards[Int(h % UInt64(shards.count))]
    }
}

/// One partition: its own `Lock` (a pthread mutex, which ThreadSanitizer understands on Linux, unlike
/// `Synchronization.Mutex`) around its own index and lists. `state` is only touched inside `withLock`,
/// which is what makes sharing it safe.
private final class Shard: @unchecked Sendable {
    private let lock = Lock(rank: .leaf)
    private var state: ShardState

    init(capacity: Int) { state = ShardState(capacity: capacity) }

    @inline(__always) func withLock<R>(_ body: (inout ShardState) -> R) -> R {
        lock.withLock { body(&state) }
    }
}

/// A cached entry and its place in one of the recency lists. The shard's dictionary is the
/// only owner; the links are non-owning, so a node must be unlinked before the dictionary
/// lets go of it, and an unlinked node has both links cleared.
private final class BlockNode {
    let key: BlockCacheKey
    let block: any CacheableBlock
    let size: Int
    var inMulti = false
    unowned(unsafe) var prev: BlockNode?
    unowned(unsafe) var next: BlockNode?

    init(key: BlockCacheKey, block: any CacheableBlock, size: Int) {
        self.key = key
        self.block = block
        self.size = size
    }
}

/// An intrusive doubly-linked recency list: `head` is most recently used, `tail` least.
private struct RecencyList {
    unowned(unsafe) var head: BlockNode?
    unowned(unsafe) var tail: BlockNode?
    var bytes = 0

    mutating func pushFront(_ node: BlockNode) {
        node.prev = nil
        node.next = head
        if let h = head { h.prev = node } else { tail = node }
        head = node
        bytes += node.size
    }

    mutating func unlink(_ node: BlockNode) {
        if let p = node.prev { p.next = node.next } else { head = node.next }
        if let n = node.next { n.prev = node.prev } else { tail = node.prev }
        node.prev = nil
        node.next = nil
        bytes -= node.size
    }
}

/// Everything one shard guards.
private struct ShardState {
    let capacity: Int
    var nodes: [BlockCacheKey: BlockNode] = [:]
    var single = RecencyList()
    var multi = RecencyList()
    var hits = 0
    var misses = 0
    var evictions = 0

    init(capacity: Int) { self.capacity = capacity }

    mutating func get(_ key: BlockCacheKey) -> (any CacheableBlock)? {
        guard let node = nodes[key] else {
            misses += 1
            return nil
        }
        hits += 1
        if node.inMulti {
            if multi.head !== node {
                multi.unlink(node)
                multi.pushFront(node)
            }
        } else {
            single.unlink(node)
            node.inMulti = true
            multi.pushFront(node)
        }
        return node.block
    }

    mutating func put(_ key: BlockCacheKey, _ block: any CacheableBlock) {
        let size = max(block.heapSize, 0)
        guard capacity > 0, size <= capacity, nodes[key] == nil else { return }
        while single.bytes + multi.bytes + size > capacity, evictOne() {}
        let node = BlockNode(key: key, block: block, size: size)
        nodes[key] = node
        single.pushFront(node)
        assert(single.bytes + multi.bytes <= capacity, "block cache shard over its capacity")
    }

    /// Drops one least-recently-used block, preferring `single` while it is over a quarter of
    /// the shard. Returns false when nothing is left to drop.
    private mutating func evictOne() -> Bool {
        let preferSingle = single.bytes > capacity / 4
        let victim: BlockNode?
        if preferSingle {
            victim = single.tail ?? multi.tail
        } else {
            victim = multi.tail ?? single.tail
        }
        guard let node = victim else { return false }
        remove(node)
        evictions += 1
        return true
    }

    private mutating func remove(_ node: BlockNode) {
        if node.inMulti { multi.unlink(node) } else { single.unlink(node) }
        nodes.removeValue(forKey: node.key)
    }

    mutating func removeAll(fileId: UInt64) -> Int {
        var removed = 0
        // Walk both lists rather than the dictionary so nodes can be dropped while iterating.
        for startInMulti in [false, true] {
            var cursor = startInMulti ? multi.head : single.head
            while let node = cursor {
                cursor = node.next
                if node.key.fileId == fileId {
                    remove(node)
                    removed += 1
                }
            }
        }
        return removed
    }
}
