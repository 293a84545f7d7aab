import BasaltCore

/// The in-memory, sorted write buffer of one store (one column family of one region).
///
/// Writes go into the active segment. `snapshot()` freezes the active segment for a flush and starts a new
/// one, so writes continue while the snapshot is written out; `clearSnapshot()` drops it afterwards and
/// its chunks return to the pool. Readers see both. One lock guards every segment's structure; a scanner
/// takes it only to fetch a batch of cell pointers. Safe to share across threads.
package final class MemStore: @unchecked Sendable {

    package let pool: MemStoreChunkPool
    /// Cells larger than this bypass the chunks (HBase's `hbase.hregion.memstore.mslab.max.allocation`).
    package let maxAllocation: Int
    /// How rows sort (the table's order).
    package let order: RowOrder
    /// Guards the three fields below and the structure of every segment.
    /// What `lock` guards; the lock also guards the insides of both segments (their skip lists).
    private struct State {
        /// Where writes go.
        var active: MemStoreSegment
        /// The segment a flush is writing out, if any.
        var snapshotSegment: MemStoreSegment?
        /// The id the next active segment gets.
        var nextId = 1
    }

    let lock = Lock(rank: .memStore)
    private var state: State

    package init(pool: MemStoreChunkPool, maxAllocation: Int = 256 * 1024, order: RowOrder = .bytes) {
        self.pool = pool
        self.maxAllocation = maxAllocation
        self.order = order
        state = State(active: MemStoreSegment(pool: pool, maxAllocation: maxAllocation, id: 0, order: order))
    }

    /// Inserts one cell with the given timestamp (already resolved) and sequence id.
    package func insert(_ cell: Cell, timestamp: Int64, sequenceId: UInt64) {
        lock.withLock { state.active.insert(cell, timestamp: timestamp, sequenceId: sequenceId) }
    }

    /// Inserts several cells under one lock acquisition.
    package func insert(_ cells: ArraySlice<Cell>, timestamp: (Cell) -> Int64, sequenceId: UInt64) {
        lock.withLock {
            for c in cells { state.active.insert(c, timestamp: timestamp(c), sequenceId: sequenceId) }
        }
    }

    /// Sizes: encoded bytes of cells (data) and memory held (heap), active and snapshot together.
    package var dataSize: Int { lock.withLock { state.active.dataSize + (state.snapshotSegment?.dataSize ?? 0) } }
    package var heapSize: Int { lock.withLock { state.active.heapSize + (state.snapshotSegment?.heapSize ?? 0) } }
    package var cellCount: Int { lock.withLock { state.active.cellCount + (state.snapshotSegment?.cellCount ?? 0) } }
    package var activeDataSize: Int { lock.withLock { state.active.dataSize } }
    package var snapshotDataSize: Int { lock.withLock { state.snapshotSegment?.dataSize ?? 0 } }
    package var snapshotCellCount: Int { lock.withLock { state.snapshotSegment?.cellCount ?? 0 } }

    /// Freezes the active segment for a flush. Returns false (and changes nothing) when a snapshot is
    /// already waiting or the active segment is empty.
    @discardableResult
    package func snapshot() -> Bool {
        lock.withLock {
            guard state.snapshotSegment == nil, !state.active.isEmpty else { return false }
            state.snapshotSegment = state.active
            state.active = MemStoreSegment(pool: pool, maxAllocation: maxAllocation, id: state.nextId, order: order)
            state.nextId += 1
            return true
        }
    }

    /// Drops the snapshot once it is flushed. Its memory is released when the last scanner lets go.
    package func clearSnapshot() {
        lock.withLock { state.snapshotSegment = nil }
    }

    /// Scanners over the active segment and the snapshot, seeing only cells with sequence id ≤ `readPoint`.
    func scanners(readPoint: UInt64) -> [any KeyValueScanner] {
        // A segment empty now gets nothing this reader may see: later cells are above its read point.
        let (active, snap) = lock.withLock { (state.active.isEmpty ? nil : state.active, state.snapshotSegment) }
        var out: [any KeyValueScanner] = []
        if let active { out.append(SegmentScanner(memStore: self, segment: active, readPoint: readPoint)) }
        if let snap { out.append(SegmentScanner(memStore: self, segment: snap, readPoint: readPoint)) }
        return out
    }

    /// Every cell of the snapshot in order (for a flush), or nil when there is none.
    func withSnapshotCells<R>(_ body: ([(UnsafeRawPointer, UInt64)]) throws -> R) rethrows -> R? {
        guard let snap = lock.withLock({ state.snapshotSegment }) else { return nil }
        var cells: [(UnsafeRawPointer, UInt64)] = []
        lock.withLock {
            cells.reserveCapacity(snap.cellCount)
            if let first = snap.firstNode { _ = snap.read(from: first, max: .max, into: &cells) }
        }
        return try withExtendedLifetime(snap) { try body(cells) }
    }
}

/// Walks one MemStore segment in order, fetching cell pointers in batches under the MemStore's lock and
/// hiding cells newer than its read point. Owned by one reader; not thread-safe.
final class SegmentScanner: KeyValueScanner {
    static let batch = 64
    let memStore: MemStore
    let segment: MemStoreSegment
    let readPoint: UInt64
    private var buffer: [(UnsafeRawPointer, UInt64)] = []
    private var index = 0
    private var following: UnsafeRawPointer?
    /// Grows from 4 to `batch`: a get reads a few cells, a scan many.
    private var nextBatch = 4
    private var started = false

    init(memStore: MemStore, segment: MemStoreSegment, readPoint: UInt64) {
        self.memStore = memStore
        self.segment = segment
        self.readPoint = readPoint
    }

    private func refill() {
        buffer.removeAll(keepingCapacity: true)
        index = 0
        guard let from = following else { return }
        let n = nextBatch
        nextBatch = min(Self.batch, nextBatch * 4)
        following = memStore.lock.withLock { segment.read(from: from, max: n, into: &buffer) }
    }

    /// Skips cells this reader must not see; refills as needed.
    @inline(__always) private func settle() {
        while true {
            if index >= buffer.count {
                if following == nil { return }
                refill()
                continue
            }
            if buffer[index].1 <= readPoint { return }
            index += 1
        }
    }

    var peek: CellRef? {
        if !started {
            started = true
            following = memStore.lock.withLock { segment.firstNode }
            refill()
        }
        settle()
        guard index < buffer.count else { return nil }
        let (p, s) = buffer[index]
        return CellRef(pointer: p, sequenceId: s)
    }

    func next() throws {
        index += 1
        settle()
    }

    func seek(_ key: EncodedCell) throws {
        started = true
        following = memStore.lock.withLock { segment.seek(key, sequenceId: .max) }
        nextBatch = 4
        refill()
        settle()
    }

    func lastRow(below row: UnsafeRawBufferPointer?) throws -> UnsafeRawPointer? {
        memStore.lock.withLock { () -> UnsafeRawPointer? in
            guard let n = segment.lastNode(rowBelow: row) else { return nil }
            return MemStoreSegment.cell(n)
        }
    }
}
