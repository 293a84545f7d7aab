import BasaltCore

/// The kinds of block an HFile holds; the first byte of every block.
enum HFileBlockType: UInt8, Sendable {
    case data = 0x44       // 'D'
    case index = 0x49      // 'I'
    case bloom = 0x42      // 'B'
    case fileInfo = 0x46   // 'F'

    var name: String {
        switch self {
        case .data: "data"
        case .index: "index"
        case .bloom: "bloom"
        case .fileInfo: "file info"
        }
    }
}

/// Layout constants of the HFile format (docs/formats/hfile.md).
enum HFileFormat {
    /// `u8 type | 3 bytes zero | u32 payload length`.
    static let blockHeaderSize = 8
    /// `u32 CRC32C` of header and payload.
    static let blockChecksumSize = 4
    static let blockOverhead = blockHeaderSize + blockChecksumSize
    static let magic: [UInt8] = Array("BSLTHFIL".utf8)
    static let version: UInt32 = 1
    static let trailerSize = 72
    /// Largest index block before the writer adds another index level (HBase's `hfile.index.block.max.size`).
    static let maxIndexBlockSize = 128 * 1024
}

/// One block of an HFile as read from disk (checksum verified): data and index blocks hold entries
/// followed by a `u32` offset per entry and the `u32` entry count, so a reader binary-searches them in
/// place. Immutable; the memory is freed when the last holder (a scanner, the block cache) lets go.
/// Safe to share across threads.
final class HFileBlock: CacheableBlock, @unchecked Sendable {
    let storage: UnsafeMutableRawPointer
    /// Bytes on disk, header and checksum included.
    let size: Int
    let type: HFileBlockType
    let payload: UnsafeRawPointer
    let payloadLength: Int
    /// Entries (data and index blocks; 0 for others).
    let count: Int
    private let offsets: UnsafeRawPointer

    var heapSize: Int { size + 96 }

    /// Takes ownership of `storage` (`size` bytes) after checking its header and checksum.
    init(storage: UnsafeMutableRawPointer, size: Int, path: String, offset: Int64) throws {
        func corrupt(_ why: String) -> StorageError {
            storage.deallocate()
            return StorageError(.corruptFile, "HFile '\(path)' is corrupt: the block at offset \(offset) \(why)")
        }
        guard size >= HFileFormat.blockOverhead else { throw corrupt("is only \(size) bytes") }
        guard let type = HFileBlockType(rawValue: storage.load(as: UInt8.self)) else {
            throw corrupt("has unknown type \(storage.load(as: UInt8.self))")
        }
        let length = Int(storage.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        guard length + HFileFormat.blockOverhead == size else { throw corrupt("says \(length) payload bytes but is \(size) bytes long") }
        let stored = storage.loadUnaligned(fromByteOffset: HFileFormat.blockHeaderSize + length, as: UInt32.self).littleEndian
        let actual = CRC32C.checksum(UnsafeRawBufferPointer(start: storage, count: HFileFormat.blockHeaderSize + length))
        guard stored == actual else { throw corrupt("fails its checksum (stored \(stored), computed \(actual))") }
        self.storage = storage
        self.size = size
        self.type = type
        payload = UnsafeRawPointer(storage + HFileFormat.blockHeaderSize)
        payloadLength = length
        if type == .data || type == .index {
            guard length >= 4 else { throw corrupt("has no entry count") }
            let n = Int(payload.loadUnaligned(fromByteOffset: length - 4, as: UInt32.self).littleEndian)
            guard n * 4 + 4 <= length else { throw corrupt("claims \(n) entries") }
            count = n
            offsets = payload + (length - 4 - 4 * n)
            for i in 0..<n where Int(offsets.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian) >= length - 4 - 4 * n {
                throw corrupt("has entry \(i) outside the block")
            }
        } else {
            count = 0
            offsets = payload
        }
    }

    deinit { storage.deallocate() }

    @inline(__always) func entry(_ i: Int) -> UnsafeRawPointer {
        payload + Int(offsets.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)
    }

    /// The sequence id stored after the cell of entry `p`, and the bytes after it.
    @inline(__always) static func sequenceId(after cell: EncodedCell) -> (UInt64, UnsafeRawPointer) {
        var p = cell.base + cell.totalLength
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = p.load(as: UInt8.self)
            p += 1
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 || shift >= 63 { break }
            shift += 7
        }
        return (v, p)
    }

