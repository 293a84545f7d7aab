import BasaltCore
import Foundation
import Synchronization
import Logging

/// The write-ahead log shared by every region of one owner (an embedded engine, later a region server).
///
/// Appends are encoded straight into one pending buffer under a lock; the appending threads then write
/// and fsync it in groups (see `WAL+GroupCommit.swift`), so a lone writer writes its own entry with no
/// thread hop. `ASYNC_WAL` entries are written by the next group or, at the latest, by a background
/// flusher after `asyncFlushInterval`.
///
/// Files are `<dir>/<prefix>.<number>`, rolled at `rollSize`. Safe to share across threads.
public final class WAL: @unchecked Sendable {
    public struct Configuration: Sendable {
        /// HBase's `hbase.regionserver.hlog.blocksize` and `hbase.regionserver.logroll.multiplier`: a WAL
        /// rolls at their product.
        public static let defaultBlockSize = 256 << 20
        public static let defaultRollMultiplier = 0.5
        /// Roll to a new file once the current one reaches this many bytes.
        public var rollSize = Int(Double(Self.defaultBlockSize) * Self.defaultRollMultiplier)
        /// Longest time an `ASYNC_WAL` entry waits before it is written.
        public var asyncFlushInterval: Duration = .milliseconds(100)
        /// File name prefix (a region server uses its server name).
        public var prefix: String = "wal"
        /// Where files whose edits are all flushed go (HBase's `oldWALs`); nil: `<grandparent>/oldWALs`.
        public var archiveDirectory: String?
        /// Zeros written ahead of the appends, in steps of this many bytes, so an fsync rarely has to
        /// commit a new file size (0: plain appends). `basalt.wal.preallocation.chunk`. Measured here:
        /// 256 KB keeps the fsync gain; 1 MB and more slow unsynced appends by about 20%.
        public var preallocationChunk: Int = 256 << 10
        /// How many fsyncs may be in flight at once (HBase's `hbase.regionserver.hlog.syncer.count`): while
        /// one runs, the next group is written and can start its own. Measured on this project's 2-core VM:
        /// two concurrent `fdatasync`s complete 1.4 times as many syncs as one, but the groups shrink more,
        /// so 16 FSYNC_WAL writers were 15-20% slower with 2 than with 1.
        public var syncers: Int = 1
        /// A dedicated thread writes and fsyncs the groups of `FSYNC_WAL` appends
        /// (`basalt.wal.syncer.thread`); false: the appenders take turns at it. Measured here with
        /// 16 FSYNC_WAL writers: +19% ops/s (groups of 7.7 instead of 7.4 appends, and fsyncs back to back);
        /// 4 writers +16%; a lone writer pays one thread hop per fsync, 4-15% slower.
        public var syncerThread: Bool = true
        /// `hbase.wal.hsync`: `SYNC_WAL` (and `USE_DEFAULT`) waits for an fsync, as `FSYNC_WAL` does. Nil
        /// (unset) decides by the WAL's folder: on where it is on a shared file system
        /// (`FileSystem.isShared`, CephFS say), where bytes that reached only this machine's cache die with
        /// the machine; off on a local disk, where they survive a process crash (docs/durability.md).
        public var hsync: Bool?

        public init() {}

    }

    package let fileSystem: any FileSystem
    /// Whether `SYNC_WAL` and `USE_DEFAULT` wait for an fsync (`Configuration.hsync`).
    package let syncIsFsync: Bool
    /// Held from open to close: see `init`.
    let directoryLock: any FileLock
    package let directory: String
    package let configuration: Configuration
    let logger: Logger

