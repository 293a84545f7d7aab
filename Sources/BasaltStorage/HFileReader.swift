import BasaltCore
import Synchronization

/// An open HFile: its trailer, file info, root index and bloom filter are read once at open; data and
/// lower index blocks come through the `BlockCache` (or from disk with `pread`, entering the cache).
///
/// A store holds one reader per file and scanners hold it too. When a compaction replaces the file, the
/// store calls `markCompactedAway()`; the file is deleted when the last holder lets go, so a scan that
/// started before the compaction finishes on the files it began with. Safe to share across threads.
package final class HFileReader: @unchecked Sendable {
    package let path: String
    /// File name inside the family folder.
    package let name: String
    package let info: HFileInfo
    let trailer: HFileTrailer
    let fileSystem: any FileSystem
    let file: any ReadableFile
    let cache: BlockCache?
    /// Unique per open reader: the block cache key's file part.
    let fileId: UInt64
    let rootIndex: HFileBlock
    let bloom: BloomFilter?
    package let fileSize: Int
    /// How the file's rows sort (from its file info).
    package let order: RowOrder
    private let deleteWhenReleased = Atomic<Bool>(false)

    private static let nextFileId = Atomic<UInt64>(1)

    /// Opens and checks a file: trailer, file info, root index and bloom filter. A truncated or damaged
    /// file is a `corruptFile` error naming it.
    package init(fileSystem: any FileSystem, path: String, cache: BlockCache?) throws {
        self.path = path
        self.name = String(path.split(separator: "/").last ?? Substring(path))
        self.fileSystem = fileSystem
        self.cache = cache
        let file = try fileSystem.openForRead(path)
        self.file = file
        let fileSize = file.size
        self.fileSize = fileSize
        fileId = Self.nextFileId.add(1, ordering: .relaxed).oldValue
        guard fileSize >= HFileFormat.trailerSize else {
            throw StorageError(.corruptFile, "HFile '\(path)' is truncated or not an HFile: \(fileSize) bytes, shorter than its \(HFileFormat.trailerSize)-byte trailer")
        }
        var tb = [UInt8](repeating: 0, count: HFileFormat.trailerSize)
        try tb.withUnsafeMutableBytes { try Self.readFully(file, into: $0, at: fileSize - HFileFormat.trailerSize, path: path) }
        trailer = try HFileTrailer.decode(tb, path: path, fileSize: fileSize)
        let fi = try Self.readBlock(file, path: path, offset: trailer.fileInfoOffset, size: trailer.fileInfoSize, expected: .fileInfo)
        info = try HFileInfo.decode(UnsafeRawBufferPointer(start: fi.payload, count: fi.payloadLength), path: path)
        order = info.rowOrder
        rootIndex = try Self.readBlock(file, path: path, offset: trailer.rootIndexOffset, size: trailer.rootIndexSize, expected: .index)
        if trailer.bloomSize > 0 {
            let bb = try Self.readBlock(file, path: path, offset: trailer.bloomOffset, size: trailer.bloomSize, expected: .bloom)
            guard let f = BloomFilter(serialized: UnsafeRawBufferPointer(start: bb.payload, count: bb.payloadLength)) else {
                throw StorageError(.corruptFile, "HFile '\(path)' is corrupt: its bloom filter block at offset \(trailer.bloomOffset) does not decode")
            }
            bloom = f
        } else {
            bloom = nil
        }
    }

    deinit {
        if deleteWhenReleased.load(ordering: .acquiring) {
            cache?.evictBlocks(fileId: fileId)
            try? file.close()
            try? fileSystem.delete(path)
        } else {
            try? file.close()
        }
    }

    /// The file is no longer part of its store: delete it once the last scanner lets go.
    package func markCompactedAway() { deleteWhenReleased.store(true, ordering: .releasing) }

    static func readFully(_ file: any ReadableFile, into buffer: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        var done = 0
        while done < buffer.count {
            let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[done...]), at: offset + done)
            if n == 0 {
                throw StorageError(.corruptFile, "HFile '\(path)' is truncated: wanted \(buffer.count) bytes at offset \(offset), the file ends after \(done)")
            }
            done += n
        }
    }

    static func readBlock(_ file: any ReadableFile, path: String, offset: Int64, size: Int?, expected: HFileBlockType) throws -> HFileBlock {
        var total = size ?? 0
        if size == nil {
            var header = (UInt64(0))
            try withUnsafeMutableBytes(of: &header) { try readFully(file, into: $0, at: Int(offset), path: path) }
            let length = Int(UInt32(truncatingIfNeeded: header >> 32))
            total = length + HFileFormat.blockOverhead
        }
        guard total >= HFileFormat.blockOverhead, Int(offset) + total <= file.size else {
            throw StorageError(.corruptFile, "HFile '\(path)' is corrupt: a \(expected.name) block at offset \(offset) of \(total) bytes runs past the end of the file (\(file.size) bytes)")
        }
        let storage = UnsafeMutableRawPointer.allocate(byteCount: total, alignment: 16)
        do {
            try readFully(file, into: UnsafeMutableRawBufferPointer(start: storage, count: total), at: Int(offset), path: path)
        } catch {
            storage.deallocate()
            throw error
        }
        let block = try HFileBlock(storage: storage, size: total, path: path, offset: offset)
        guard block.type == expected else {
            throw StorageError(.corruptFile, "HFile '\(path)' is corrupt: expected a \(expected.name) block at offset \(offset), found a \(block.type.name) block")
        }
        return block
    }

    /// A data or lower index block, from the cache or from disk (then cached when `cacheBlocks`).
    func block(at offset: Int64, size: Int?, type: HFileBlockType, cacheBlocks: Bool) throws -> HFileBlock {
        let key = BlockCacheKey(fileId: fileId, offset: offset)
        if let cache, let hit = cache.get(key) as? HFileBlock { return hit }
        let b = try Self.readBlock(file, path: path, offset: offset, size: size, expected: type)
        if let cache, cacheBlocks || type == .index { cache.put(key, b) }
        return b
    }

    // MARK: filters

    /// Whether the file may hold any of `qualifiers` of `row`, or a family delete marker for it.
    package func mayContain(row: UnsafeRawBufferPointer, qualifiers: Set<[UInt8]>?) -> Bool {
        guard let bloom else { return true }
        switch info.bloomType {
        case .row: return bloom.mayContain(hash: BloomFilter.rowHash(row))
        case .rowcol:
            guard let qualifiers, !qualifiers.isEmpty else { return true }
            if bloom.mayContain(hash: BloomFilter.familyDeleteHash(row)) { return true }
            for q in qualifiers where q.withUnsafeBytes({ bloom.mayContain(hash: BloomFilter.rowColumnHash(row, $0)) }) { return true }
            return false
        case .none: return true
        }
    }

    /// Whether the file may hold cells a read over `range` needs. Delete markers above the range still
    /// matter (they hide older cells), so only a file entirely older than the range, or entirely newer
    /// and free of markers, is skipped.
    package func mayContain(timeRange range: TimeRange) -> Bool {
        if info.cellCount == 0 { return false }
        if info.maxTimestamp < range.minimum { return false }
        if info.minTimestamp >= range.maximum && info.deleteCount == 0 { return false }
        return true
    }

    /// A scanner over the whole file.
    func scanner(cacheBlocks: Bool) -> HFileScanner { HFileScanner(reader: self, cacheBlocks: cacheBlocks) }
}