    /// The first entry at or after (key, seq) in cell order; `count` when every entry is before it.
    @inline(__always) func firstAtOrAfter(_ key: EncodedCell, _ seq: UInt64, _ order: RowOrder) -> Int {
        var lo = 0, hi = count
        let keyRow = key.rowPointer, keyRowLength = key.rowLength
        while lo < hi {
            let mid = (lo + hi) >> 1
            let c = EncodedCell(entry(mid))
            // Rows decide almost every step; the full comparison only runs within the key's row.
            var r = order.compare(c.rowPointer, c.rowLength, keyRow, keyRowLength)
            if r == 0 {
                let (s, _) = Self.sequenceId(after: c)
                r = CellComparator.compare(c, s, key, seq, order)
            }
            if r < 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// For an index block: the child (offset, on-disk size) of entry `i`.
    @inline(__always) func child(_ i: Int) -> (Int64, Int) {
        let (_, p) = Self.sequenceId(after: EncodedCell(entry(i)))
        return (Int64(bitPattern: p.loadUnaligned(as: UInt64.self).littleEndian), Int(p.loadUnaligned(fromByteOffset: 8, as: UInt32.self).littleEndian))
    }
}

/// Builds one block in memory: header placeholder, entries, offsets, count, checksum. Reused across
/// blocks by a writer. Not thread-safe.
final class HFileBlockBuilder {
    let buffer = RawBuffer(capacity: 80 * 1024)
    private(set) var offsets: [UInt32] = []
    let type: HFileBlockType

    init(type: HFileBlockType) {
        self.type = type
        reset()
    }

    func reset() {
        buffer.count = HFileFormat.blockHeaderSize
        offsets.removeAll(keepingCapacity: true)
    }

    var entryCount: Int { offsets.count }
    var isEmpty: Bool { offsets.isEmpty }
    /// Payload bytes so far, with the offsets and count the block will end with.
    var estimatedSize: Int { buffer.count + 4 * offsets.count + 4 + HFileFormat.blockChecksumSize }

    /// Marks the start of a new entry; the caller then appends its bytes to `buffer`.
    func beginEntry() { offsets.append(UInt32(buffer.count - HFileFormat.blockHeaderSize)) }

    /// Start of the most recent entry.
    var lastEntry: UnsafeRawPointer { UnsafeRawPointer(buffer.base + HFileFormat.blockHeaderSize + Int(offsets[offsets.count - 1])) }

    /// Appends raw payload (for bloom and file-info blocks).
    func append(_ bytes: UnsafeRawBufferPointer) { buffer.append(bytes) }

    /// Finishes the block (entry table when it has entries, header, checksum) and returns its bytes,
    /// valid until the next `reset()`.
    func finish(withEntryTable: Bool) -> UnsafeRawBufferPointer {
        if withEntryTable {
            let p = buffer.reserve(4 * offsets.count + 4)
            for (i, o) in offsets.enumerated() { p.storeBytes(of: o.littleEndian, toByteOffset: 4 * i, as: UInt32.self) }
            p.storeBytes(of: UInt32(offsets.count).littleEndian, toByteOffset: 4 * offsets.count, as: UInt32.self)
            buffer.count += 4 * offsets.count + 4
        }
        let payloadLength = buffer.count - HFileFormat.blockHeaderSize
        buffer.base.storeBytes(of: type.rawValue, as: UInt8.self)
        buffer.base.storeBytes(of: UInt8(0), toByteOffset: 1, as: UInt8.self)
        buffer.base.storeBytes(of: UInt16(0), toByteOffset: 2, as: UInt16.self)
        buffer.base.storeBytes(of: UInt32(payloadLength).littleEndian, toByteOffset: 4, as: UInt32.self)
        let crc = CRC32C.checksum(UnsafeRawBufferPointer(start: buffer.base, count: buffer.count))
        buffer.reserve(4).storeBytes(of: crc.littleEndian, as: UInt32.self)
        buffer.count += 4
        return buffer.bytes
    }
}
