import BasaltCore

/// One sorted set of cells in a MemStore: the active set taking writes, or a snapshot awaiting flush.
///
/// A skip list whose nodes live in MSLAB chunks from the pool, each node right beside its cell's bytes:
/// ```
/// u64 sequenceId | u32 height | u32 unused | height × next-node pointer | EncodedCell
/// ```
/// so a search step touches one cache line, and no Swift object exists per cell. Nodes larger than
/// `maxAllocation` get their own block. Chunks never move, so node and cell pointers stay valid while the
/// segment is alive (scanners keep it alive). All mutable state is guarded by the owning `MemStore`'s lock.
final class MemStoreSegment: @unchecked Sendable {
    static let maxHeight = 16
    static let nodeHeader = 16

    let pool: MemStoreChunkPool
    let maxAllocation: Int
    let id: Int
    /// How rows sort (the table's order).
    let order: RowOrder

    private var chunks: [UnsafeMutableRawPointer] = []
    private var chunkOffset = 0
    private var chunkEnd: UnsafeMutableRawPointer?
    private var large: [UnsafeMutableRawPointer] = []
    private var largeBytes = 0
    /// The head: `maxHeight` next pointers, no cell.
    private let head: UnsafeMutableRawPointer
    private var height = 1
    private var random: UInt64
    private let update: UnsafeMutablePointer<UnsafeMutableRawPointer>

    /// Encoded bytes of the cells held.
    private(set) var dataSize = 0
    private(set) var cellCount = 0
    private(set) var minSequenceId: UInt64 = .max
    private(set) var maxSequenceId: UInt64 = 0
    private(set) var minTimestamp: Int64 = .max
    private(set) var maxTimestamp: Int64 = .min

    init(pool: MemStoreChunkPool, maxAllocation: Int, id: Int, order: RowOrder) {
        self.pool = pool
        self.maxAllocation = maxAllocation
        self.id = id
        self.order = order
        random = 0x9E37_79B9_7F4A_7C15 &+ UInt64(id) &* 0xBF58_476D_1CE4_E5B9
        head = .allocate(byteCount: Self.nodeHeader + 8 * Self.maxHeight, alignment: 8)
        head.initializeMemory(as: UInt8.self, repeating: 0, count: Self.nodeHeader + 8 * Self.maxHeight)
        head.storeBytes(of: UInt32(Self.maxHeight), toByteOffset: 8, as: UInt32.self)
        update = .allocate(capacity: Self.maxHeight)
        update.initialize(repeating: head, count: Self.maxHeight)
    }

    deinit {
        if !chunks.isEmpty { pool.give(chunks) }
        for p in large { p.deallocate() }
        head.deallocate()
        update.deallocate()
    }

    /// Bytes of memory the segment holds: chunks and oversized nodes.
    var heapSize: Int { chunks.count * pool.chunkSize + largeBytes }

    var isEmpty: Bool { cellCount == 0 }

    // MARK: node layout

    @inline(__always) static func next(_ node: UnsafeRawPointer, _ level: Int) -> UnsafeMutableRawPointer? {
        node.load(fromByteOffset: nodeHeader + 8 * level, as: UnsafeMutableRawPointer?.self)
    }

    @inline(__always) static func setNext(_ node: UnsafeMutableRawPointer, _ level: Int, _ to: UnsafeMutableRawPointer?) {
        node.storeBytes(of: to, toByteOffset: nodeHeader + 8 * level, as: UnsafeMutableRawPointer?.self)
    }

    @inline(__always) static func sequenceId(_ node: UnsafeRawPointer) -> UInt64 { node.load(as: UInt64.self) }

    @inline(__always) static func cell(_ node: UnsafeRawPointer) -> UnsafeRawPointer {
        node + nodeHeader + 8 * Int(node.load(fromByteOffset: 8, as: UInt32.self))
    }

