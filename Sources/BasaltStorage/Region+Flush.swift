import BasaltCore
import Foundation

/// Flushing, compacting and the write-path resource checks of a region.
extension Region {
    /// The sequence id up to which every edit of the region is in HFiles.
    public var flushedSequenceId: UInt64 { flushedSequenceIdStorage.load(ordering: .acquiring) }
    /// MemStore bytes as the flush triggers count them.
    public var memStoreSize: Int { memStoreAccounted.load(ordering: .relaxed) }
    /// Wall-clock ms of the oldest unflushed edit; nil when everything is flushed.
    package var oldestUnflushedEditTime: Int64? {
        let t = oldestUnflushedEdit.load(ordering: .relaxed)
        return t == 0 ? nil : t
    }
    /// The most HFiles any store of the region holds.
    package var storeFileCountMax: Int { maxStoreFiles.load(ordering: .relaxed) }
    /// Bytes in the region's store files, over all families.
    public var storeFileSize: Int { stores.reduce(0) { $0 + $1.storeFileSize } }
    /// Store files over all families.
    public var storeFileCount: Int { stores.reduce(0) { $0 + $1.fileCount } }
    /// Gets and scans served since the region opened.
    public var readRequestCount: Int { requestCount(.get) + requestCount(.scan) }
    /// Write batches applied since the region opened.
    public var writeRequestCount: Int { RegionOperation.allCases.filter { !$0.isRead }.reduce(0) { $0 + requestCount($1) } }
    /// Requests of one kind served since the region opened.
    package func requestCount(_ op: RegionOperation) -> Int { requests.value(op) }

    /// Writes the MemStores to HFiles: snapshot (with writes held off for an instant) → one HFile per
    /// store (temporary name, fsync, rename) → each store swaps its snapshot for the file → the region
    /// records its flushed sequence id → the WAL may archive files whose edits are all flushed.
    /// Returns false when there was nothing to flush. A failed flush keeps its snapshot; the next
    /// flush writes it again.
    @discardableResult
    public func flush() throws -> Bool {
        guard files != nil else { throw StorageError(.invalidArgument, "region \(info.regionNameAsString) has no data folder: it cannot flush") }
        let released: Int? = try flushLock.withLock {
            try checkOpen()
            // The MemStores may hold a write that failed; only WAL replay knows what is durable.
            if lifecycle.load(ordering: .relaxed) == .writesStopped {
                throw StorageError(.walFailed, "region \(info.regionNameAsString) cannot flush after a WAL failure; reopen it to recover from the WAL")
            }
            if flushState.pending == nil {
                flushState.pending = updatesLock.withWriteLock { () -> (UInt64, Int, Int64)? in
                    var any = false
                    for s in stores where s.memStore.snapshot() { any = true }
                    guard any else { return nil }
                    let oldest = oldestUnflushedEdit.exchange(0, ordering: .relaxed)
                    return (mvcc.highestIssued, memStoreAccounted.load(ordering: .relaxed), oldest)
                }
            }
            guard let p = flushState.pending else { return nil }
            let now = clock()
            do {
                for s in stores where s.memStore.snapshotCellCount > 0 {
                    let file = try s.writeSnapshot(sequenceId: p.sequenceId, now: now)
                    s.commitFlush(file)
                }
            } catch {
                if p.oldestEdit != 0 {
                    // The snapshot's edits are still unflushed: keep the periodic trigger aware of them.
                    let cur = oldestUnflushedEdit.load(ordering: .relaxed)
                    if cur == 0 || cur > p.oldestEdit { oldestUnflushedEdit.store(p.oldestEdit, ordering: .relaxed) }
                }
                logger.error("flush failed", metadata: ["region": "\(info.encodedName)", "error": "\(error)"])
                throw error
            }
            flushState.pending = nil
            memStoreAccounted.subtract(p.accounted, ordering: .relaxed)
            flushedSequenceIdStorage.store(p.sequenceId, ordering: .releasing)
            maxStoreFiles.store(stores.map(\.fileCount).max() ?? 0, ordering: .relaxed)
            flushRequested.store(false, ordering: .relaxed)
            logger.debug("flushed", metadata: ["region": "\(info.encodedName)", "sequenceId": "\(p.sequenceId)", "bytes": "\(p.accounted)"])
            return p.accounted
        }
        guard let released else { return false }
        try wal?.regionFlushed(encodedRegionName: encodedNameBytes, sequenceId: flushedSequenceId)
        wakeWaiters()
        host?.regionFlushed(self, released: released)
        return true
    }

