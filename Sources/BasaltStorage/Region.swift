import BasaltCore
import Foundation
import Logging
import Synchronization

/// A region: the rows [startKey, endKey) of one table, with one `Store` per column family, MVCC, row
/// locks and a shared `WAL`. The write path is the seeds': take the row lock, append to the WAL (as durable
/// as the mutation asks), insert into the MemStores, advance MVCC, release, acknowledge.
///
/// A `Region` can be opened in-process with no server: Basalt's embedded mode. Every method is
/// synchronous and may block (row locks, WAL group commit); call it from a thread, not from an event loop.
/// Safe to share across threads.
public final class Region: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// `hbase.server.keyvalue.maxsize`: the largest cell accepted.
        public var maxCellSize = 10 * 1024 * 1024
        /// HBase's limit on a row key (Short.MAX_VALUE bytes).
        public var maxRowLength = 32_767
        /// `hbase.rowlock.wait.duration`.
        public var rowLockTimeout: Duration = .seconds(30)
        /// `hbase.hregion.memstore.mslab.max.allocation`.
        public var mslabMaxAllocation = 256 * 1024
        /// Which files to compact, and when writes wait for a compaction.
        public var compaction = CompactionPolicy()
        /// `hbase.busy.wait.duration`: longest a write waits for memory (a flush) before failing with
        /// `REGION_TOO_BUSY`.
        public var busyWaitDuration: Duration = .seconds(60)
        /// `hbase.hstore.blockingWaitTime`: longest a write waits for a compaction while a store has too
        /// many files; after it the write proceeds.
        public var blockingWaitTime: Duration = .milliseconds(90_000)

        public init() {}

    }

    public let info: RegionInfo
    public let descriptor: TableDescriptor
    public let configuration: Configuration
    let stores: [Store]
    let wal: WAL?
    let mvcc: MVCC
    let rowLocks: RowLocks
    let updatesLock = ReadWriteLock(rank: .regionUpdates)
    let clock: @Sendable () -> Int64
    let logger: Logger
    let encodedNameBytes: [UInt8]
    let tableNameBytes: [UInt8]
    /// Where a region is in its life. `open` → `closingWrites` (under the updates lock, when a close
    /// begins: writes are refused, reads go on) → `closed`, or back to `open` when the last flush before
    /// the close fails; `open` → `writesStopped` when the WAL failed under a write (reads go on, writes
    /// are refused until the region is reopened) → `closed`. Any state may go to `closed`.
    enum Lifecycle: UInt8, AtomicRepresentable {
        case open
        case closingWrites
        case writesStopped
        case closed
    }
    let lifecycle = Atomic<Lifecycle>(.open)
    /// Where the region's HFiles live; nil for a MemStore-only region (it cannot flush).
    package let files: RegionFiles?
    /// The recovered-edits files (from a dead server's WAL) replayed at open; `persistRecoveredEdits`
    /// flushes them into HFiles and deletes them.
    package let recoveredEditsFiles: [String]
    /// The engine that owns this region (memory budget, flush and compaction scheduling), if any.
    weak var host: (any RegionHost)?
    /// Bytes the MemStores hold, as the flush triggers count them (cell bytes plus index overhead).
    let memStoreAccounted = Atomic<Int>(0)
    /// Wall-clock ms of the oldest edit not yet flushed; 0 when there is none.
    let oldestUnflushedEdit = Atomic<Int64>(0)
    /// Set once a split has been asked for, cleared by `splitRequestEnded()`.
    let splitRequested = Atomic<Bool>(false)
    /// Set once a flush has been asked for, cleared when one completes.
    let flushRequested = Atomic<Bool>(false)
    /// The most files any store holds (kept current by flushes and compactions).
    let maxStoreFiles = Atomic<Int>(0)
    /// Requests served by operation (gets, scanner opens, write batches), for `list_regions`, `status`
    /// and the metrics.
    let requests = RegionRequestCounts()
    /// Serialises flushes of this region (a compaction swaps its files under `Store.lock` alone).
    let flushLock = Lock(rank: .regionFlush)
    /// What `flushLock` guards.
    struct FlushState {
        /// A snapshot whose flush has not completed yet: its sequence id, accounted bytes and oldest edit.
        var pending: (sequenceId: UInt64, accounted: Int, oldestEdit: Int64)?
    }
    var flushState = FlushState()
    /// The sequence id up to which every edit is in HFiles.
    let flushedSequenceIdStorage = Atomic<UInt64>(0)
    /// Waits of writers for a flush or compaction of this region.
    let resourceCondition = RankedCondition(rank: .regionResource)

    /// The server's wall clock in ms.
    public static let systemClock: @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Opens a region: opens its stores' HFiles (when it has `files`) and replays its WAL entries above
    /// what each store already holds on disk (and above `flushedSequenceId`).
    package init(
        info: RegionInfo, descriptor: TableDescriptor, wal: WAL?, pool: MemStoreChunkPool,
        configuration: Configuration = .init(), flushedSequenceId: UInt64 = 0, files: RegionFiles? = nil,
        host: (any RegionHost)? = nil,
        clock: @escaping @Sendable () -> Int64 = Region.systemClock, logger: Logger = Logger(label: "basalt.region")
    ) throws {
        self.files = files
        self.host = host
        self.info = info
        self.descriptor = descriptor
        self.configuration = configuration
        self.wal = wal
        self.clock = clock
        self.logger = logger
        self.encodedNameBytes = info.encodedNameBytes
        self.tableNameBytes = info.table.nameBytes
        self.rowLocks = RowLocks(timeout: configuration.rowLockTimeout)
        if let files { try files.fileSystem.createDirectory(files.directory) }
        self.stores = try descriptor.families.map {
            try Store(
                family: $0, pool: pool, maxAllocation: configuration.mslabMaxAllocation, order: info.rowOrder, files: files, logger: logger)
        }
        let storeFlushed = stores.map { max($0.flushedSequenceId, flushedSequenceId) }
        var maxSeq = storeFlushed.max() ?? flushedSequenceId
        let onDisk = storeFlushed.min() ?? flushedSequenceId
        flushedSequenceIdStorage.store(onDisk, ordering: .relaxed)
        var replayed = 0
        var accounted = 0
        let stores = self.stores
        func apply(_ entry: WALEntry) {
            guard entry.sequenceId > onDisk else { return }
            var used = false
            for cell in entry.cells {
                guard let i = stores.firstIndex(where: { $0.family.name == cell.family }), entry.sequenceId > storeFlushed[i] else { continue }
                stores[i].memStore.insert(cell, timestamp: cell.timestamp, sequenceId: entry.sequenceId)
                accounted += Self.accountedSize(cell)
                used = true
            }
            maxSeq = max(maxSeq, entry.sequenceId)
            if used { replayed += 1 }
        }
        // Edits split out of a dead server's WAL first (they are older), then this server's own WAL.
        var recovered: [String] = []
        if let files {
            recovered = try WALSplitter.recoveredEdits(fileSystem: files.fileSystem, regionDirectory: files.directory)
            for path in recovered {
                try WALReader.read(fileSystem: files.fileSystem, path: path, regionFilter: encodedNameBytes) { apply($0) }
            }
        }
        recoveredEditsFiles = recovered
        if let wal { try wal.replay(encodedRegionName: encodedNameBytes) { apply($0) } }
        self.mvcc = MVCC(startingAfter: maxSeq)
        if let wal, onDisk > 0 { try wal.regionFlushed(encodedRegionName: encodedNameBytes, sequenceId: onDisk) }
        memStoreAccounted.store(accounted, ordering: .relaxed)
        if accounted > 0 { oldestUnflushedEdit.store(clock(), ordering: .relaxed) }
        maxStoreFiles.store(stores.map(\.fileCount).max() ?? 0, ordering: .relaxed)
        if replayed > 0 {
            logger.info("replayed WAL", metadata: ["region": "\(info.encodedName)", "entries": "\(replayed)", "maxSequenceId": "\(maxSeq)"])
        }
    }

    /// What one cell counts for the flush triggers: its bytes plus the MemStore's per-cell index overhead.
    @inline(__always) static func accountedSize(_ c: Cell) -> Int { c.encodedLength + 40 }

    /// Stops accepting reads and writes once those in flight (and a flush in progress) finish.
    /// A compaction already running finishes first (a split or merge then sees the files it left).
    public func close() {
        flushLock.withLock {
            updatesLock.withWriteLock { lifecycle.store(.closed, ordering: .releasing) }
        }
        for s in stores { s.waitForCompaction() }
    }

    /// The WAL failed after cells went into the MemStores: MVCC keeps them (and anything later) hidden
    /// for good, and the region takes no more writes; reads go on at the last good point. (HBase aborts
    /// the server.) Reopening the region replays what the WAL holds.
    private func stopWritesAfterWALFailure(_ error: Error, sequenceId: UInt64) {
        mvcc.freeze(below: sequenceId)
        if lifecycle.compareExchange(expected: .open, desired: .writesStopped, ordering: .acquiringAndReleasing).exchanged {
            logger.error("region stopped taking writes: the WAL failed after a MemStore insert", metadata: ["region": "\(info.encodedName)", "error": "\(error)"])
        }
    }

    public var isClosed: Bool { lifecycle.load(ordering: .acquiring) == .closed }

    /// The split asked for by `StorageEngine.checkSplit` is done or failed: the region may ask again.
    package func splitRequestEnded() { splitRequested.store(false, ordering: .releasing) }

    /// Highest sequence id used so far.
    public var maxSequenceId: UInt64 { mvcc.highestIssued }
    public var readPoint: UInt64 { mvcc.readPoint }

    /// Encoded bytes held by all MemStores.
    package var memStoreDataSize: Int { stores.reduce(0) { $0 + $1.memStore.dataSize } }
    package var memStoreHeapSize: Int { stores.reduce(0) { $0 + $1.memStore.heapSize } }

    package func store(named family: [UInt8]) -> Store? { stores.first { $0.family.name == family } }

    @inline(__always) func checkOpen() throws {
        if lifecycle.load(ordering: .relaxed) == .closed { throw StorageError(.closed, "region \(info.regionNameAsString) is closed") }
    }

    // MARK: - Validation

    func checkRow(_ row: [UInt8]) throws {
        if row.isEmpty { throw StorageError(.invalidArgument, "row key must not be empty") }
        if row.count > configuration.maxRowLength {
            throw StorageError(.invalidArgument, "row key is \(row.count) bytes; at most \(configuration.maxRowLength) allowed")
        }
        if !info.contains(row: row) {
            throw StorageError(.wrongRegion, "row '\(Bytes.toStringBinary(row.prefix(64)))' is outside region \(info.regionNameAsString)")
        }
    }

    func checkFamily(_ family: [UInt8]) throws {
        if store(named: family) == nil {
            throw StorageError(.noSuchColumnFamily, "column family '\(Bytes.toStringBinary(family))' does not exist in table '\(info.table)'; it has \(descriptor.families.map(\.nameAsString))")
        }
    }

    func checkCell(_ c: Cell) throws {
        try checkFamily(c.family)
        if c.timestamp < 0 { throw StorageError(.invalidArgument, "timestamp \(c.timestamp) is negative") }
        if configuration.maxCellSize > 0 && c.encodedLength > configuration.maxCellSize {
            throw StorageError(
                .invalidArgument,
                "Cell[\(Bytes.toStringBinary(c.row.prefix(64)))/\(Bytes.toStringBinary(c.family)):\(Bytes.toStringBinary(c.qualifier.prefix(64)))] with size "
                    + "\(c.encodedLength) exceeds limit of \(configuration.maxCellSize) bytes (hbase.server.keyvalue.maxsize)")
        }
    }

    // MARK: - The write path

    /// With the rows locked: one sequence id, one WAL entry, then the MemStores. Cells at
    /// `Cell.latestTimestamp` are written at `now`.
    func applyLocked(_ cells: [Cell], durability: Durability, now: Int64, as op: RegionOperation) throws {
        guard !cells.isEmpty else { return }
        requests.count(op)
        try updatesLock.withReadLock {
            try checkOpen()
            switch lifecycle.load(ordering: .relaxed) {
            case .open: break
            case .closingWrites, .closed:
                throw StorageError(.closed, "region \(info.regionNameAsString) is closing")
            case .writesStopped:
                throw StorageError(.walFailed, "region \(info.regionNameAsString) takes no more writes after a WAL failure; reopen it to recover from the WAL")
            }
            // As HBase does: append to the WAL, fill the MemStores while the group is written and synced,
            // then wait for durability; MVCC hides the cells until then. The sequence id is taken under the
            // WAL's lock, so ids follow the order of the entries.
            let seq: UInt64
            var walEnd: Int64?
            if durability != .skipWAL, let wal {
                (seq, walEnd) = try wal.appendEntry(
                    encodedRegionName: encodedNameBytes, tableName: tableNameBytes, sequenceId: { mvcc.begin() }, writeTime: now,
                    cellCount: cells.count, durability: durability
                ) { buffer in
                    for c in cells { WALEntryEncoder.addCell(buffer, c, timestamp: c.timestamp == Cell.latestTimestamp ? now : c.timestamp) }
                }
            } else {
                seq = mvcc.begin()
            }
            var added = 0
            for c in cells { added += Self.accountedSize(c) }
            if stores.count == 1 {
                stores[0].memStore.insert(cells[...], timestamp: { $0.timestamp == Cell.latestTimestamp ? now : $0.timestamp }, sequenceId: seq)
            } else {
                for c in cells {
                    store(named: c.family)?.memStore.insert(c, timestamp: c.timestamp == Cell.latestTimestamp ? now : c.timestamp, sequenceId: seq)
                }
            }
            let size = memStoreAccounted.add(added, ordering: .relaxed).newValue
            if oldestUnflushedEdit.load(ordering: .relaxed) == 0 {
                _ = oldestUnflushedEdit.compareExchange(expected: 0, desired: now, ordering: .relaxed)
            }
            var visible = false
            if let walEnd, let wal {
                do {
                    // A thread that syncs this entry for us also completes its MVCC entry.
                    visible = try wal.awaitDurable(walEnd, durability, completing: mvcc, sequenceId: seq)
                } catch {
                    stopWritesAfterWALFailure(error, sequenceId: seq)
                    mvcc.complete(seq)
                    throw error
                }
            }
            if !visible { mvcc.complete(seq) }
            if let host { host.memStoreGrew(self, by: added, regionSize: size) }
        }
    }

    func resolvedDurability(_ d: Durability) -> Durability { d.resolved(tableDefault: descriptor.durability) }

    /// Writes the put's cells; cells without a timestamp get the server's time.
    public func put(_ put: Put) throws {
        try checkOpen()
        try checkRow(put.row)
        guard !put.isEmpty else { throw StorageError(.invalidArgument, "put for row '\(Bytes.toStringBinary(put.row))' has no cells") }
        for c in put.cells { try checkCell(c) }
        try checkResources()
        try rowLocks.lock(put.row)
        defer { rowLocks.unlock(put.row) }
        let now = clock()
        try applyLocked(put.cells, durability: resolvedDurability(put.durability), now: now, as: .put)
    }

    /// Replaces `latestTimestamp` with `now`; returns the cells unchanged when none needs it.
    @inline(__always) static func stamp(_ cells: [Cell], now: Int64) -> [Cell] {
        guard cells.contains(where: { $0.timestamp == Cell.latestTimestamp }) else { return cells }
        return cells.map { c in
            var c = c
            if c.timestamp == Cell.latestTimestamp { c.timestamp = now }
            return c
        }
    }

    /// Writes the delete's markers (a delete with no entries removes the whole row).
    public func delete(_ delete: Delete) throws {
        try checkOpen()
        try checkRow(delete.row)
        for m in delete.markers { try checkCell(m) }
        try checkResources()
        try rowLocks.lock(delete.row)
        defer { rowLocks.unlock(delete.row) }
        let now = clock()
        try applyLocked(markers(for: delete, now: now), durability: resolvedDurability(delete.durability), now: now, as: .delete)
    }

    /// The marker cells a delete writes, with timestamps resolved. Row lock held.
    func markers(for delete: Delete, now: Int64) throws -> [Cell] {
        let rowTs = delete.timestamp == Cell.latestTimestamp ? now : delete.timestamp
        if delete.isEmpty {
            return descriptor.families.map { Cell(row: delete.row, family: $0.name, qualifier: [], timestamp: rowTs, type: .deleteFamily) }
        }
        var out: [Cell] = []
        out.reserveCapacity(delete.markers.count)
        for var m in delete.markers {
            if m.timestamp == Cell.latestTimestamp {
                if m.type == .delete {
                    // HBase: "the latest version" means the timestamp of the newest visible version.
                    var g = Get(row: delete.row)
                    g.columns.addColumn(family: m.family, qualifier: m.qualifier)
                    m.timestamp = try getLocked(g, now: now).cells.first?.timestamp ?? now
                } else {
                    m.timestamp = now
                }
            }
            out.append(m)
        }
        return out
    }

    /// Applies puts and deletes to several rows atomically per row, with one sequence id and one WAL entry
    /// for the whole batch. Rows are locked in sorted order. Durability is the strongest any mutation asks.
    public func mutateRows(_ mutations: [Mutation]) throws {
        try checkOpen()
        guard !mutations.isEmpty else { return }
        var durability = Durability.skipWAL
        for m in mutations {
            try checkRow(m.row)
            switch m {
            case .put(let p):
                guard !p.isEmpty else { throw StorageError(.invalidArgument, "put for row '\(Bytes.toStringBinary(p.row))' has no cells") }
                for c in p.cells { try checkCell(c) }
            case .delete(let d):
                for c in d.markers { try checkCell(c) }
            }
            let d = resolvedDurability(m.durability)
            if d.strength > durability.strength { durability = d }
        }
        let rows = Array(Set(mutations.map(\.row))).sorted { info.rowOrder.compare($0, $1) < 0 }
        try checkResources()
        try rowLocks.lock(rows: rows)
        defer { rowLocks.unlock(rows: rows) }
        let now = clock()
        var cells: [Cell] = []
        for m in mutations {
            switch m {
            case .put(let p): cells.append(contentsOf: Self.stamp(p.cells, now: now))
            case .delete(let d): cells.append(contentsOf: try markers(for: d, now: now))
            }
        }
        try applyLocked(cells, durability: durability, now: now, as: .batch)
    }

    // MARK: - Reads

    /// Reads one row; an empty result when nothing matches.
    public func get(_ get: Get) throws -> RowResult {
        try checkOpen()
        guard info.contains(row: get.row) else {
            throw StorageError(.wrongRegion, "row '\(Bytes.toStringBinary(get.row.prefix(64)))' is outside region \(info.regionNameAsString)")
        }
        requests.count(.get)
        return try getLocked(get, now: clock())
    }

    func getLocked(_ get: Get, now: Int64) throws -> RowResult {
        var scan = Scan(startRow: get.row)
        scan.columns = get.columns
        scan.maxVersions = get.maxVersions
        scan.timeRange = get.timeRange
        scan.filter = get.filter
        scan.limit = 1
        return try scanner(scan, now: now, getRow: get.row).next() ?? RowResult(row: get.row, cells: [])
    }

    /// Opens a scanner fixed at the current read point.
    public func scanner(_ scan: Scan) throws -> RegionScanner {
        try checkOpen()
        requests.count(.scan)
        return try scanner(scan, now: clock())
    }

    /// `getRow`: the scan reads exactly this row (a get), so bloom filters may skip files.
    func scanner(_ scan: Scan, now: Int64, getRow: [UInt8]? = nil) throws -> RegionScanner {
        guard scan.maxVersions >= 1 else { throw StorageError(.invalidArgument, "versions must be at least 1, got \(scan.maxVersions)") }
        let readPoint = mvcc.readPoint
        var chosen: [StoreScanner] = []
        if let families = scan.columns.families {
            for f in families.keys { try checkFamily(f) }
            for s in stores {
                guard let wanted = families[s.family.name] else { continue }
                chosen.append(s.scanner(
                    readPoint: readPoint, qualifiers: wanted, maxVersions: scan.maxVersions, timeRange: scan.timeRange, raw: scan.raw,
                    now: now, row: getRow, cacheBlocks: scan.cacheBlocks))
            }
        } else {
            chosen = stores.map {
                $0.scanner(
                    readPoint: readPoint, qualifiers: nil, maxVersions: scan.maxVersions, timeRange: scan.timeRange, raw: scan.raw,
                    now: now, row: getRow, cacheBlocks: scan.cacheBlocks)
            }
        }
        return try RegionScanner(
            scan: scan, stores: chosen, singleRow: getRow != nil, regionStart: info.startKey, regionEnd: info.endKey, order: info.rowOrder)
    }
}
