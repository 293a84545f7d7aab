import BasaltCore
import Foundation
import Logging
import Synchronization

/// Everything several regions share, as a region server owns it: one WAL, one MemStore chunk pool, one
/// block cache, one memory budget, and the threads that flush and compact. It applies the six flush
/// triggers (`FlushPolicy`) and the compaction rules (`CompactionPolicy`), and makes writes wait when
/// memory or store files run over. Data lives under one root folder in HBase's layout (DESIGN.md §3).
///
/// Methods are synchronous and may block; safe to share across threads.
public final class StorageEngine: RegionHost, @unchecked Sendable {
    public struct Configuration: Sendable {
        public static let defaultMemory = 1 << 30
        /// The memory given to the engine (HBase's heap): MemStores and block cache are fractions of it.
        public var memory = Self.defaultMemory
        public var flush = FlushPolicy()
        /// When a region asks to be split.
        public var split = SplitPolicy()
        /// `hfile.block.cache.size`: the block cache's fraction of `memory`.
        public var blockCacheFraction = 0.4
        /// `hbase.server.thread.wakefrequency`: how often the periodic checks run.
        public var wakeFrequency: Duration = .seconds(10)
        /// `hbase.hstore.flusher.count`.
        public var flusherThreads = 2
        /// `hbase.regionserver.thread.compaction.small`.
        public var compactionThreads = 1
        public var region = Region.Configuration()
        public var wal = WAL.Configuration()

        public init() {}


        public var blockCacheSize: Int { Int(Double(memory) * blockCacheFraction) }
    }

    package let fileSystem: any FileSystem
    public let root: String
    public let configuration: Configuration
    package let wal: WAL
    package let pool: MemStoreChunkPool
    package let blockCache: BlockCache
    let logger: Logger
    let clock: @Sendable () -> Int64

    /// What `regionsLock` guards.
    private struct Online {
        /// The open regions by encoded name.
        var regions: [String: Region] = [:]
    }

    private let regionsLock = Lock(rank: .engineRegions)
    private var online = Online()
    /// Bytes in every MemStore, as the flush triggers count them.
    private let globalSize = Atomic<Int>(0)
    /// What `work` guards: the background threads' queues and the engine's figures.
    private struct WorkState {
        /// Regions waiting for the flusher thread, each at most once.
        var flushQueue: [Region] = []
        /// Regions waiting for the compaction thread, with whether a major compaction was asked for.
        var compactionQueue: [(Region, Bool)] = []
        /// The MemStores together are over the global limit: the flusher picks the biggest regions.
        var globalPressure = false
        /// `shutdown` has begun: the threads finish what they are doing and end.
        var stopping = false
        /// Worker threads still running; shutdown waits for zero.
        var runningWorkers = 0
        var countersStorage = Counters()
        /// The latest flushes and compactions, oldest first, at most `BackgroundWork.historyLength`.
        var history: [BackgroundWork] = []
    }

    private let work = RankedCondition(rank: .engineWork)
    private var workState = WorkState()
    /// Writers waiting for global memory park here (a leaf: it guards nothing).
    private let memoryCondition = RankedCondition(rank: .leaf)
    /// Who hears that a region should split (the region server asks the master).
    private let splitRequester = Mutex<(@Sendable (Region, [UInt8]) -> Void)?>(nil)

    /// What the schedulers did, for tests and status pages.
    public struct Counters: Sendable, Equatable {
        public var flushes = 0
        public var flushFailures = 0
        public var compactions = 0
        public var majorCompactions = 0
        public var blockedWrites = 0
        /// MemStore bytes flushed (`flush(_:)`), and the time it took.
        public var flushedBytes = 0
        public var flushTime: Duration = .zero
        /// Stores (one family of one region each) compacted (`compact(_:major:family:)`), and the time it took.
        public var compactedStores = 0
        public var compactionTime: Duration = .zero
        /// Flush requests by trigger (manual flushes are the caller's).
        public var flushesByReason: [FlushReason: Int] = [:]
    }

    public var counters: Counters { work.withLock { workState.countersStorage } }