/// What `basalt hfile --print` shows about a file's layout. A value type.
package struct HFileLayout: Sendable {
    package var version: UInt32
    package var fileSize: Int
    package var dataBlockCount: Int
    package var dataEnd: Int64
    package var indexLevels: Int
    package var rootIndexEntries: Int
    package var rootIndexOffset: Int64
    package var rootIndexSize: Int
    package var bloomOffset: Int64
    package var bloomBytes: Int
    package var bloomProbes: Int
    package var fileInfoOffset: Int64
    package var fileInfoSize: Int
}

extension HFileReader {
    package var layout: HFileLayout {
        HFileLayout(
            version: trailer.version, fileSize: fileSize, dataBlockCount: trailer.dataBlockCount, dataEnd: trailer.dataEnd,
            indexLevels: trailer.indexLevels, rootIndexEntries: rootIndex.count, rootIndexOffset: trailer.rootIndexOffset,
            rootIndexSize: trailer.rootIndexSize, bloomOffset: trailer.bloomOffset, bloomBytes: bloom?.byteCount ?? 0,
            bloomProbes: bloom?.probes ?? 0, fileInfoOffset: trailer.fileInfoOffset, fileInfoSize: trailer.fileInfoSize)
    }

    /// Calls `body` with every cell in order (blocks are not cached); stops early when it returns false.
    package func forEachCell(_ body: (Cell) throws -> Bool) throws {
        let s = scanner(cacheBlocks: false)
        try s.seekToFirst()
        while let c = s.peek {
            if try !body(c.cell.toCell(sequenceId: c.sequenceId)) { return }
            try s.next()
        }
    }
}

extension HFileReader {
    /// The row of the file's first cell (nil for an empty file).
    package var firstRow: [UInt8]? { Self.row(ofKey: info.firstKey) }
    /// The row of the file's last cell (nil for an empty file).
    package var lastRow: [UInt8]? { Self.row(ofKey: info.lastKey) }

    static func row(ofKey key: [UInt8]) -> [UInt8]? {
        guard key.count >= EncodedCell.headerLength else { return nil }
        return key.withUnsafeBytes { Array(EncodedCell($0.baseAddress!).row) }
    }

    /// A row near the middle of the file (HBase's "mid key", a split point): down the index through the
    /// middle entry of each level to a data block, then that block's middle cell. Nil for an empty file.
    package func midRow() throws -> [UInt8]? {
        guard info.cellCount > 0, rootIndex.count > 0 else { return nil }
        var node = rootIndex
        var level = trailer.indexLevels
        while true {
            let child = node.child(node.count / 2)
            if level == 1 {
                let data = try block(at: child.0, size: child.1, type: .data, cacheBlocks: false)
                guard data.count > 0 else { return nil }
                return Array(EncodedCell(data.entry(data.count / 2)).row)
            }
            node = try block(at: child.0, size: child.1, type: .index, cacheBlocks: true)
            level -= 1
        }
    }
}
