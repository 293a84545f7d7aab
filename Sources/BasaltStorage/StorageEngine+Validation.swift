extension StorageEngine.Configuration {
    /// Refuses settings the engine cannot run with, before anything is opened: a reader of HBase's keys
    /// (`StorageSettings`) already brings them into range, but an embedder may set the fields directly.
    public func validate() throws {
        func refuse(_ what: String) -> StorageError { StorageError(.invalidArgument, "storage configuration: \(what)") }
        guard memory > 0 else { throw refuse("memory is \(memory); it must be positive") }
        guard flush.flushSize > 0 else { throw refuse("flush.flushSize is \(flush.flushSize); it must be positive") }
        guard flush.blockMultiplier >= 1, flush.flushSize.multipliedReportingOverflow(by: flush.blockMultiplier).overflow == false else {
            throw refuse("flush.blockMultiplier is \(flush.blockMultiplier); it must be at least 1, and times the flush size fit in an Int")
        }
        guard flush.globalLimit > 0, flush.globalLowerLimit > 0, flush.globalLowerLimit <= flush.globalLimit else {
            throw refuse("flush.globalLimit (\(flush.globalLimit)) and flush.globalLowerLimit (\(flush.globalLowerLimit)) must be positive, the lower at most the limit")
        }
        let c = region.compaction
        guard c.minFiles >= 2, c.maxFiles >= c.minFiles else {
            throw refuse("region.compaction.minFiles (\(c.minFiles)) must be at least 2 and maxFiles (\(c.maxFiles)) at least minFiles")
        }
        guard c.ratio > 0, c.ratio.isFinite else { throw refuse("region.compaction.ratio is \(c.ratio); it must be a positive number") }
        guard split.maxFileSize > 0 else { throw refuse("split.maxFileSize is \(split.maxFileSize); it must be positive") }
        guard flusherThreads >= 1 else { throw refuse("flusherThreads is \(flusherThreads); it must be at least 1") }
        // No compaction threads is allowed: stores then compact only when asked to.
        guard compactionThreads >= 0 else { throw refuse("compactionThreads is \(compactionThreads); it must not be negative") }
        guard (0...1).contains(blockCacheFraction) else { throw refuse("blockCacheFraction is \(blockCacheFraction); it must be from 0 to 1") }
        guard wal.rollSize > 0 else { throw refuse("wal.rollSize is \(wal.rollSize); it must be positive") }
    }
}