    let cond = RankedCondition(rank: .wal)
    /// Everything `cond` guards.
    struct State {
        /// Appended entries not yet written, and the buffer the writer last wrote (they swap).
        var pending = RawBuffer(capacity: 1 << 16)
        var spare = RawBuffer(capacity: 1 << 16)
        /// Logical byte positions across all files: appended ≥ written ≥ syncing ≥ synced.
        var appendedEnd: Int64 = 0
        var writtenEnd: Int64 = 0
        /// The end of the newest fsync begun (in flight or done).
        var syncingEnd: Int64 = 0
        var syncedEnd: Int64 = 0
        /// The highest appended position some waiter needs fsynced.
        var fsyncWantedEnd: Int64 = 0
        /// A thread is writing `spare` to the file (outside the lock); only it touches the file meanwhile.
        var writerActive = false
        var syncsInFlight = 0
        /// A writer waits for the fsyncs in flight to end before it rolls; no new one starts meanwhile.
        var rolling = false
        /// Set once, when a write or sync fails; every later call fails with it.
        var failure: StorageError?
        var closed = false
        /// Writers waiting for their position to be written or synced, each on its own semaphore.
        var parked: [Waiter] = []
        /// The syncer thread (when configured) waits on `syncerWake` while idle.
        var syncerIdle = true
        var stats = Statistics()
        /// Highest sequence id per region: appended but not yet written / being written / in the current file.
        var pendingRegions = RegionSequenceIds()
        var writingRegions = RegionSequenceIds()
        var currentFileRegions = RegionSequenceIds()
        /// Closed files, oldest first, with the highest sequence id of each region they hold.
        var rolledFiles: [(number: UInt64, path: String, regions: [[UInt8]: UInt64])] = []
        /// Per region, the sequence id up to which its edits are flushed.
        var flushedUpTo: [[UInt8]: UInt64] = [:]
        /// The file being written and its number.
        var file: (any WritableFile)?
        var fileNumber: UInt64 = 0

        /// The positions keep their order: appended ≥ written ≥ syncing ≥ synced.
        var positionsInOrder: Bool { appendedEnd >= writtenEnd && writtenEnd >= syncingEnd && syncingEnd >= syncedEnd }

        /// The writer takes what is pending (entries and their regions); appends go to the other buffer.
        mutating func swapBuffers() {
            swap(&pending, &spare)
            swap(&pendingRegions, &writingRegions)
        }

        /// What the writer wrote is now in the current file.
        mutating func moveWrittenRegionsToCurrentFile() {
            writingRegions.moveAll(into: &currentFileRegions)
        }
    }

    var state = State()
    /// When the WAL first fails, `failureHandler` hears of it (with `cond` held).
    var failure: StorageError? {
        get { state.failure }
        set {
            let old = state.failure
            state.failure = newValue
            if old == nil, let newValue { failureHandler.withLock { $0 }?(newValue) }
        }
    }
    /// Told once, with `cond` held, when the WAL fails (`onFailure`).
    private let failureHandler = Mutex<(@Sendable (StorageError) -> Void)?>(nil)
    /// Told each sync's duration (`onSync`).
    let syncObserver = Mutex<(@Sendable (Duration) -> Void)?>(nil)
    let syncerWake = DispatchSemaphore(value: 0)

    /// Counters that show how well group commit works: appends per write and per fsync.
    package struct Statistics: Sendable, Equatable {
        package var appends = 0
        package var groupWrites = 0
        package var syncs = 0
        package var bytes: Int64 = 0
        package var archivedFiles = 0
        /// Time spent in syncs of the WAL file, summed.
        package var syncTime: Duration = .zero
    }

    package var statistics: Statistics { cond.withLock { state.stats } }
    private var flusher: Thread?

