import BasaltCore

/// A blocked Bloom filter: the bit array is cut into 512-bit (one cache line) blocks; a key's first hash
/// picks one block and every probe for that key lands inside it, so a lookup touches one cache line.
/// About 10 bits per key for a false-positive rate near 1 %.
///
/// HFiles keep one per file, over the rows (`ROW`) or over row + qualifier (`ROWCOL`). Immutable once
/// built or decoded; safe to share across threads.
package final class BloomFilter: @unchecked Sendable {
    static let blockBits = 512
    static let blockBytes = 64
    package static let bitsPerKey = 10
    static let defaultProbes = 7

    let blocks: Int
    let probes: Int
    let bits: UnsafeMutableRawPointer

    /// An empty filter sized for `expectedKeys` keys.
    package init(expectedKeys: Int, bitsPerKey: Int = BloomFilter.bitsPerKey) {
        let totalBits = max(Self.blockBits, expectedKeys * bitsPerKey)
        blocks = (totalBits + Self.blockBits - 1) / Self.blockBits
        probes = Self.defaultProbes
        bits = .allocate(byteCount: blocks * Self.blockBytes, alignment: 64)
        bits.initializeMemory(as: UInt8.self, repeating: 0, count: blocks * Self.blockBytes)
    }

    /// Decodes `serialized` (as written by `serialize()`); nil when it is malformed.
    package init?(serialized: UnsafeRawBufferPointer) {
        guard serialized.count >= 8, let base = serialized.baseAddress else { return nil }
        let p = Int(base.load(as: UInt8.self))
        let n = Int(base.loadUnaligned(fromByteOffset: 4, as: UInt32.self).littleEndian)
        guard p >= 1, p <= 30, n >= 1, serialized.count == 8 + n * Self.blockBytes else { return nil }
        probes = p
        blocks = n
        bits = .allocate(byteCount: n * Self.blockBytes, alignment: 64)
        bits.copyMemory(from: base + 8, byteCount: n * Self.blockBytes)
    }

    deinit { bits.deallocate() }

    /// Bytes held by the bit array.
    package var byteCount: Int { blocks * Self.blockBytes }

    /// `u8 probes | 3 bytes zero | u32 blocks | blocks × 64 bytes of bits`.
    package func serialize(into w: inout ByteWriter) {
        w.writeUInt8(UInt8(probes))
        w.writeUInt8(0)
        w.writeUInt16(0)
        w.writeUInt32(UInt32(blocks))
        w.writeBytes(UnsafeRawBufferPointer(start: bits, count: byteCount))
    }

    @inline(__always) private func locate(_ hash: UInt64) -> (UnsafeMutableRawPointer, UInt32, UInt32) {
        let block = Int((UInt64(UInt32(truncatingIfNeeded: hash >> 32)) &* UInt64(blocks)) >> 32)
        let h = UInt32(truncatingIfNeeded: hash)
        let delta = (h >> 17) | (h << 15) | 1
        return (bits + block * Self.blockBytes, h, delta)
    }

    package func add(hash: UInt64) {
        var (b, h, delta) = locate(hash)
        for _ in 0..<probes {
            let bit = Int(h & 511)
            let byte = b.load(fromByteOffset: bit >> 3, as: UInt8.self)
            b.storeBytes(of: byte | UInt8(1 << (bit & 7)), toByteOffset: bit >> 3, as: UInt8.self)
            h &+= delta
        }
    }

    package func mayContain(hash: UInt64) -> Bool {
        var (b, h, delta) = locate(hash)
        for _ in 0..<probes {
            let bit = Int(h & 511)
            if b.load(fromByteOffset: bit >> 3, as: UInt8.self) & UInt8(1 << (bit & 7)) == 0 { return false }
            h &+= delta
        }
        return true
    }

    // MARK: hashing

    /// A 64-bit hash of bytes (eight bytes at a time, multiply-xorshift mixing), seeded.
    @inline(__always)
    package static func hash(_ p: UnsafeRawPointer?, _ count: Int, seed: UInt64 = 0) -> UInt64 {
        var h = seed ^ (UInt64(count) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        if let p {
            while i + 8 <= count {
                h = mix(h ^ p.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i += 8
            }
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < count {
                tail |= UInt64(p.load(fromByteOffset: i, as: UInt8.self)) << shift
                shift += 8
                i += 1
            }
            h = mix(h ^ tail ^ 0xA5)
        }
        return finalize(h)
    }

    @inline(__always) static func mix(_ x: UInt64) -> UInt64 {
        var z = x &* 0xBF58_476D_1CE4_E5B9
        z ^= z >> 31
        return z &* 0x94D0_49BB_1331_11EB
    }

    @inline(__always) static func finalize(_ x: UInt64) -> UInt64 {
        var z = x
        z ^= z >> 33
        z = z &* 0xFF51_AFD7_ED55_8CCD
        z ^= z >> 33
        return z
    }

    static let familyDeleteSeed: UInt64 = 0xDE1E_7EFA_0000_0001

    /// The key hash for a `ROW` filter.
    @inline(__always) public static func rowHash(_ row: UnsafeRawBufferPointer) -> UInt64 {
        hash(row.baseAddress, row.count)
    }

    /// The key hash for a `ROWCOL` filter: the row, then the qualifier seeded by the row's hash.
    @inline(__always) public static func rowColumnHash(_ row: UnsafeRawBufferPointer, _ qualifier: UnsafeRawBufferPointer) -> UInt64 {
        hash(qualifier.baseAddress, qualifier.count, seed: rowHash(row))
    }

    /// In a `ROWCOL` filter, family delete markers are also added under this row-only key, so a get for
    /// any column of the row still finds the file that holds the marker.
    @inline(__always) public static func familyDeleteHash(_ row: UnsafeRawBufferPointer) -> UInt64 {
        hash(row.baseAddress, row.count, seed: familyDeleteSeed)
    }
}