    /// The flush and compaction queues and the most recent scheduled flushes and compactions.
    package var activity: EngineActivity {
        work.withLock { EngineActivity(flushQueue: workState.flushQueue.count, compactionQueue: workState.compactionQueue.count, recent: workState.history) }
    }

    /// Flushes `r` now (a scheduled flush, or one an operator or the master asked for), counting it in
    /// the engine's figures and history. Returns whether there was anything to flush.
    @discardableResult
    public func flush(_ r: Region) throws -> Bool {
        let bytes = max(0, r.memStoreSize)
        let started = ContinuousClock.now
        let did = try r.flush()
        let took = ContinuousClock.now - started
        if did {
            work.withLock {
                workState.countersStorage.flushes += 1
                workState.countersStorage.flushedBytes += bytes
                workState.countersStorage.flushTime += took
                remember(BackgroundWork(kind: .flush, region: r.info.encodedName, finishedAt: Date(), took: took, amount: bytes))
            }
        }
        return did
    }

    /// Compacts `r` now (the stores of `family`, or all), counting it in the engine's figures and history.
    /// Returns how many stores were compacted.
    @discardableResult
    public func compact(_ r: Region, major: Bool, family: [UInt8]? = nil) throws -> Int {
        let started = ContinuousClock.now
        let n = try r.compact(major: major, family: family)
        let took = ContinuousClock.now - started
        if n > 0 {
            work.withLock {
                workState.countersStorage.compactions += 1
                if major { workState.countersStorage.majorCompactions += 1 }
                workState.countersStorage.compactedStores += n
                workState.countersStorage.compactionTime += took
                remember(BackgroundWork(kind: major ? .majorCompaction : .minorCompaction, region: r.info.encodedName, finishedAt: Date(), took: took, amount: n))
            }
        }
        return n
    }

    /// Keeps `done` in the history (guarded by `work`).
    private func remember(_ done: BackgroundWork) {
        workState.history.append(done)
        if workState.history.count > BackgroundWork.historyLength { workState.history.removeFirst(workState.history.count - BackgroundWork.historyLength) }
    }

    /// Opens the WAL under `<root>/WALs/<serverName>` and starts the flusher, compaction and chore threads.
    public init(
        fileSystem: any FileSystem, root: String, serverName: String, configuration: Configuration = .init(),
        clock: @escaping @Sendable () -> Int64 = Region.systemClock, logger: Logger = Logger(label: "basalt.engine")
    ) throws {
        try configuration.validate()
        self.fileSystem = fileSystem
        self.root = root
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        var walConf = configuration.wal
        walConf.prefix = serverName
        walConf.archiveDirectory = joinPath(root, "oldWALs")
        wal = try WAL(fileSystem: fileSystem, directory: joinPath(root, "WALs", serverName), configuration: walConf, logger: logger)
        pool = MemStoreChunkPool()
        blockCache = BlockCache(capacity: configuration.blockCacheSize)
        for i in 0..<configuration.flusherThreads { start("basalt-flusher-\(i)") { $0.runFlusher() } }
        for i in 0..<configuration.compactionThreads { start("basalt-compactor-\(i)") { $0.runCompactor() } }
        start("basalt-chores") { $0.runChores() }
    }

    private func start(_ name: String, _ body: @escaping @Sendable (StorageEngine) -> Void) {
        work.withLock { workState.runningWorkers += 1 }
        let t = Thread { [weak self] in
            guard let self else { return }
            body(self)
            self.work.withLock {
                self.workState.runningWorkers -= 1
                self.work.broadcast()
            }
        }
        t.name = name
        t.start()
    }

    // MARK: regions