    private func allocate(_ n: Int) -> UnsafeMutableRawPointer {
        if n > maxAllocation {
            let p = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
            large.append(p)
            largeBytes += n
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

    /// Whether `node` sorts before (key, seq).
    @inline(__always) private func less(_ node: UnsafeRawPointer, _ key: EncodedCell, _ seq: UInt64) -> Bool {
        CellComparator.compare(EncodedCell(Self.cell(node)), Self.sequenceId(node), key, seq, order) < 0
    }

    /// Fills `update` with the last node before (key, seq) at every level.
    @inline(__always) private func findPredecessors(_ key: EncodedCell, _ seq: UInt64) {
        var x = UnsafeMutableRawPointer(head)
        var level = height - 1
        // The node that stopped the previous level is known not to be less: don't compare it again.
        var bigger: UnsafeMutableRawPointer?
        while level >= 0 {
            while let nx = Self.next(x, level), nx != bigger, less(nx, key, seq) { x = nx }
            bigger = Self.next(x, level)
            update[level] = x
            level -= 1
        }
    }

    // MARK: writing

    /// Copies a cell in with the given timestamp and links it. Equal keys go before existing ones.
    func insert(_ cell: Cell, timestamp: Int64, sequenceId: UInt64) {
        let h = randomHeight()
        let cellLength = cell.encodedLength
        let node = allocate(Self.nodeHeader + 8 * h + cellLength)
        EncodedCell.write(cell, timestamp: timestamp, to: node + Self.nodeHeader + 8 * h)
        link(node, height: h, sequenceId: sequenceId, cellLength: cellLength, timestamp: timestamp)
    }

    private func link(_ node: UnsafeMutableRawPointer, height h: Int, sequenceId: UInt64, cellLength: Int, timestamp: Int64) {
        node.storeBytes(of: sequenceId, as: UInt64.self)
        node.storeBytes(of: UInt32(h), toByteOffset: 8, as: UInt32.self)
        node.storeBytes(of: UInt32(0), toByteOffset: 12, as: UInt32.self)
        findPredecessors(EncodedCell(Self.cell(node)), sequenceId)
        if h > height {
            for l in height..<h { update[l] = head }
            height = h
        }
        for l in 0..<h {
            let prev = update[l]
            Self.setNext(node, l, Self.next(prev, l))
            Self.setNext(prev, l, node)
        }
        dataSize += cellLength
        cellCount += 1
        if sequenceId < minSequenceId { minSequenceId = sequenceId }
        if sequenceId > maxSequenceId { maxSequenceId = sequenceId }
        if timestamp < minTimestamp { minTimestamp = timestamp }
        if timestamp > maxTimestamp { maxTimestamp = timestamp }
    }

    // MARK: reading (under the MemStore's lock)

    /// The first node at or after (key, seq); nil when none.
    func seek(_ key: EncodedCell, sequenceId: UInt64) -> UnsafeRawPointer? {
        findPredecessors(key, sequenceId)
        return Self.next(update[0], 0).map { UnsafeRawPointer($0) }
    }

    /// The last node whose row is below `row` (the last node when `row` is nil); nil when none.
    func lastNode(rowBelow row: UnsafeRawBufferPointer?) -> UnsafeRawPointer? {
        var x = UnsafeMutableRawPointer(head)
        var level = height - 1
        while level >= 0 {
            while let nx = Self.next(x, level) {
                if let row {
                    let c = EncodedCell(Self.cell(nx))
                    guard order.compare(c.rowPointer, c.rowLength, row.baseAddress, row.count) < 0 else { break }
                }
                x = nx
            }
            level -= 1
        }
        return x == head ? nil : UnsafeRawPointer(x)
    }

    var firstNode: UnsafeRawPointer? { Self.next(head, 0).map { UnsafeRawPointer($0) } }

    /// Appends up to `max` (cell, sequence id) pairs starting at `node` (inclusive) to `out`; returns
    /// the node after the last one read.
    func read(from node: UnsafeRawPointer, max: Int, into out: inout [(UnsafeRawPointer, UInt64)]) -> UnsafeRawPointer? {
        var n: UnsafeRawPointer? = node
        var k = 0
        while let x = n, k < max {
            out.append((Self.cell(x), Self.sequenceId(x)))
            n = Self.next(x, 0).map { UnsafeRawPointer($0) }
            k += 1
        }
        return n
    }
}