    /// Opens the WAL folder: checks and repairs existing files (a torn tail is cut off; corruption in the
    /// middle throws), then starts a new file numbered after the newest one.
    package init(fileSystem: any FileSystem, directory: String, configuration: Configuration = .init(), logger: Logger = Logger(label: "basalt.wal")) throws {
        self.fileSystem = fileSystem
        self.directory = directory
        self.configuration = configuration
        self.logger = logger
        try fileSystem.createDirectory(directory)
        syncIsFsync = configuration.hsync ?? fileSystem.isShared(directory)
        if syncIsFsync && configuration.hsync == nil {
            logger.info("the WAL is on a shared file system: SYNC_WAL waits for an fsync (hbase.wal.hsync)", metadata: ["directory": "\(directory)"])
        }
        // The fence against two writers: this server holds the folder's lock while it writes, and the
        // master splits a dead server's WAL only once it can take that lock (the kernel drops it when
        // the process dies; a live server releases it when it closes its WAL).
        guard let lock = try fileSystem.tryLock(joinPath(directory, Self.lockFileName)) else {
            throw StorageError(.walFailed, "the WAL folder '\(directory)' is locked by another process")
        }
        directoryLock = lock
        var highest: UInt64 = 0
        for (number, name) in try Self.listFiles(fileSystem, directory, prefix: configuration.prefix) {
            let path = joinPath(directory, name)
            var regions: [[UInt8]: UInt64] = [:]
            let outcome = try WALReader.read(fileSystem: fileSystem, path: path) { e in
                regions[e.encodedRegionName] = max(regions[e.encodedRegionName] ?? 0, e.sequenceId)
            }
            state.rolledFiles.append((number, path, regions))
            if let torn = outcome.tornAt {
                logger.warning("truncating torn WAL tail", metadata: ["file": "\(path)", "offset": "\(torn)"])
                try fileSystem.truncate(path, to: outcome.validLength)
            }
            highest = max(highest, number)
        }
        state.fileNumber = highest
        try openNextFile()
        let interval = configuration.asyncFlushInterval
        let thread = Thread { [weak self] in Self.runAsyncFlusher({ self }, interval: interval) }
        thread.name = "basalt-wal-flusher"
        flusher = thread
        thread.start()
        if configuration.syncerThread {
            let wake = syncerWake
            let syncer = Thread { [weak self] in Self.runSyncerThread({ self }, wake: wake) }
            syncer.name = "basalt-wal-syncer"
            syncer.start()
        }
    }

    deinit {
        syncerWake.signal()
        try? state.file?.close()
        directoryLock.unlock()
    }

    /// The lock file in the WAL folder (a dot file: never taken for a log file).
    package static let lockFileName = ".lock"

    static func listFiles(_ fs: any FileSystem, _ dir: String, prefix: String) throws -> [(UInt64, String)] {
        try fs.list(dir).compactMap { name in
            guard name.hasPrefix(prefix + "."), let n = UInt64(name.dropFirst(prefix.count + 1)) else { return nil }
            return (n, name)
        }.sorted { $0.0 < $1.0 }
    }

    private var currentPath: String { joinPath(directory, "\(configuration.prefix).\(String(format: "%020llu", state.fileNumber))") }

    /// Paths of the WAL files, oldest first.
    package func filePaths() throws -> [String] {
        try Self.listFiles(fileSystem, directory, prefix: configuration.prefix).map { joinPath(directory, $0.1) }
    }

    /// Called with `cond` held or during init.
    private func openNextFile() throws {
        if state.file != nil {
            state.rolledFiles.append((state.fileNumber, currentPath, state.currentFileRegions.dictionary))
            state.currentFileRegions.removeAll()
        }
        state.fileNumber += 1
        let path = currentPath
        let f = try fileSystem.openForLog(path, preallocationChunk: configuration.preallocationChunk)
        try WALReader.fileHeader(number: state.fileNumber).withUnsafeBytes { try f.append($0) }
        try fileSystem.syncDirectory(directory)
        state.file = f
    }

