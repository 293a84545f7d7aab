import BasaltCore

/// Walks one HFile in cell order: `seek` descends the index to the block that may hold the key and
/// binary-searches it; `next` moves through the block and on to the following one (data blocks are
/// contiguous). Holds its current block, so the cache may evict it meanwhile. Owned by one reader; not
/// thread-safe.
final class HFileScanner: KeyValueScanner {
    let reader: HFileReader
    let cacheBlocks: Bool
    private var block: HFileBlock?
    private var blockOffset: Int64 = 0
    private var index = 0
    private var current: CellRef?
    /// Holds the key `lastRow(below:)` returns.
    private var rowKey: UnsafeMutableRawPointer?
    private var rowKeyCapacity = 0

    init(reader: HFileReader, cacheBlocks: Bool) {
        self.reader = reader
        self.cacheBlocks = cacheBlocks
    }

    deinit { rowKey?.deallocate() }

    var peek: CellRef? { current }

    @inline(__always) private func settle() {
        guard let block, index < block.count else {
            current = nil
            return
        }
        let c = EncodedCell(block.entry(index))
        let (seq, _) = HFileBlock.sequenceId(after: c)
        current = CellRef(pointer: c.base, sequenceId: seq)
    }

    func next() throws {
        guard let b = block else { return }
        index += 1
        if index >= b.count {
            try load(at: blockOffset + Int64(b.size), size: nil)
            index = 0
        }
        settle()
    }

    /// Makes the data block at `offset` current (none past the data section).
    private func load(at offset: Int64, size: Int?) throws {
        guard offset < reader.trailer.dataEnd else {
            block = nil
            return
        }
        block = try reader.block(at: offset, size: size, type: .data, cacheBlocks: cacheBlocks)
        blockOffset = offset
    }

    /// Descends the index to the data block whose last key is the first at or after `key`.
    private func locate(_ key: EncodedCell) throws -> (Int64, Int)? {
        var node = reader.rootIndex
        var level = reader.trailer.indexLevels
        while true {
            let i = node.firstAtOrAfter(key, .max, reader.order)
            if i >= node.count { return nil }
            let child = node.child(i)
            if level == 1 { return child }
            node = try reader.block(at: child.0, size: child.1, type: .index, cacheBlocks: true)
            level -= 1
        }
    }

    /// Positions at the file's first cell.
    func seekToFirst() throws {
        try load(at: 0, size: nil)
        index = 0
        settle()
    }

    func seek(_ key: EncodedCell) throws {
        guard let (offset, size) = try locate(key) else {
            block = nil
            current = nil
            return
        }
        if block == nil || blockOffset != offset {
            try load(at: offset, size: size)
        }
        guard let b = block else {
            current = nil
            return
        }
        index = b.firstAtOrAfter(key, .max, reader.order)
        if index >= b.count {
            try load(at: offset + Int64(b.size), size: nil)
            index = 0
        }
        settle()
    }

    private func keep(_ p: UnsafeRawPointer, _ n: Int) -> UnsafeRawPointer {
        if rowKeyCapacity < n {
            rowKey?.deallocate()
            rowKey = .allocate(byteCount: n, alignment: 8)
            rowKeyCapacity = n
        }
        rowKey!.copyMemory(from: p, byteCount: n)
        return UnsafeRawPointer(rowKey!)
    }

    /// The last cell before the first possible key of `row` (the file's last cell when nil): a cell of
    /// the greatest row below it. Walks down the index keeping the best candidate seen: an index entry's
    /// key is the last key of everything below it.
    func lastRow(below row: UnsafeRawBufferPointer?) throws -> UnsafeRawPointer? {
        guard reader.info.cellCount > 0 else { return nil }
        guard let row else {
            return reader.info.lastKey.withUnsafeBytes { keep($0.baseAddress!, $0.count) }
        }
        let n = EncodedCell.headerLength + EncodedCell.keyLength(rowLength: row.count, familyLength: 0, qualifierLength: 0)
        let probe = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 8)
        defer { probe.deallocate() }
        EncodedCell.write(
            to: probe, row: row, family: UnsafeRawBufferPointer(start: nil, count: 0), qualifier: UnsafeRawBufferPointer(start: nil, count: 0),
            timestamp: .max, type: CellType.maximum.rawValue, value: UnsafeRawBufferPointer(start: nil, count: 0))
        let key = EncodedCell(probe)
        var candidate: UnsafeRawPointer?
        var node = reader.rootIndex
        var level = reader.trailer.indexLevels
        while true {
            let i = node.firstAtOrAfter(key, .max, reader.order)
            if i > 0 {
                let c = EncodedCell(node.entry(i - 1))
                candidate = keep(c.base, c.totalLength)
            }
            if i >= node.count { return candidate }
            let child = node.child(i)
            if level == 1 {
                let data = try reader.block(at: child.0, size: child.1, type: .data, cacheBlocks: cacheBlocks)
                let j = data.firstAtOrAfter(key, .max, reader.order)
                if j > 0 {
                    let c = EncodedCell(data.entry(j - 1))
                    return keep(c.base, c.totalLength)
                }
                return candidate
            }
            node = try reader.block(at: child.0, size: child.1, type: .index, cacheBlocks: true)
            level -= 1
        }
    }
}
