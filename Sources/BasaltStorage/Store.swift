import BasaltCore
import Foundation
import Logging

/// One column family of one region: its settings, its MemStore and its HFiles (oldest first).
///
/// The file list and the MemStore snapshot change together under `lock` (a flush adds the file and drops
/// the snapshot in one step), and a reader takes both under the same lock, so it never sees the data
/// twice or not at all. Safe to share across threads.
package final class Store: @unchecked Sendable {
    package let family: ColumnFamilyDescriptor
    package let memStore: MemStore
    /// How the table's rows sort; every file of the store is in this order.
    package let order: RowOrder
    let regionFiles: RegionFiles?
    let logger: Logger
    /// What `lock` guards (it also covers the MemStore's snapshot swap).
    private struct State {
        /// The store's files, oldest (lowest maximum sequence id) first.
        var files: [HFileReader] = []
        /// A compaction has claimed the store.
        var compacting = false
    }

    private let lock = Lock(rank: .store)
    private var state = State()
    /// Broadcast when a compaction ends, for `waitForCompaction`. `lock` may be taken while it is held,
    /// never the other way round.
    private let compactionEnded = RankedCondition(rank: .storeCompaction)
    /// Files that could not be opened and were set aside in `.corrupt/`.
    package private(set) var corruptFiles: [String] = []

    init(
        family: ColumnFamilyDescriptor, pool: MemStoreChunkPool, maxAllocation: Int, order: RowOrder, files regionFiles: RegionFiles?, logger: Logger
    ) throws {
        self.family = family
        self.order = order
        self.memStore = MemStore(pool: pool, maxAllocation: maxAllocation, order: order)
        self.regionFiles = regionFiles
        self.logger = logger
        if let regionFiles { try openFiles(regionFiles) }
    }

    /// Opens every HFile of the family folder. A file that cannot be opened is moved to `.corrupt/` and
    /// reported (the others still serve); inputs of a compaction whose output made it to disk are deleted.
    private func openFiles(_ rf: RegionFiles) throws {
        let fs = rf.fileSystem
        let dir = rf.familyDirectory(family)
        try fs.createDirectory(dir)
        var opened: [HFileReader] = []
        for name in try fs.list(dir) where !name.hasPrefix(".") {
            let path = joinPath(dir, name)
            do {
                opened.append(try HFileReader(fileSystem: fs, path: path, cache: rf.blockCache))
            } catch {
                let aside = joinPath(rf.directory, ".corrupt", String(decoding: family.name, as: UTF8.self))
                try fs.createDirectory(aside)
                try fs.rename(path, to: joinPath(aside, name))
                corruptFiles.append(name)
                logger.error("HFile cannot be opened; moved aside", metadata: ["file": "\(path)", "movedTo": "\(aside)", "error": "\(error)"])
            }
        }
        let superseded = Set(opened.flatMap(\.info.compactedFrom))
        for r in opened where superseded.contains(r.name) {
            logger.info("deleting a compacted file left by a crash", metadata: ["file": "\(r.path)"])
            r.markCompactedAway()
        }
        state.files = try opened.filter { !superseded.contains($0.name) }.map { r in
            guard r.order != order else { return r }
            // Written in another row order (hbase:meta files from before meta had its own): sort it again.
            logger.info("rewriting an HFile in the table's row order", metadata: ["file": "\(r.path)", "from": "\(r.order.name)", "to": "\(order.name)"])
            let rewritten = try rewriteInOrder(r, rf)
            r.markCompactedAway()
            return rewritten
        }
        state.files.sort { $0.info.maxSequenceId < $1.info.maxSequenceId }
    }

    /// A copy of `file` with its cells sorted in the store's order, replacing it (the copy names it in
    /// `compactedFrom`, so a crash before the original is deleted leaves the copy in charge).
    private func rewriteInOrder(_ file: HFileReader, _ rf: RegionFiles) throws -> HFileReader {
        var cells: [Cell] = []
        cells.reserveCapacity(file.info.cellCount)
        try file.forEachCell { cells.append($0); return true }
        cells.sort { CellComparator.compare($0, $1, order) < 0 }
        return try writeFile(rf, expectedKeys: cells.count, now: file.info.createdAt) { writer in
            var buffer: [UInt8] = []
            for c in cells {
                if buffer.count < c.encodedLength { buffer = [UInt8](repeating: 0, count: c.encodedLength) }
                try buffer.withUnsafeMutableBytes { b in
                    EncodedCell.write(c, to: b.baseAddress!)
                    try writer.append(EncodedCell(UnsafeRawPointer(b.baseAddress!)), sequenceId: c.sequenceId)
                }
            }
        } extra: { info in
            info.compactedFrom = [file.name]
            info.majorCompacted = file.info.majorCompacted
            info.maxSequenceId = max(info.maxSequenceId, file.info.maxSequenceId)
        }
    }

    /// The store's files, oldest first.
    package var storeFiles: [HFileReader] { lock.withLock { state.files } }
    package var fileCount: Int { lock.withLock { state.files.count } }
    /// The highest sequence id in this store's files: WAL edits at or below it are already on disk.
    package var flushedSequenceId: UInt64 { lock.withLock { state.files.last?.info.maxSequenceId ?? 0 } }
    /// Bytes of data blocks in the store's files.
    package var storeFileSize: Int { lock.withLock { state.files.reduce(0) { $0 + $1.info.dataBytes } } }

    /// A scanner over this store for one read, at `readPoint`, with TTL judged against `now` (ms).
    /// `row` (for a get) lets bloom filters skip files.
    func scanner(readPoint: UInt64, qualifiers: Set<[UInt8]>?, maxVersions: Int, timeRange: TimeRange, raw: Bool, now: Int64, row: [UInt8]? = nil, cacheBlocks: Bool = true) -> StoreScanner {
        let ttlCutoff: Int64 = family.timeToLive == ColumnFamilyDescriptor.forever ? .min : now - Int64(family.timeToLive) * 1000
        let sorted = qualifiers.map { $0.sorted { CellComparator.compareBytes($0, $1) < 0 } }
        let matcher = ScanQueryMatcher(
            maxVersions: min(maxVersions, raw ? Int.max : family.maxVersions), minVersions: family.minVersions,
            ttlCutoff: ttlCutoff, timeRange: timeRange, qualifiers: sorted, raw: raw)
        var sources: [any KeyValueScanner]
        let current: [HFileReader]
        (sources, current) = lock.withLock { (memStore.scanners(readPoint: readPoint), state.files) }
        let expiredBelow = family.minVersions == 0 && !raw ? ttlCutoff : .min
        for f in current.reversed() {
            if !f.mayContain(timeRange: timeRange) { continue }
            if f.info.maxTimestamp < expiredBelow { continue }
            if let row, !row.withUnsafeBytes({ f.mayContain(row: $0, qualifiers: qualifiers) }) { continue }
            sources.append(f.scanner(cacheBlocks: cacheBlocks))
        }
        return StoreScanner(family: family.name, sources: sources, matcher: matcher, order: order)
    }

    // MARK: flush

    /// Writes the MemStore snapshot to a new HFile (temporary name, fsync, rename), stamped with
    /// `sequenceId`, and returns it opened; nil when there is no snapshot or it is empty. The store does
    /// not use the file until `commitFlush`.
    func writeSnapshot(sequenceId: UInt64, now: Int64) throws -> HFileReader? {
        guard let rf = regionFiles else { throw StorageError(.invalidArgument, "this region has no data folder: it cannot flush") }
        let result: HFileReader?? = try memStore.withSnapshotCells { cells -> HFileReader? in
            guard !cells.isEmpty else { return nil }
            return try writeFile(rf, expectedKeys: cells.count, now: now) { writer in
                for (p, seq) in cells { try writer.append(EncodedCell(p), sequenceId: seq) }
            } extra: { info in
                info.maxSequenceId = max(info.maxSequenceId, sequenceId)
            }
        }
        return result ?? nil
    }

    /// Writes a file through `body` to `.tmp/`, fsyncs, renames it into the family folder and opens it.
    func writeFile(_ rf: RegionFiles, expectedKeys: Int, now: Int64, _ body: (HFileWriter) throws -> Void, extra: (inout HFileInfo) -> Void) throws -> HFileReader {
        let fs = rf.fileSystem
        let name = RegionFiles.newFileName()
        try fs.createDirectory(rf.temporaryDirectory)
        let tmp = joinPath(rf.temporaryDirectory, name)
        let writer = try HFileWriter(
            fileSystem: fs, path: tmp, blockSize: family.blockSize, bloomType: family.bloomFilter, expectedKeys: expectedKeys, createdAt: now,
            order: order)
        do {
            try body(writer)
            try writer.finish(extra: extra)
        } catch {
            writer.abort()
            try? fs.delete(tmp)
            throw error
        }
        let dir = rf.familyDirectory(family)
        let path = joinPath(dir, name)
        try fs.rename(tmp, to: path)
        try fs.syncDirectory(dir)
        return try HFileReader(fileSystem: fs, path: path, cache: rf.blockCache)
    }

    /// Puts a flushed file in service and drops the snapshot it came from, atomically for readers.
    func commitFlush(_ file: HFileReader?) {
        lock.withLock {
            if let file {
                state.files.append(file)
                state.files.sort { $0.info.maxSequenceId < $1.info.maxSequenceId }
            }
            memStore.clearSnapshot()
        }
    }

    // MARK: compaction

    /// Claims the store for a compaction of the files `select` picks from the current list (oldest
    /// first); nil when one is already running or nothing is picked.
    func beginCompaction(_ select: ([HFileReader]) -> [HFileReader]?) -> [HFileReader]? {
        lock.withLock {
            guard !state.compacting, let chosen = select(state.files), !chosen.isEmpty else { return nil }
            state.compacting = true
            return chosen
        }
    }

    /// Swaps a compaction's inputs for its output (nil when the compaction failed: nothing changes).
    func endCompaction(inputs: [HFileReader], output: HFileReader?) {
        lock.withLock {
            assert(state.compacting, "ending a compaction the store did not begin")
            state.compacting = false
            guard let output else { return }
            let gone = Set(inputs.map(\.name))
            state.files.removeAll { gone.contains($0.name) }
            state.files.append(output)
            state.files.sort { $0.info.maxSequenceId < $1.info.maxSequenceId }
        }
        compactionEnded.withLock { compactionEnded.broadcast() }
        if output != nil { for f in inputs { f.markCompactedAway() } }
    }

    /// Returns once no compaction of this store is running.
    func waitForCompaction() {
        compactionEnded.withLock {
            while isCompacting { compactionEnded.wait() }
        }
    }

    package var isCompacting: Bool { lock.withLock { state.compacting } }
}
