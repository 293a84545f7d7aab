import BasaltCore

/// One sorted set of cells in a MemStore: the active set taking writes, or a snapshot awaiting flush.
///
/// Cell bytes are copied into MSLAB chunks from the pool (cells over `maxAllocation` get their own
/// block); the order is kept by a skip list whose nodes live in flat arrays (no object per cell).
/// Chunks never move, so an `EncodedCell` pointer stays valid while the segment is alive: scanners keep
/// the segment alive. All mutable state is guarded by the owning `MemStore`'s lock.
final class MemStoreSegment: @unchecked Sendable {
    static let maxHeight = 16
    static let nilNode: Int32 = -1

    let pool: MemStoreChunkPool
    let maxAllocation: Int
    let id: Int

    // MSLAB state.
    private var chunks: [UnsafeMutableRawPointer] = []
    private var chunkOffset = 0
    private var large: [UnsafeMutableRawPointer] = []

    // Skip list: node 0 is the head. `next[towerStart[n] + level]` is the successor at that level.
    private var cellPointers: [UnsafeRawPointer?] = [nil]
    private var sequenceIds: [UInt64] = [0]
    private var towerStart: [Int32] = [0]
    private var next: [Int32] = Array(repeating: nilNode, count: maxHeight)
    private var height = 1
    private var random: UInt64
    private var update = [Int32](repeating: 0, count: maxHeight)

    /// Encoded bytes of the cells held.
    private(set) var dataSize = 0
    private(set) var cellCount = 0
    private(set) var minSequenceId: UInt64 = .max
    private(set) var maxSequenceId: UInt64 = 0
    private(set) var minTimestamp: Int64 = .max
    private(set) var maxTimestamp: Int64 = .min

    init(pool: MemStoreChunkPool, maxAllocation: Int, id: Int) {
        self.pool = pool
        self.maxAllocation = maxAllocation
        self.id = id
        random = 0x9E37_79B9_7F4A_7C15 &+ UInt64(id) &* 0xBF58_476D_1CE4_E5B9
    }

    deinit {
        if !chunks.isEmpty { pool.give(chunks) }
        for p in large { p.deallocate() }
    }

    /// Bytes of memory the segment holds: chunks, oversized cells and the skip list.
    var heapSize: Int {
        chunks.count * pool.chunkSize + large.count * 64 + dataSizeOfLarge + cellPointers.count * 21 + next.count * 4
    }
    private var dataSizeOfLarge = 0

    var isEmpty: Bool { cellCount == 0 }

    private func allocate(_ n: Int) -> UnsafeMutableRawPointer {
        if n > maxAllocation {
            let p = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
            large.append(p)
            dataSizeOfLarge += n
            return p
        }
        if chunks.isEmpty || chunkOffset + n > pool.chunkSize {
            chunks.append(pool.take())
            chunkOffset = 0
        }
        let p = chunks[chunks.count - 1] + chunkOffset
        chunkOffset += (n + 7) & ~7
        return p
    }

    @inline(__always) private func randomHeight() -> Int {
        random ^= random << 13
        random ^= random >> 7
        random ^= random << 17
        var h = 1
        var r = random
        while h < Self.maxHeight && (r & 3) == 0 {
            h += 1
            r >>= 2
        }
        return h
    }

    @inline(__always) private func nextOf(_ node: Int32, _ level: Int) -> Int32 {
        next[Int(towerStart[Int(node)]) + level]
    }

    /// Whether node `n` sorts before (key, seq).
    @inline(__always) private func nodeLess(_ n: Int32, _ key: EncodedCell, _ seq: UInt64) -> Bool {
        CellComparator.compare(EncodedCell(cellPointers[Int(n)]!), sequenceIds[Int(n)], key, seq) < 0
    }