    /// Compacts each store: `major` rewrites all its files (dropping deleted, expired and surplus
    /// versions); otherwise the ratio-based selection picks files, if any qualify. Reads go on meanwhile.
    /// Returns the number of stores compacted. `family` limits it to one column family.
    @discardableResult
    public func compact(major: Bool, family: [UInt8]? = nil) throws -> Int {
        guard files != nil else { throw StorageError(.invalidArgument, "region \(info.regionNameAsString) has no data folder: it cannot compact") }
        try checkOpen()
        if let family, store(named: family) == nil {
            throw StorageError(.noSuchColumnFamily, "column family '\(Bytes.toStringBinary(family))' does not exist in table '\(info.table)'; it has \(descriptor.families.map(\.nameAsString))")
        }
        let policy = configuration.compaction
        var done = 0
        for store in stores where family == nil || store.family.name == family {
            func claim() -> [HFileReader]? {
                store.beginCompaction { files in
                    // Claimed under the store's lock: a region closing after this waits for the compaction.
                    if isClosed { return nil }
                    if major { return files.isEmpty ? nil : files }
                    guard let range = policy.selectMinor(sizes: files.map(\.info.dataBytes)) else { return nil }
                    return Array(files[range])
                }
            }
            var chosen = claim()
            // A major compaction asked for while another compaction of the store runs waits for it and
            // then takes every file, rather than doing nothing.
            while major, chosen == nil, store.isCompacting, !isClosed {
                store.waitForCompaction()
                chosen = claim()
            }
            guard let inputs = chosen else { continue }
            let all = store.fileCount == inputs.count
            var output: HFileReader?
            defer { store.endCompaction(inputs: inputs, output: output) }
            do {
                output = try Compactor.compact(store: store, inputs: inputs, major: major && all, range: info, now: clock())
            } catch {
                logger.error("compaction failed", metadata: ["region": "\(info.encodedName)", "family": "\(store.family.nameAsString)", "error": "\(error)"])
                throw error
            }
            done += 1
        }
        if done > 0 {
            maxStoreFiles.store(stores.map(\.fileCount).max() ?? 0, ordering: .relaxed)
            wakeWaiters()
        }
        return done
    }

    /// After an open that replayed recovered edits: flushes them into HFiles, then deletes the edits files
    /// (until then they are the only durable copy of those edits).
    package func persistRecoveredEdits() throws {
        guard !recoveredEditsFiles.isEmpty, let files else { return }
        _ = try flush()
        for path in recoveredEditsFiles { try files.fileSystem.delete(path) }
        logger.info("persisted recovered edits", metadata: ["region": "\(info.encodedName)", "files": "\(recoveredEditsFiles.count)"])
    }

    /// Flushes while writes still flow (the bulk of the MemStores), then stops writes and flushes what
    /// arrived meanwhile, then closes: every acknowledged write is in an HFile when this returns.
    package func flushAndClose() throws {
        if files != nil && lifecycle.load(ordering: .relaxed) != .writesStopped {
            try flush()
            updatesLock.withWriteLock { _ = lifecycle.compareExchange(expected: .open, desired: .closingWrites, ordering: .relaxed) }
            do {
                try flush()
            } catch {
                _ = lifecycle.compareExchange(expected: .closingWrites, desired: .open, ordering: .relaxed)
                throw error
            }
        }
        close()
        wakeWaiters()
    }

    func wakeWaiters() {
        resourceCondition.lock()
        resourceCondition.broadcast()
        resourceCondition.unlock()
    }

    /// Before a write: waits while the region holds too much unflushed data (multiplier × flush size,
    /// failing with `REGION_TOO_BUSY` after `busyWaitDuration`) or, up to `blockingWaitTime`, while a
    /// store has too many files; the host adds the global memory check.
    func checkResources() throws {
        guard let host else { return }
        try host.admit(self)
    }

    /// Waits on the region's condition until `ready()` or the deadline; returns whether it became ready.
    func waitForResources(until deadline: Date, _ ready: () -> Bool) -> Bool {
        resourceCondition.lock()
        defer { resourceCondition.unlock() }
        while !ready() {
            if isClosed { return true }
            if !resourceCondition.wait(until: min(deadline, Date().addingTimeInterval(0.1))) && Date() >= deadline { return ready() }
        }
        return true
    }
}
