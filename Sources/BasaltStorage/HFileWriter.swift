import BasaltCore

/// Writes one HFile from cells given in cell order: data blocks of about `blockSize` bytes as they fill,
/// then the index (one level, or more once a level outgrows `HFileFormat.maxIndexBlockSize`), the bloom
/// filter, the file info and the trailer; then fsyncs. The caller writes to a temporary name and renames
/// (see `Store`). Owned by one thread; not thread-safe.
final class HFileWriter {
    let path: String
    let blockSize: Int
    let bloomType: ColumnFamilyDescriptor.BloomType
    /// Index blocks larger than this make the writer add a level (tests lower it).
    let maxIndexBlockSize: Int
    private let file: any WritableFile
    private let data = HFileBlockBuilder(type: .data)
    private let bloom: BloomFilter?
    private var info = HFileInfo()
    private var trailer = HFileTrailer()
    private var offset: Int64 = 0
    /// Level-1 index entries (last key of each data block, its sequence id, offset and size).
    private var indexEntries = RawBuffer(capacity: 64 * 1024)
    private var indexOffsets: [Int] = []
    private var lastRow: [UInt8] = []
    private var lastQualifier: [UInt8] = []
    private var haveLast = false
    private var lastKeyCopy: [UInt8] = []
    private var lastSequenceId: UInt64 = 0

    /// `expectedKeys` sizes the bloom filter (an overestimate only costs space).
    /// `order`: how the table's rows sort (recorded in the file info; the cells must come in that order).
    init(
        fileSystem: any FileSystem, path: String, blockSize: Int, bloomType: ColumnFamilyDescriptor.BloomType, expectedKeys: Int, createdAt: Int64,
        order: RowOrder, maxIndexBlockSize: Int = HFileFormat.maxIndexBlockSize
    ) throws {
        self.path = path
        self.maxIndexBlockSize = max(256, maxIndexBlockSize)
        self.blockSize = max(1024, blockSize)
        self.bloomType = bloomType
        file = try fileSystem.openForAppend(path, truncate: true)
        bloom = bloomType == .none ? nil : BloomFilter(expectedKeys: max(1, expectedKeys))
        info.bloomType = bloomType
        info.blockSize = self.blockSize
        info.createdAt = createdAt
        info.rowOrder = order
    }

    var cellCount: Int { info.cellCount }

    /// Appends a cell; cells must come in cell order (sequence id descending among equal keys).
    func append(_ cell: EncodedCell, sequenceId: UInt64) throws {
        let row = cell.row
        let newRow = !haveLast || lastRow.withUnsafeBytes { CellComparator.compareBytes($0, row) } != 0
        if newRow {
            if data.estimatedSize >= blockSize { try finishDataBlock() }
            lastRow.removeAll(keepingCapacity: true)
            lastRow.append(contentsOf: row)
            info.rowCount += 1
        } else if data.estimatedSize >= blockSize + blockSize / 4 {
            // A very wide row may still split across blocks.
            try finishDataBlock()
        }
        if !haveLast { info.firstKey = Self.keyOnly(cell) }
        haveLast = true
        data.beginEntry()
        let n = cell.totalLength
        data.buffer.reserve(n).copyMemory(from: cell.base, byteCount: n)
        data.buffer.count += n
        data.buffer.appendVarint(sequenceId)
        lastSequenceId = sequenceId

        info.cellCount += 1
        let ts = cell.timestamp
        if ts < info.minTimestamp { info.minTimestamp = ts }
        if ts > info.maxTimestamp { info.maxTimestamp = ts }
        if sequenceId > info.maxSequenceId { info.maxSequenceId = sequenceId }
        let type = cell.typeByte
        if type != CellType.put.rawValue { info.deleteCount += 1 }
        if let bloom {
            switch bloomType {
            case .row:
                if newRow { bloom.add(hash: BloomFilter.rowHash(row)) }
            case .rowcol:
                let q = cell.qualifier
                if newRow || lastQualifier.withUnsafeBytes({ CellComparator.compareBytes($0, q) }) != 0 {
                    bloom.add(hash: BloomFilter.rowColumnHash(row, q))
                    lastQualifier.removeAll(keepingCapacity: true)
                    lastQualifier.append(contentsOf: q)
                }
                if type == CellType.deleteFamily.rawValue || type == CellType.deleteFamilyVersion.rawValue {
                    bloom.add(hash: BloomFilter.familyDeleteHash(row))
                }
            case .none:
                break
            }
        }
    }

    /// The key of a cell with an empty value (how index entries and file info store keys).
    static func keyOnly(_ cell: EncodedCell) -> [UInt8] {
        let kl = cell.keyLength
        var out = [UInt8](repeating: 0, count: EncodedCell.headerLength + kl)
        out.withUnsafeMutableBytes { d in
            d.baseAddress!.copyMemory(from: cell.base, byteCount: EncodedCell.headerLength + kl)
            d.storeBytes(of: UInt32(0), toByteOffset: 4, as: UInt32.self)
        }
        return out
    }

