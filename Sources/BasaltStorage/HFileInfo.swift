import BasaltCore

/// What an HFile says about itself: written in its file-info block, read when it opens. A value type.
package struct HFileInfo: Sendable, Equatable {
    /// Key-only encodings (value length 0) of the first and last cell; empty for an empty file.
    package var firstKey: [UInt8] = []
    package var lastKey: [UInt8] = []
    package var maxSequenceId: UInt64 = 0
    /// Timestamps of every cell, delete markers included (`Int64.max`/`min` when empty).
    package var minTimestamp: Int64 = .max
    package var maxTimestamp: Int64 = .min
    package var cellCount: Int = 0
    package var deleteCount: Int = 0
    /// Distinct rows.
    package var rowCount: Int = 0
    package var bloomType: ColumnFamilyDescriptor.BloomType = .none
    package var blockSize: Int = 65_536
    package var createdAt: Int64 = 0
    /// Written by a major compaction (no delete markers or surplus versions left).
    package var majorCompacted = false
    /// Names of the files this one replaces (a compaction's inputs): a store that finds them still
    /// present on open deletes them.
    package var compactedFrom: [String] = []
    /// Bytes of data blocks (the store's size for compaction selection).
    package var dataBytes: Int = 0
    /// How the file's rows sort: its table's order (files written before the field existed are `bytes`).
    package var rowOrder: RowOrder = .bytes

    package init() {}

    /// The names of the file-info fields, as stored (docs/formats/hfile.md).
    enum Key: String, CaseIterable {
        case firstKey = "FIRST_KEY", lastKey = "LAST_KEY", maxSequenceId = "MAX_SEQ_ID"
        case minTimestamp = "MIN_TIMESTAMP", maxTimestamp = "MAX_TIMESTAMP", cellCount = "CELL_COUNT"
        case deleteCount = "DELETE_COUNT", rowCount = "ROW_COUNT", bloomType = "BLOOM_TYPE", blockSize = "BLOCK_SIZE"
        case createdAt = "CREATED_AT", majorCompaction = "MAJOR_COMPACTION", compactedFrom = "COMPACTED_FROM"
        case dataBytes = "DATA_BYTES", rowOrder = "ROW_ORDER"
    }

    /// `u32 count | count × (u16 name length | name | u32 value length | value)`, integers little-endian.
    func encode(into w: inout ByteWriter) {
        var fields: [(Key, [UInt8])] = []
        func int(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        fields.append((.firstKey, firstKey))
        fields.append((.lastKey, lastKey))
        fields.append((.maxSequenceId, int(Int64(bitPattern: maxSequenceId))))
        fields.append((.minTimestamp, int(minTimestamp)))
        fields.append((.maxTimestamp, int(maxTimestamp)))
        fields.append((.cellCount, int(Int64(cellCount))))
        fields.append((.deleteCount, int(Int64(deleteCount))))
        fields.append((.rowCount, int(Int64(rowCount))))
        fields.append((.bloomType, Array(bloomType.rawValue.utf8)))
        fields.append((.blockSize, int(Int64(blockSize))))
        fields.append((.createdAt, int(createdAt)))
        fields.append((.majorCompaction, [majorCompacted ? 1 : 0]))
        fields.append((.compactedFrom, Array(compactedFrom.joined(separator: "\n").utf8)))
        fields.append((.dataBytes, int(Int64(dataBytes))))
        fields.append((.rowOrder, Array(rowOrder.name.utf8)))
        w.writeUInt32(UInt32(fields.count))
        for (k, v) in fields {
            w.writeUInt16(UInt16(k.rawValue.utf8.count))
            w.writeBytes(Array(k.rawValue.utf8))
            w.writeUInt32(UInt32(v.count))
            w.writeBytes(v)
        }
    }

    /// Decodes a file-info payload; unknown names are skipped (a later version may add some).
    static func decode(_ payload: UnsafeRawBufferPointer, path: String) throws -> HFileInfo {
        func bad(_ why: String) -> StorageError { StorageError(.corruptFile, "HFile '\(path)' is corrupt: its file info \(why)") }
        var r = ByteReader(payload)
        var info = HFileInfo()
        do {
            let n = try r.readUInt32()
            for _ in 0..<n {
                let k = String(decoding: try r.readBytes(Int(try r.readUInt16())), as: UTF8.self)
                let v = try r.readBytes(Int(try r.readUInt32()))
                func int() throws -> Int64 {
                    guard v.count == 8 else { throw bad("field \(k) is \(v.count) bytes, expected 8") }
                    return v.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) }
                }
                switch Key(rawValue: k) {
                case .firstKey?: info.firstKey = v
                case .lastKey?: info.lastKey = v
                case .maxSequenceId?: info.maxSequenceId = UInt64(bitPattern: try int())
                case .minTimestamp?: info.minTimestamp = try int()
                case .maxTimestamp?: info.maxTimestamp = try int()
                case .cellCount?: info.cellCount = Int(try int())
                case .deleteCount?: info.deleteCount = Int(try int())
                case .rowCount?: info.rowCount = Int(try int())
                case .bloomType?:
                    guard let t = ColumnFamilyDescriptor.BloomType(rawValue: String(decoding: v, as: UTF8.self)) else { throw bad("names an unknown bloom type") }
                    info.bloomType = t
                case .blockSize?: info.blockSize = Int(try int())
                case .createdAt?: info.createdAt = try int()
                case .majorCompaction?: info.majorCompacted = v.first == 1
                case .compactedFrom?: info.compactedFrom = v.isEmpty ? [] : String(decoding: v, as: UTF8.self).split(separator: "\n").map(String.init)
                case .dataBytes?: info.dataBytes = Int(try int())
                case .rowOrder?:
                    guard let o = RowOrder(name: String(decoding: v, as: UTF8.self)) else { throw bad("names an unknown row order") }
                    info.rowOrder = o
                case nil: break
                }
            }
        } catch let e as StorageError {
            throw e
        } catch {
            throw bad("does not decode: \(error)")
        }
        return info
    }
}

