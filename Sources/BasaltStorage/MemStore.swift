import BasaltCore
import Synchronization

/// The in-memory, sorted write buffer of one store (one column family of one region).
///
/// Writes go into the active segment. `snapshot()` freezes the active segment for a flush and starts a new
/// one, so writes continue while the snapshot is written out; `clearSnapshot()` drops it afterwards and
/// its chunks return to the pool. Readers see both. One lock guards every segment's structure; a scanner
/// takes it only to fetch a batch of cell pointers. Safe to share across threads.
public final class MemStore: @unchecked Sendable {
    struct Segments {
        var active: MemStoreSegment
        var snapshot: MemStoreSegment?
        var nextId: Int
    }

    public let pool: MemStoreChunkPool
    /// Cells larger than this bypass the chunks (HBase's `hbase.hregion.memstore.mslab.max.allocation`).
    public let maxAllocation: Int
    let lock: Mutex<Segments>

    public init(pool: MemStoreChunkPool, maxAllocation: Int = 256 * 1024) {
        self.pool = pool
        self.maxAllocation = maxAllocation
        lock = Mutex(Segments(active: MemStoreSegment(pool: pool, maxAllocation: maxAllocation, id: 0), snapshot: nil, nextId: 1))
    }

    /// Inserts one cell with the given timestamp (already resolved) and sequence id.
    public func insert(_ cell: Cell, timestamp: Int64, sequenceId: UInt64) {
        lock.withLock { $0.active.insert(cell, timestamp: timestamp, sequenceId: sequenceId) }
    }

    /// Inserts several cells under one lock acquisition.
    public func insert(_ cells: ArraySlice<Cell>, timestamp: (Cell) -> Int64, sequenceId: UInt64) {
        lock.withLock { s in
            for c in cells { s.active.insert(c, timestamp: timestamp(c), sequenceId: sequenceId) }
        }
    }

    /// Sizes: encoded bytes of cells (data) and memory held (heap), active and snapshot together.
    public var dataSize: Int { lock.withLock { $0.active.dataSize + ($0.snapshot?.dataSize ?? 0) } }
    public var heapSize: Int { lock.withLock { $0.active.heapSize + ($0.snapshot?.heapSize ?? 0) } }
    public var cellCount: Int { lock.withLock { $0.active.cellCount + ($0.snapshot?.cellCount ?? 0) } }
    public var activeDataSize: Int { lock.withLock { $0.active.dataSize } }
    public var snapshotDataSize: Int { lock.withLock { $0.snapshot?.dataSize ?? 0 } }

    /// Freezes the active segment for a flush. Returns false (and changes nothing) when a snapshot is
    /// already waiting or the active segment is empty.
    @discardableResult
    public func snapshot() -> Bool {
        lock.withLock { s in
            guard s.snapshot == nil, !s.active.isEmpty else { return false }
            s.snapshot = s.active
            s.active = MemStoreSegment(pool: pool, maxAllocation: maxAllocation, id: s.nextId)
            s.nextId += 1
            return true
        }
    }

    /// Drops the snapshot once it is flushed. Its memory is released when the last scanner lets go.
    public func clearSnapshot() {
        lock.withLock { $0.snapshot = nil }
    }

    /// Scanners over the active segment and the snapshot, seeing only cells with sequence id ≤ `readPoint`.
    func scanners(readPoint: UInt64) -> [any KeyValueScanner] {
        let (active, snap) = lock.withLock { ($0.active, $0.snapshot) }
        var out: [any KeyValueScanner] = [SegmentScanner(memStore: self, segment: active, readPoint: readPoint)]
        if let snap { out.append(SegmentScanner(memStore: self, segment: snap, readPoint: readPoint)) }
        return out
    }

    /// Every cell of the snapshot in order (for a flush), or nil when there is none.
    func withSnapshotCells<R>(_ body: ([(UnsafeRawPointer, UInt64)]) throws -> R) rethrows -> R? {
        guard let snap = lock.withLock({ $0.snapshot }) else { return nil }
        var cells: [(UnsafeRawPointer, UInt64)] = []
        lock.withLock { _ in
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
    private var following: Int32?
    private var started = false

    init(memStore: MemStore, segment: MemStoreSegment, readPoint: UInt64) {
        self.memStore = memStore
        self.segment = segment
        self.readPoint = readPoint
        buffer.reserveCapacity(Self.batch)
    }

    private func refill() {
        buffer.removeAll(keepingCapacity: true)
        index = 0
        guard let from = following else { return }
        following = memStore.lock.withLock { _ in segment.read(from: from, max: Self.batch, into: &buffer) }
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
            following = memStore.lock.withLock { _ in segment.firstNode }
            refill()
        }
        settle()
        guard index < buffer.count else { return nil }
        let (p, s) = buffer[index]
        return CellRef(pointer: p, sequenceId: s)
    }

    func next() {
        index += 1
        settle()
    }

    func seek(_ key: EncodedCell) {
        started = true
        following = memStore.lock.withLock { _ in segment.seek(key, sequenceId: .max) }
        refill()
        settle()
    }

    func lastRow(below row: UnsafeRawBufferPointer?) -> UnsafeRawPointer? {
        memStore.lock.withLock { _ -> UnsafeRawPointer? in
            guard let n = segment.lastNode(rowBelow: row) else { return nil }
            return segment.cell(at: n).0
        }
    }
}