    private func writeBlock(_ bytes: UnsafeRawBufferPointer) throws -> (Int64, Int) {
        let at = offset
        try file.append(bytes)
        offset += Int64(bytes.count)
        return (at, bytes.count)
    }

    private func finishDataBlock() throws {
        guard !data.isEmpty else { return }
        let last = EncodedCell(data.lastEntry)
        let lastKey = Self.keyOnly(last)
        let bytes = data.finish(withEntryTable: true)
        info.dataBytes += bytes.count
        let (at, size) = try writeBlock(bytes)
        trailer.dataBlockCount += 1
        Self.addIndexEntry(indexEntries, &indexOffsets, key: lastKey, sequenceId: lastSequenceId, child: at, size: size)
        lastKeyCopy = lastKey
        data.reset()
    }

    /// Index entry: key-only cell | varint sequence id | u64 child offset | u32 child size.
    static func addIndexEntry(_ buffer: RawBuffer, _ offsets: inout [Int], key: [UInt8], sequenceId: UInt64, child: Int64, size: Int) {
        offsets.append(buffer.count)
        key.withUnsafeBytes { buffer.append($0) }
        buffer.appendVarint(sequenceId)
        buffer.appendUInt64(UInt64(bitPattern: child))
        buffer.reserve(4).storeBytes(of: UInt32(size).littleEndian, as: UInt32.self)
        buffer.count += 4
    }

    /// Writes what remains, fsyncs and closes; returns the file info written.
    @discardableResult
    func finish(extra: (inout HFileInfo) -> Void = { _ in }) throws -> HFileInfo {
        try finishDataBlock()
        trailer.dataEnd = offset
        if haveLast { info.lastKey = lastKeyCopy }
        try writeIndex()
        if let bloom {
            var w = ByteWriter(capacity: bloom.byteCount + 16)
            bloom.serialize(into: &w)
            let b = HFileBlockBuilder(type: .bloom)
            w.bytes.withUnsafeBytes { b.append($0) }
            (trailer.bloomOffset, trailer.bloomSize) = try writeBlock(b.finish(withEntryTable: false))
        }
        extra(&info)
        var w = ByteWriter(capacity: 512)
        info.encode(into: &w)
        let fb = HFileBlockBuilder(type: .fileInfo)
        w.bytes.withUnsafeBytes { fb.append($0) }
        (trailer.fileInfoOffset, trailer.fileInfoSize) = try writeBlock(fb.finish(withEntryTable: false))
        try trailer.encode().withUnsafeBytes { _ = try writeBlock($0) }
        try file.sync()
        try file.close()
        return info
    }

    /// Writes the index bottom-up: while a level's entries do not fit one index block, they are cut
    /// into blocks and the next level indexes those blocks by their last key.
    private func writeIndex() throws {
        var entries = indexEntries
        var offsets = indexOffsets
        var levels = 1
        let builder = HFileBlockBuilder(type: .index)
        while entries.count + 4 * offsets.count > maxIndexBlockSize && offsets.count > 1 {
            let parent = RawBuffer(capacity: 4096)
            var parentOffsets: [Int] = []
            var i = 0
            while i < offsets.count {
                builder.reset()
                var lastStart = 0
                while i < offsets.count && (builder.isEmpty || builder.estimatedSize < maxIndexBlockSize / 2) {
                    let start = offsets[i]
                    let end = i + 1 < offsets.count ? offsets[i + 1] : entries.count
                    builder.beginEntry()
                    builder.append(UnsafeRawBufferPointer(start: entries.base + start, count: end - start))
                    lastStart = start
                    i += 1
                }
                let lastCell = EncodedCell(entries.base + lastStart)
                let (seq, _) = HFileBlock.sequenceId(after: lastCell)
                let key = Array(UnsafeRawBufferPointer(start: lastCell.base, count: lastCell.totalLength))
                let (at, size) = try writeBlock(builder.finish(withEntryTable: true))
                Self.addIndexEntry(parent, &parentOffsets, key: key, sequenceId: seq, child: at, size: size)
            }
            entries = parent
            offsets = parentOffsets
            levels += 1
        }
        builder.reset()
        for (i, start) in offsets.enumerated() {
            let end = i + 1 < offsets.count ? offsets[i + 1] : entries.count
            builder.beginEntry()
            builder.append(UnsafeRawBufferPointer(start: entries.base + start, count: end - start))
        }
        (trailer.rootIndexOffset, trailer.rootIndexSize) = try writeBlock(builder.finish(withEntryTable: true))
        trailer.indexLevels = levels
    }

    /// Gives up: closes the file (the caller deletes it).
    func abort() { try? file.close() }
}