    /// Appends one entry and returns once it is as durable as `durability` asks (`SKIP_WAL` is the caller's
    /// business: it never calls). `encodeCells` writes exactly `cellCount` cells with `WALEntryEncoder.addCell`.
    func append(
        encodedRegionName: [UInt8], tableName: [UInt8], sequenceId: UInt64, writeTime: Int64,
        cellCount: Int, durability: Durability, encodeCells: (RawBuffer) -> Void
    ) throws {
        let (_, end) = try appendEntry(
            encodedRegionName: encodedRegionName, tableName: tableName, sequenceId: { sequenceId }, writeTime: writeTime,
            cellCount: cellCount, durability: durability, encodeCells: encodeCells)
        _ = try awaitDurable(end, durability)
    }

    /// Appends one entry without waiting and returns its sequence id and end, for `awaitDurable`.
    /// `sequenceId` is called under the WAL's lock, once the append can no longer fail, so a region's
    /// sequence ids are in the order of its entries: a group that is durable holds every earlier id.
    /// An `FSYNC_WAL` entry is marked as wanting a sync at once, so a group can take it before its
    /// thread comes to wait.
    func appendEntry(
        encodedRegionName: [UInt8], tableName: [UInt8], sequenceId nextSequenceId: () -> UInt64, writeTime: Int64,
        cellCount: Int, durability: Durability, encodeCells: (RawBuffer) -> Void
    ) throws -> (sequenceId: UInt64, end: Int64) {
        cond.lock()
        defer { cond.unlock() }
        if let failure { throw failure }
        if state.closed { throw StorageError(.closed, "the WAL in '\(directory)' is closed") }
        let sequenceId = nextSequenceId()
        let start = state.pending.count
        WALEntryEncoder.begin(state.pending, regionName: encodedRegionName, tableName: tableName, sequenceId: sequenceId, writeTime: writeTime, cellCount: cellCount)
        encodeCells(state.pending)
        WALEntryEncoder.finish(state.pending, entryStart: start)
        state.appendedEnd += Int64(state.pending.count - start)
        state.pendingRegions.note(encodedRegionName, sequenceId)
        state.stats.appends += 1
        if fsyncs(durability) {
            state.fsyncWantedEnd = max(state.fsyncWantedEnd, state.appendedEnd)
            kickSyncerThread()
        }
        return (sequenceId, state.appendedEnd)
    }

    /// Returns once the entry ending at `end` is as durable as `durability` asks. With `mvcc`, the entry's
    /// cells must already be in the MemStore: if another thread satisfies the wait, it completes
    /// `sequenceId` too, and the result is true when the read point covers it (false: the caller completes it).
    func awaitDurable(_ end: Int64, _ durability: Durability, completing mvcc: MVCC? = nil, sequenceId: UInt64 = 0) throws -> Bool {
        switch durability {
        case .skipWAL, .asyncWAL:
            return false
        case .fsyncWAL, .syncWAL, .useDefault:
            cond.lock()
            return try waitUntil(fsync: fsyncs(durability), end: end, mvcc: mvcc, sequenceId: sequenceId)
        }
    }

    /// Whether an append of `durability` waits for an fsync.
    @inline(__always) func fsyncs(_ durability: Durability) -> Bool {
        durability == .fsyncWAL || (syncIsFsync && (durability == .syncWAL || durability == .useDefault))
    }

    /// Writes (and fsyncs when `fsync`) everything appended so far.
    package func sync(fsync: Bool = true) throws {
        cond.lock()
        if let failure {
            cond.unlock()
            throw failure
        }
        let end = state.appendedEnd
        if fsync {
            state.fsyncWantedEnd = max(state.fsyncWantedEnd, end)
            kickSyncerThread()
        }
        _ = try waitUntil(fsync: fsync, end: end)
    }

    /// With `cond` held: finish the current file and start the next.
    func rollLocked() {
        do {
            try state.file?.sync()
            state.syncedEnd = state.writtenEnd
            try state.file?.close()
            try openNextFile()
        } catch {
            failure = StorageError(.walFailed, "rolling the WAL in '\(directory)' failed: \(error)")
        }
    }