    /// Opens (or returns the already open) region: its HFiles under the root, WAL replay.
    @discardableResult
    public func openRegion(_ info: RegionInfo, descriptor: TableDescriptor) throws -> Region {
        if let r = region(info.encodedName) { return r }
        let files = RegionFiles(fileSystem: fileSystem, directory: RegionFiles.directory(root: root, region: info), blockCache: blockCache)
        let r = try Region(
            info: info, descriptor: descriptor, wal: wal, pool: pool, configuration: configuration.region, files: files, host: self,
            clock: clock, logger: logger)
        regionsLock.withLock { online.regions[info.encodedName] = r }
        globalSize.add(r.memStoreSize, ordering: .relaxed)
        do {
            try r.persistRecoveredEdits()
        } catch {
            _ = regionsLock.withLock { online.regions.removeValue(forKey: info.encodedName) }
            r.close()
            globalSize.subtract(r.memStoreSize, ordering: .relaxed)
            throw error
        }
        if r.memStoreSize > 0 { requestFlush(r, reason: .open) }
        // A split daughter or a merged region shares its parents' files: rewrite them to its own rows.
        if r.hasReferences { requestCompaction(r, major: true) }
        return r
    }

    public func region(_ encodedName: String) -> Region? { regionsLock.withLock { online.regions[encodedName] } }
    public var onlineRegions: [Region] { regionsLock.withLock { Array(online.regions.values) } }
    public var globalMemStoreSize: Int { globalSize.load(ordering: .relaxed) }

    /// Flushes and closes a region, and forgets it.
    public func closeRegion(_ encodedName: String) throws {
        guard let r = regionsLock.withLock({ online.regions.removeValue(forKey: encodedName) }) else { return }
        do {
            try r.flushAndClose()
        } catch {
            // Still open, its edits in the WAL: it keeps serving, and the close may be tried again.
            if !r.isClosed { regionsLock.withLock { online.regions[encodedName] = r } }
            throw error
        }
        globalSize.subtract(r.memStoreSize, ordering: .relaxed)
    }

    /// Closes a region without flushing and forgets it: its edits stay in the WAL for the next open.
    public func dropRegion(_ encodedName: String) throws {
        guard let r = regionsLock.withLock({ online.regions.removeValue(forKey: encodedName) }) else { return }
        r.close()
        globalSize.subtract(r.memStoreSize, ordering: .relaxed)
    }

    /// Stops the threads, flushes and closes every region, closes the WAL.
    public func close() throws { try shutdown(flush: true) }

    /// Stops the threads and closes every region (flushing first when `flush`; otherwise the WAL keeps
    /// their edits for the next open), then closes the WAL.
    public func shutdown(flush: Bool) throws {
        // Let a flush or compaction in progress finish before the regions close.
        work.withLock {
            workState.stopping = true
            work.broadcast()
            while workState.runningWorkers > 0 { work.wait() }
        }
        for r in onlineRegions {
            if flush {
                try closeRegion(r.info.encodedName)
            } else {
                _ = regionsLock.withLock { online.regions.removeValue(forKey: r.info.encodedName) }
                r.close()
            }
        }
        try wal.close()
    }

    // MARK: RegionHost

    package func memStoreGrew(_ region: Region, by bytes: Int, regionSize: Int) {
        let total = globalSize.add(bytes, ordering: .relaxed).newValue
        let policy = configuration.flush
        if policy.regionNeedsFlush(memStoreSize: regionSize), !region.flushRequested.exchange(true, ordering: .relaxed) {
            requestFlush(region, reason: .size, alreadyMarked: true)
        }
        if policy.globalMustBlock(totalSize: total) { signalGlobalPressure() }
    }

