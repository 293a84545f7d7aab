import BasaltCore

/// One decoded WAL entry: the cells one mutation (or batch) wrote to one region under one sequence id.
///
/// Layout on disk (see docs/formats/wal.md):
/// ```
/// u32 payloadLength | u32 crc32c(the 4 length bytes) | u32 crc32c(payload) | payload
/// payload = varint len + encoded region name | varint len + table name | u64 sequenceId
///         | i64 writeTime (ms) | varint cellCount | cellCount × EncodedCell
/// ```
package struct WALEntry: Sendable, Hashable {
    package static let headerLength = 12

    package var encodedRegionName: [UInt8]
    package var tableName: [UInt8]
    package var sequenceId: UInt64
    package var writeTime: Int64
    package var cells: [Cell]

    package init(encodedRegionName: [UInt8], tableName: [UInt8], sequenceId: UInt64, writeTime: Int64, cells: [Cell]) {
        self.encodedRegionName = encodedRegionName
        self.tableName = tableName
        self.sequenceId = sequenceId
        self.writeTime = writeTime
        self.cells = cells
    }

    /// Appends the entry (header and payload) to `out`; used by tests and tools. The writer encodes in place.
    package func encode(into out: inout [UInt8]) {
        let buffer = RawBuffer(capacity: 256)
        WALEntryEncoder.begin(buffer, regionName: encodedRegionName, tableName: tableName, sequenceId: sequenceId, writeTime: writeTime, cellCount: cells.count)
        for c in cells { WALEntryEncoder.addCell(buffer, c) }
        WALEntryEncoder.finish(buffer, entryStart: 0)
        out.append(contentsOf: buffer.bytes)
    }

    /// Decodes a payload (the bytes after the 12-byte header). `regionFilter`: return nil without decoding
    /// cells when the entry belongs to another region.
    static func decodePayload(_ payload: UnsafeRawBufferPointer, regionFilter: [UInt8]?) throws -> WALEntry? {
        var r = ByteReader(payload)
        let regionLen = Int(try r.readVarint())
        let region = try r.readSlice(regionLen)
        if let regionFilter, !region.elementsEqual(regionFilter) { return nil }
        let table = try r.readLengthPrefixed(max: 1 << 16)
        let seq = try r.readUInt64()
        let time = try r.readInt64()
        let count = try r.readVarint()
        guard count <= UInt64(payload.count) else { throw CoreError(.malformedData, "cell count \(count) exceeds the entry size") }
        var cells: [Cell] = []
        cells.reserveCapacity(Int(count))
        for _ in 0..<count {
            guard r.remaining >= EncodedCell.headerLength else { throw CoreError(.malformedData, "cell header cut short") }
            let start = payload.baseAddress! + r.offset
            let view = EncodedCell(start)
            let total = view.totalLength
            guard view.keyLength >= EncodedCell.keyInfrastructure, total <= r.remaining,
                  view.rowLength + 1 <= view.keyLength - EncodedCell.keyInfrastructure + 1,
                  view.keyLength - EncodedCell.keyInfrastructure - view.rowLength >= view.familyLength,
                  CellType(rawValue: view.typeByte) != nil
            else { throw CoreError(.malformedData, "cell at payload offset \(r.offset) is malformed") }
            cells.append(view.toCell(sequenceId: seq))
            try r.skip(total)
        }
        return WALEntry(encodedRegionName: Array(region), tableName: table, sequenceId: seq, writeTime: time, cells: cells)
    }
}

/// Writes WAL entries straight into a `RawBuffer`, header first, patched when the payload is complete.
enum WALEntryEncoder {
    @inline(__always)
    static func begin(_ b: RawBuffer, regionName: [UInt8], tableName: [UInt8], sequenceId: UInt64, writeTime: Int64, cellCount: Int) {
        _ = b.reserve(WALEntry.headerLength)
        b.count += WALEntry.headerLength
        b.appendVarint(UInt64(regionName.count))
        regionName.withUnsafeBytes { b.append($0) }
        b.appendVarint(UInt64(tableName.count))
        tableName.withUnsafeBytes { b.append($0) }
        b.appendUInt64(sequenceId)
        b.appendUInt64(UInt64(bitPattern: writeTime))
        b.appendVarint(UInt64(cellCount))
    }

    @inline(__always)
    static func addCell(_ b: RawBuffer, _ cell: Cell) {
        let n = cell.encodedLength
        let p = b.reserve(n)
        EncodedCell.write(cell, to: p)
        b.count += n
    }

    /// Adds a cell with `timestamp` in place of the cell's own.
    @inline(__always)
    static func addCell(_ b: RawBuffer, _ cell: Cell, timestamp: Int64) {
        let n = cell.encodedLength
        EncodedCell.write(cell, timestamp: timestamp, to: b.reserve(n))
        b.count += n
    }

    /// Fills in the header of the entry that starts at `entryStart`.
    @inline(__always)
    static func finish(_ b: RawBuffer, entryStart: Int) {
        let payloadLength = b.count - entryStart - WALEntry.headerLength
        let header = b.base + entryStart
        header.storeBytes(of: UInt32(payloadLength).littleEndian, as: UInt32.self)
        let lengthCRC = CRC32C.checksum(UnsafeRawBufferPointer(start: header, count: 4))
        header.storeBytes(of: lengthCRC.littleEndian, toByteOffset: 4, as: UInt32.self)
        let payloadCRC = CRC32C.checksum(UnsafeRawBufferPointer(start: header + WALEntry.headerLength, count: payloadLength))
        header.storeBytes(of: payloadCRC.littleEndian, toByteOffset: 8, as: UInt32.self)
    }
}
