import BasaltCore

/// Reads a WAL file front to back.
///
/// Every whole entry is returned. A torn tail (an entry cut short by a crash, or the zero bytes a power
/// loss can leave) ends the file quietly and is reported as `tornAt`; a damaged entry with intact data after
/// it is corruption and throws `StorageError.walCorrupt` naming the file and offset, except in a file read
/// with `unsyncedTail`: the newest file of a writer that died. Past its last sync such a file holds whatever
/// pages reached the storage, in any order (seen on CephFS: a damaged entry with later entries intact), and
/// no entry from the first damaged one on was acknowledged, because an acknowledgement waits for a sync
/// of every byte before it. There a damaged entry is a torn tail too. Stateless.
package enum WALReader {
    /// The file's header: magic `BWAL`, u32 version, u64 file number.
    package static let magic: [UInt8] = Array("BWAL".utf8)
    package static let version: UInt32 = 1
    package static let fileHeaderLength = 16

    package struct Outcome: Sendable, Equatable {
        /// Bytes up to the end of the last whole entry.
        package var validLength: Int
        /// Where a torn tail starts, when there is one.
        package var tornAt: Int?
        package var entries: Int
        package var fileNumber: UInt64?
    }

    static func fileHeader(number: UInt64) -> [UInt8] {
        var w = ByteWriter(capacity: fileHeaderLength)
        w.writeBytes(magic)
        w.writeUInt32(version)
        w.writeUInt64(number)
        return w.bytes
    }

    /// Calls `body` for every whole entry (only those of `regionFilter` when given).
    @discardableResult
    package static func read(
        fileSystem: any FileSystem, path: String, regionFilter: [UInt8]? = nil, unsyncedTail: Bool = false,
        _ body: (WALEntry) throws -> Void
    ) throws -> Outcome {
        let bytes = try fileSystem.readAll(path)
        return try bytes.withUnsafeBytes { try read(buffer: $0, path: path, regionFilter: regionFilter, unsyncedTail: unsyncedTail, body) }
    }

    static func read(
        buffer: UnsafeRawBufferPointer, path: String, regionFilter: [UInt8]?, unsyncedTail: Bool = false,
        _ body: (WALEntry) throws -> Void
    ) throws -> Outcome {
        let size = buffer.count
        if size < fileHeaderLength {
            return Outcome(validLength: 0, tornAt: size == 0 ? nil : 0, entries: 0, fileNumber: nil)
        }
        guard buffer.prefix(4).elementsEqual(magic) else {
            throw StorageError(.walCorrupt, "'\(path)' is not a Basalt WAL file (bad magic at offset 0)")
        }
        let version = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
        guard version == Self.version else {
            throw StorageError(.walCorrupt, "'\(path)' has WAL version \(version); this build reads version \(Self.version)")
        }
        let number = UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        var offset = fileHeaderLength
        var count = 0
        while offset < size {
            let left = size - offset
            if left < WALEntry.headerLength {
                return Outcome(validLength: offset, tornAt: offset, entries: count, fileNumber: number)
            }
            let lengthBytes = UnsafeRawBufferPointer(rebasing: buffer[offset..<(offset + 4)])
            let length = Int(UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            let lengthCRC = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            let payloadCRC = UInt32(littleEndian: buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self))
            let headerOK = CRC32C.checksum(lengthBytes) == lengthCRC
            if !headerOK {
                if unsyncedTail || isZero(buffer, from: offset) { return Outcome(validLength: offset, tornAt: offset, entries: count, fileNumber: number) }
                throw StorageError(.walCorrupt, "'\(path)': entry header at offset \(offset) fails its checksum")
            }
            let end = offset + WALEntry.headerLength + length
            if end > size {
                return Outcome(validLength: offset, tornAt: offset, entries: count, fileNumber: number)
            }
            let payload = UnsafeRawBufferPointer(rebasing: buffer[(offset + WALEntry.headerLength)..<end])
            if CRC32C.checksum(payload) != payloadCRC {
                if unsyncedTail || end == size || isZero(buffer, from: offset + WALEntry.headerLength) {
                    return Outcome(validLength: offset, tornAt: offset, entries: count, fileNumber: number)
                }
                throw StorageError(.walCorrupt, "'\(path)': entry at offset \(offset) fails its checksum")
            }
            let entry: WALEntry?
            do {
                entry = try WALEntry.decodePayload(payload, regionFilter: regionFilter)
            } catch {
                throw StorageError(.walCorrupt, "'\(path)': entry at offset \(offset) does not decode: \(error)")
            }
            if let entry { try body(entry) }
            count += 1
            offset = end
        }
        return Outcome(validLength: offset, tornAt: nil, entries: count, fileNumber: number)
    }

    private static func isZero(_ b: UnsafeRawBufferPointer, from: Int) -> Bool {
        var i = from
        while i < b.count {
            if b[i] != 0 { return false }
            i += 1
        }
        return true
    }
}