    package func admit(_ region: Region) throws {
        let policy = configuration.flush
        let rc = configuration.region
        if policy.regionMustBlock(memStoreSize: region.memStoreSize) {
            requestFlush(region, reason: .size)
            countBlocked()
            let ok = region.waitForResources(until: Date().addingTimeInterval(rc.busyWaitDuration.inSeconds)) {
                if !policy.regionMustBlock(memStoreSize: region.memStoreSize) { return true }
                // A failed flush clears the request: ask again while waiting.
                if !region.flushRequested.load(ordering: .relaxed) { requestFlush(region, reason: .size) }
                return false
            }
            if !ok {
                throw StorageError(.regionTooBusy, "region \(region.info.regionNameAsString) holds \(region.memStoreSize) bytes of unflushed data, over its blocking limit of \(policy.blockingSize) (hbase.hregion.memstore.flush.size × hbase.hregion.memstore.block.multiplier); the flush did not free it within \(rc.busyWaitDuration)")
            }
        }
        if policy.globalMustBlock(totalSize: globalSize.load(ordering: .relaxed)) {
            signalGlobalPressure()
            countBlocked()
            let deadline = Date().addingTimeInterval(rc.busyWaitDuration.inSeconds)
            memoryCondition.lock()
            defer { memoryCondition.unlock() }
            while policy.globalMustBlock(totalSize: globalSize.load(ordering: .relaxed)) {
                if !memoryCondition.wait(until: min(deadline, Date().addingTimeInterval(0.1))) && Date() >= deadline {
                    throw StorageError(.regionTooBusy, "all MemStores together hold \(globalSize.load(ordering: .relaxed)) bytes, over hbase.regionserver.global.memstore.size (\(policy.globalLimit) bytes); flushes did not free memory within \(rc.busyWaitDuration)")
                }
            }
        }
        if rc.compaction.mustBlockWrites(fileCount: region.storeFileCountMax) {
            requestCompaction(region, major: false)
            countBlocked()
            _ = region.waitForResources(until: Date().addingTimeInterval(rc.blockingWaitTime.inSeconds)) {
                !rc.compaction.mustBlockWrites(fileCount: region.storeFileCountMax)
            }
        }
    }

    package func regionFlushed(_ region: Region, released bytes: Int) {
        globalSize.subtract(bytes, ordering: .relaxed)
        memoryCondition.lock()
        memoryCondition.broadcast()
        memoryCondition.unlock()
        if region.storeFileCountMax >= configuration.region.compaction.minFiles { requestCompaction(region, major: false) }
        checkSplit(region)
    }

    // MARK: splits

    /// Sets who is told when a region passes the split policy (with the row to split at).
    package func onSplitNeeded(_ requester: (@Sendable (Region, [UInt8]) -> Void)?) {
        splitRequester.withLock { $0 = requester }
    }

    /// Asks for a split of the region when the policy says so and it has a split point; once, until
    /// `Region.splitRequestEnded()`.
    package func checkSplit(_ r: Region) {
        guard let requester = splitRequester.withLock({ $0 }), r.info.table != .meta, region(r.info.encodedName) === r, !r.isClosed else { return }
        let sameTable = onlineRegions.filter { $0.info.table == r.info.table }.count
        guard configuration.split.shouldSplit(largestStore: r.largestStoreSize, tableRegionsOnServer: sameTable) else { return }
        guard !r.splitRequested.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let point: [UInt8]?
        do {
            point = try r.splitPoint()
        } catch {
            logger.warning("no split point", metadata: ["region": "\(r.info.encodedName)", "error": "\(error)"])
            point = nil
        }
        guard let point else {
            r.splitRequestEnded()
            return
        }
        logger.info("region should split", metadata: ["region": "\(r.info.encodedName)", "size": "\(r.largestStoreSize)", "at": "\(Bytes.toStringBinary(point))"])
        requester(r, point)
    }

    private func countBlocked() { work.withLock { workState.countersStorage.blockedWrites += 1 } }

    // MARK: scheduling

    /// Queues a flush of the region (once; a queued region is not queued twice).
    package func requestFlush(_ region: Region, reason: FlushReason, alreadyMarked: Bool = false) {
        if !alreadyMarked { region.flushRequested.store(true, ordering: .relaxed) }
        work.withLock {
            if !workState.flushQueue.contains(where: { $0 === region }) {
                workState.flushQueue.append(region)
                workState.countersStorage.flushesByReason[reason, default: 0] += 1
            }
            work.broadcast()
        }
    }

    package func requestCompaction(_ region: Region, major: Bool) {
        work.withLock {
            if let i = workState.compactionQueue.firstIndex(where: { $0.0 === region }) {
                if major { workState.compactionQueue[i].1 = true }
            } else {
                workState.compactionQueue.append((region, major))
            }
            work.broadcast()
        }
    }

    private func signalGlobalPressure() {
        work.withLock {
            if !workState.globalPressure {
                workState.globalPressure = true
                work.broadcast()
            }
        }
    }