    /// Sets who is told when the WAL fails (a write, sync or roll failed: it takes no more writes). The
    /// handler runs once, on the failing thread with the WAL's lock held: it must only hand the news on.
    package func onFailure(_ handler: (@Sendable (StorageError) -> Void)?) {
        failureHandler.withLock { $0 = handler }
    }

    /// Who hears how long each sync of the WAL file took (a region server's latency histogram); called
    /// on the syncing thread, outside the WAL's lock.
    package func onSync(_ observer: (@Sendable (Duration) -> Void)?) {
        syncObserver.withLock { $0 = observer }
    }

    /// Starts a new file now (HBase's `wal_roll`).
    package func roll() throws {
        try sync(fsync: true)
        cond.lock()
        defer { cond.unlock() }
        while state.writerActive || state.syncsInFlight > 0 { cond.wait() }
        rollLocked()
        if let failure { throw failure }
    }

    /// Writes and fsyncs what is pending, then closes the file. Appends after this fail.
    package func close() throws {
        var err: Error?
        do { try sync(fsync: true) } catch { err = error }
        cond.lock()
        state.closed = true
        syncerWake.signal()
        while state.writerActive || state.syncsInFlight > 0 { cond.wait() }
        try? state.file?.close()
        state.file = nil
        cond.unlock()
        directoryLock.unlock()
        if let err { throw err }
    }

    /// Every whole entry of one region across all files, oldest file first (flushes pending bytes first).
    /// A file archived meanwhile held nothing unflushed for this region and is skipped.
    package func replay(encodedRegionName: [UInt8], _ body: (WALEntry) throws -> Void) throws {
        try sync(fsync: false)
        for path in try filePaths() where fileSystem.exists(path) {
            try WALReader.read(fileSystem: fileSystem, path: path, regionFilter: encodedRegionName, body)
        }
    }

    /// The archive folder for files whose edits are all flushed.
    public var archiveDirectory: String {
        configuration.archiveDirectory ?? joinPath(parentPath(parentPath(directory)), "oldWALs")
    }

    /// Live files: the closed ones plus the one being written.
    package var fileCount: Int { cond.withLock { state.rolledFiles.count + 1 } }

    /// Records that a region's edits up to `sequenceId` are in HFiles, and moves every closed file whose
    /// edits are all flushed to `archiveDirectory`.
    package func regionFlushed(encodedRegionName: [UInt8], sequenceId: UInt64) throws {
        let archivable: [(UInt64, String)] = cond.withLock {
            if sequenceId > (state.flushedUpTo[encodedRegionName] ?? 0) { state.flushedUpTo[encodedRegionName] = sequenceId }
            // A closed WAL may already be in another owner's hands: leave its files alone.
            if state.closed { return [] }
            var out: [(UInt64, String)] = []
            let flushedUpTo = state.flushedUpTo
            state.rolledFiles.removeAll { f in
                let done = f.regions.allSatisfy { region, seq in (flushedUpTo[region] ?? 0) >= seq }
                if done { out.append((f.number, f.path)) }
                return done
            }
            return out
        }
        guard !archivable.isEmpty else { return }
        let dest = archiveDirectory
        try fileSystem.createDirectory(dest)
        for (_, path) in archivable {
            let name = String(path.split(separator: "/").last ?? Substring(path))
            try fileSystem.rename(path, to: joinPath(dest, name))
            logger.debug("archived WAL file", metadata: ["file": "\(path)"])
        }
        try fileSystem.syncDirectory(directory)
        cond.withLock { state.stats.archivedFiles += archivable.count }
    }

    /// The regions with unflushed edits in the oldest live file (what `hbase.regionserver.maxlogs` flushes).
    package func regionsPinningOldestFile() -> [[UInt8]] {
        cond.withLock {
            guard let oldest = state.rolledFiles.first else { return [] }
            return oldest.regions.compactMap { region, seq in (state.flushedUpTo[region] ?? 0) >= seq ? nil : region }
        }
    }
}