/// The fixed-size end of every HFile: where the index, bloom filter and file info are, the format
/// version and the magic. All integers little-endian; `trailerSize` bytes.
struct HFileTrailer: Sendable, Equatable {
    /// End of the last data block (data blocks are contiguous from offset 0).
    var dataEnd: Int64 = 0
    var dataBlockCount: Int = 0
    var rootIndexOffset: Int64 = 0
    var rootIndexSize: Int = 0
    /// 1: the root indexes data blocks; n: n−1 levels of index blocks below the root.
    var indexLevels: Int = 1
    var bloomOffset: Int64 = 0
    /// 0 when the file has no bloom filter.
    var bloomSize: Int = 0
    var fileInfoOffset: Int64 = 0
    var fileInfoSize: Int = 0
    var version: UInt32 = HFileFormat.version

    func encode() -> [UInt8] {
        var w = ByteWriter(capacity: HFileFormat.trailerSize)
        w.writeInt64(dataEnd)
        w.writeUInt64(UInt64(dataBlockCount))
        w.writeInt64(rootIndexOffset)
        w.writeUInt32(UInt32(rootIndexSize))
        w.writeUInt32(UInt32(indexLevels))
        w.writeInt64(bloomOffset)
        w.writeUInt32(UInt32(bloomSize))
        w.writeUInt32(UInt32(fileInfoSize))
        w.writeInt64(fileInfoOffset)
        w.writeUInt32(version)
        w.writeUInt32(CRC32C.checksum(w.bytes))
        w.writeBytes(HFileFormat.magic)
        return w.bytes
    }

    static func decode(_ b: [UInt8], path: String, fileSize: Int) throws -> HFileTrailer {
        guard b.count == HFileFormat.trailerSize, Array(b[64..<72]) == HFileFormat.magic else {
            throw StorageError(.corruptFile, "HFile '\(path)' is truncated or not an HFile: no trailer magic in its last \(HFileFormat.trailerSize) bytes (file is \(fileSize) bytes)")
        }
        var t = HFileTrailer()
        let crc: UInt32 = try b.withUnsafeBytes { raw in
            var r = ByteReader(raw)
            t.dataEnd = try r.readInt64()
            t.dataBlockCount = Int(try r.readUInt64())
            t.rootIndexOffset = try r.readInt64()
            t.rootIndexSize = Int(try r.readUInt32())
            t.indexLevels = Int(try r.readUInt32())
            t.bloomOffset = try r.readInt64()
            t.bloomSize = Int(try r.readUInt32())
            t.fileInfoSize = Int(try r.readUInt32())
            t.fileInfoOffset = try r.readInt64()
            t.version = try r.readUInt32()
            return try r.readUInt32()
        }
        guard crc == CRC32C.checksum(Array(b[0..<60])) else {
            throw StorageError(.corruptFile, "HFile '\(path)' is corrupt: its trailer fails its checksum")
        }
        guard t.version == HFileFormat.version else {
            throw StorageError(.corruptFile, "HFile '\(path)' has format version \(t.version); this Basalt reads version \(HFileFormat.version)")
        }
        let limit = Int64(fileSize - HFileFormat.trailerSize)
        for (what, off, size) in [("root index", t.rootIndexOffset, t.rootIndexSize), ("bloom filter", t.bloomOffset, t.bloomSize), ("file info", t.fileInfoOffset, t.fileInfoSize)] where size > 0 {
            guard off >= 0, off + Int64(size) <= limit else {
                throw StorageError(.corruptFile, "HFile '\(path)' is corrupt: its \(what) (offset \(off), \(size) bytes) lies outside the file (\(fileSize) bytes)")
            }
        }
        guard t.dataEnd >= 0, t.dataEnd <= limit, t.indexLevels >= 1, t.indexLevels <= 8 else {
            throw StorageError(.corruptFile, "HFile '\(path)' is corrupt: its trailer has impossible values")
        }
        return t
    }
}
