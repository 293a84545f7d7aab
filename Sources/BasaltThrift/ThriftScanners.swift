import BasaltClient
import BasaltCore
import Logging
import Synchronization

/// The gateway's open scanners by id (Thrift1's `ScannerID`, counting up from 0). A scanner belongs to
/// the connection that opened it and closes with it; one left unused for the scanner timeout is closed
/// by `reapIdle`. An unknown id is `IllegalArgument("scanner ID is invalid")`, as in HBase. Safe to share.
final class ThriftScanners: Sendable {
    /// One open scanner. Its mutable state is touched only under `lock`.
    final class Entry: @unchecked Sendable {
        let lock = AsyncLock()
        let owner: Int
        let scanner: ResultScanner?
        let sorted: Bool
        /// Cells per returned row part (TScan.batchSize); 0 returns whole rows.
        let batch: Int
        var pendingRow: [UInt8] = []
        var pendingCells: ArraySlice<Cell> = []
        var closed = false
        let use = Mutex<(last: ContinuousClock.Instant, busy: Int)>((.now, 0))

        init(owner: Int, scanner: ResultScanner?, sorted: Bool, batch: Int) {
            self.owner = owner
            self.scanner = scanner
            self.sorted = sorted
            self.batch = batch
        }

        func begin() { use.withLock { $0 = (.now, $0.busy + 1) } }
        func end() { use.withLock { $0 = (.now, $0.busy - 1) } }

        func idle(since limit: Duration, now: ContinuousClock.Instant) -> Bool {
            use.withLock { $0.busy == 0 && now - $0.last > limit }
        }

        /// Closes the scanner (idempotent). Call holding `lock`.
        func shut() async {
            guard !closed else { return }
            closed = true
            await scanner?.close()
        }
    }

    let timeout: Duration
    let logger: Logger
    private let state = Mutex<(entries: [Int32: Entry], next: Int32)>(([:], 0))

    init(timeout: Duration, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// Registers a scanner; `scanner` nil is one that returns nothing (a time range that holds no cell).
    func open(_ scanner: ResultScanner?, owner: Int, sorted: Bool, batch: Int) -> Int32 {
        let entry = Entry(owner: owner, scanner: scanner, sorted: sorted, batch: batch)
        return state.withLock { s in
            var id = s.next
            while s.entries[id] != nil { id = id == .max ? 0 : id + 1 }
            s.next = id == .max ? 0 : id + 1
            s.entries[id] = entry
            return id
        }
    }

    private func entry(_ id: Int32) throws(ThriftError) -> Entry {
        guard let e = state.withLock({ $0.entries[id] }) else { throw .illegalArgument("scanner ID is invalid") }
        return e
    }

    /// Up to `limit` rows (or row parts, with a batch size); an empty list when the scan is done.
    func next(_ id: Int32, limit: Int) async throws -> ThriftValue {
        let e = try entry(id)
        e.begin()
        defer { e.end() }
        await e.lock.lock()
        defer { e.lock.unlock() }
        guard !e.closed else { throw ThriftError.illegalArgument("scanner ID is invalid") }
        var out: [ThriftValue] = []
        while out.count < limit {
            if !e.pendingCells.isEmpty {
                let part = e.pendingCells.prefix(e.batch)
                e.pendingCells = e.pendingCells.dropFirst(part.count)
                out.append(HbaseStructs.rowResult(row: e.pendingRow, cells: Array(part), sorted: e.sorted))
                continue
            }
            guard let row = try await e.scanner?.next() else { break }
            if row.cells.isEmpty { continue }
            if e.batch > 0 && row.cells.count > e.batch {
                e.pendingRow = row.row
                e.pendingCells = row.cells[...]
                continue
            }
            out.append(HbaseStructs.rowResult(row: row.row, cells: row.cells, sorted: e.sorted))
        }
        return .list(.structure, out)
    }

    func close(_ id: Int32) async throws {
        let e = try entry(id)
        state.withLock { _ = $0.entries.removeValue(forKey: id) }
        await e.lock.lock()
        await e.shut()
        e.lock.unlock()
    }

    /// Closes the scanners a connection opened (every scanner when `owner` is nil).
    func closeAll(owner: Int?) async {
        let gone = state.withLock { s -> [Entry] in
            let ids = s.entries.filter { owner == nil || $0.value.owner == owner }.map(\.key)
            return ids.compactMap { s.entries.removeValue(forKey: $0) }
        }
        for e in gone {
            await e.lock.lock()
            await e.shut()
            e.lock.unlock()
        }
    }

    /// Closes scanners idle longer than the timeout, until the task is cancelled.
    func reapIdle() async {
        let period = max(Duration.milliseconds(100), min(timeout / 2, .seconds(5)))
        while !Task.isCancelled {
            try? await Task.sleep(for: period)
            let now = ContinuousClock.now
            let idle = state.withLock { s -> [(Int32, Entry)] in
                let ids = s.entries.filter { $0.value.idle(since: timeout, now: now) }.map(\.key)
                return ids.compactMap { id in s.entries.removeValue(forKey: id).map { (id, $0) } }
            }
            for (id, e) in idle {
                logger.info("closing Thrift scanner \(id): unused for over \(timeout)")
                await e.lock.lock()
                await e.shut()
                e.lock.unlock()
            }
        }
    }
}