    /// Copies a cell in and links it. Equal keys insert before existing ones (newest first).
    func insert(_ cell: Cell, timestamp: Int64, sequenceId: UInt64) {
        let n = cell.encodedLength
        let p = allocate(n)
        cell.row.withUnsafeBytes { r in
            cell.family.withUnsafeBytes { f in
                cell.qualifier.withUnsafeBytes { q in
                    cell.value.withUnsafeBytes { v in
                        _ = EncodedCell.write(to: p, row: r, family: f, qualifier: q, timestamp: timestamp, type: cell.type.rawValue, value: v)
                    }
                }
            }
        }
        link(UnsafeRawPointer(p), sequenceId: sequenceId, encodedLength: n, timestamp: timestamp)
    }

    /// Copies an already encoded cell in and links it.
    func insert(encoded: EncodedCell, sequenceId: UInt64) {
        let n = encoded.totalLength
        let p = allocate(n)
        p.copyMemory(from: encoded.base, byteCount: n)
        link(UnsafeRawPointer(p), sequenceId: sequenceId, encodedLength: n, timestamp: encoded.timestamp)
    }

    private func link(_ p: UnsafeRawPointer, sequenceId: UInt64, encodedLength: Int, timestamp: Int64) {
        let key = EncodedCell(p)
        var x: Int32 = 0
        var level = height - 1
        while level >= 0 {
            while true {
                let nx = nextOf(x, level)
                if nx != Self.nilNode && nodeLess(nx, key, sequenceId) { x = nx } else { break }
            }
            update[level] = x
            level -= 1
        }
        let h = randomHeight()
        if h > height {
            for l in height..<h { update[l] = 0 }
            height = h
        }
        let node = Int32(cellPointers.count)
        cellPointers.append(p)
        sequenceIds.append(sequenceId)
        towerStart.append(Int32(next.count))
        for l in 0..<h {
            let prev = update[l]
            let slot = Int(towerStart[Int(prev)]) + l
            next.append(next[slot])
            next[slot] = node
        }
        dataSize += encodedLength
        cellCount += 1
        minSequenceId = min(minSequenceId, sequenceId)
        maxSequenceId = max(maxSequenceId, sequenceId)
        minTimestamp = min(minTimestamp, timestamp)
        maxTimestamp = max(maxTimestamp, timestamp)
    }

    /// The first node at or after (key, seq); nil when none.
    func seek(_ key: EncodedCell, sequenceId: UInt64) -> Int32? {
        var x: Int32 = 0
        var level = height - 1
        while level >= 0 {
            while true {
                let nx = nextOf(x, level)
                if nx != Self.nilNode && nodeLess(nx, key, sequenceId) { x = nx } else { break }
            }
            level -= 1
        }
        let n = nextOf(x, 0)
        return n == Self.nilNode ? nil : n
    }

    /// The last node whose row is below `row` (every node when `row` is nil); nil when none.
    func lastNode(rowBelow row: UnsafeRawBufferPointer?) -> Int32? {
        var x: Int32 = 0
        var level = height - 1
        while level >= 0 {
            while true {
                let nx = nextOf(x, level)
                guard nx != Self.nilNode else { break }
                if let row {
                    let c = EncodedCell(cellPointers[Int(nx)]!)
                    if CellComparator.compareBytes(c.rowPointer, c.rowLength, row.baseAddress, row.count) < 0 { x = nx } else { break }
                } else {
                    x = nx
                }
            }
            level -= 1
        }
        return x == 0 ? nil : x
    }

    /// The first node of the list; nil when empty.
    var firstNode: Int32? {
        let n = nextOf(0, 0)
        return n == Self.nilNode ? nil : n
    }

    /// Reads up to `max` nodes starting at `node` (inclusive) into `out`; returns the node after the last one read.
    func read(from node: Int32, max: Int, into out: inout [(UnsafeRawPointer, UInt64)]) -> Int32? {
        var n = node
        var k = 0
        while n != Self.nilNode && k < max {
            out.append((cellPointers[Int(n)]!, sequenceIds[Int(n)]))
            n = nextOf(n, 0)
            k += 1
        }
        return n == Self.nilNode ? nil : n
    }

    func cell(at node: Int32) -> (UnsafeRawPointer, UInt64) { (cellPointers[Int(node)]!, sequenceIds[Int(node)]) }
}
