import BasaltCore

/// What a region asks of the engine that owns it (`StorageEngine`, later the region server): the shared
/// memory budget and the flush and compaction schedulers. Called on the write path, so implementations
/// keep the common case to a few atomic operations. Implementations are safe to share across threads.
package protocol RegionHost: AnyObject, Sendable {
    /// A write added `bytes` to the region's MemStores, which now hold `regionSize`.
    func memStoreGrew(_ region: Region, by bytes: Int, regionSize: Int)
    /// Before a write: returns when it may proceed; throws `regionTooBusy` when a wait for memory
    /// timed out.
    func admit(_ region: Region) throws
    /// A flush of the region completed, releasing `bytes` of MemStore.
    func regionFlushed(_ region: Region, released bytes: Int)
}