    private func runFlusher() {
        while true {
            var targets: [Region] = []
            work.lock()
            while !workState.stopping && workState.flushQueue.isEmpty && !workState.globalPressure { work.wait(until: Date().addingTimeInterval(1)) }
            if workState.stopping {
                work.unlock()
                return
            }
            if workState.globalPressure {
                workState.globalPressure = false
                let all = onlineRegions
                let chosen = configuration.flush.globalFlushTargets(all.map { (id: ObjectIdentifier($0), size: $0.memStoreSize) }, totalSize: globalSize.load(ordering: .relaxed))
                targets = all.filter { r in chosen.contains(ObjectIdentifier(r)) }
                if !targets.isEmpty { workState.countersStorage.flushesByReason[.global, default: 0] += targets.count }
                workState.flushQueue.removeAll { r in targets.contains { $0 === r } }
            } else {
                targets = [workState.flushQueue.removeFirst()]
            }
            work.unlock()
            for r in targets { flushNow(r) }
        }
    }

    private func flushNow(_ r: Region) {
        guard !r.isClosed else { return }
        do {
            try flush(r)
        } catch {
            work.withLock { workState.countersStorage.flushFailures += 1 }
            logger.error("scheduled flush failed", metadata: ["region": "\(r.info.encodedName)", "error": "\(error)"])
            r.flushRequested.store(false, ordering: .relaxed)
        }
        if configuration.flush.globalMustBlock(totalSize: globalSize.load(ordering: .relaxed)) { signalGlobalPressure() }
    }

    private func runCompactor() {
        while true {
            work.lock()
            while !workState.stopping && workState.compactionQueue.isEmpty { work.wait(until: Date().addingTimeInterval(1)) }
            if workState.stopping {
                work.unlock()
                return
            }
            let (r, major) = workState.compactionQueue.removeFirst()
            work.unlock()
            guard !r.isClosed else { continue }
            do {
                let n = try compact(r, major: major)
                if n > 0 {
                    if !major, r.storeFileCountMax >= configuration.region.compaction.minFiles { requestCompaction(r, major: false) }
                    checkSplit(r)
                }
            } catch {
                logger.error("compaction failed", metadata: ["region": "\(r.info.encodedName)", "error": "\(error)"])
            }
        }
    }

    /// The periodic checks: edits older than the flush interval (trigger 5), too many WAL files
    /// (trigger 4), regions over the flush size whose flush failed, and periodic major compactions.
    private func runChores() {
        while true {
            let deadline = Date().addingTimeInterval(configuration.wakeFrequency.inSeconds)
            work.lock()
            // The condition is shared with the queues: wake-ups before the deadline are not ours.
            while !workState.stopping && Date() < deadline { work.wait(until: deadline) }
            let stop = workState.stopping
            work.unlock()
            if stop { return }
            runChoresOnce()
        }
    }

    /// One round of the periodic checks (tests call it directly).
    package func runChoresOnce() {
        let policy = configuration.flush
        let now = clock()
        let all = onlineRegions
        for id in policy.periodicFlushTargets(all.map { (id: ObjectIdentifier($0), oldestEdit: $0.oldestUnflushedEditTime) }, now: now) {
            if let r = all.first(where: { ObjectIdentifier($0) == id }) { requestFlush(r, reason: .periodic) }
        }
        let pinned = policy.walFlushTargets(walFileCount: wal.fileCount, regionsInOldestFile: wal.regionsPinningOldestFile())
        for name in pinned {
            if let r = all.first(where: { $0.encodedNameBytes == name }) { requestFlush(r, reason: .wal) }
        }
        for r in all where policy.regionNeedsFlush(memStoreSize: r.memStoreSize) && !r.flushRequested.load(ordering: .relaxed) {
            requestFlush(r, reason: .size)
        }
        let cp = configuration.region.compaction
        for r in all {
            let due = r.stores.contains { s in
                let files = s.storeFiles
                return cp.isMajorDue(
                    oldestCreatedAt: files.map(\.info.createdAt).min(), fileCount: files.count,
                    singleFileIsMajor: files.count == 1 && files[0].info.majorCompacted && files[0].info.deleteCount == 0, now: now)
            }
            if due || r.hasReferences { requestCompaction(r, major: true) }
            checkSplit(r)
        }
    }
}
