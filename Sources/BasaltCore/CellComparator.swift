#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HBase's cell order: row ↑ (in the table's `RowOrder`: unsigned bytes, or meta's order by parts), family ↑,
/// qualifier ↑ (unsigned bytewise), timestamp ↓, type ↓; the engine breaks remaining ties by sequence id ↓
/// so the newest write of an identical key comes first.
///
/// A stateless namespace; safe from any thread.
public enum CellComparator {
    /// Unsigned lexicographic comparison of two byte ranges: <0, 0, >0. Compares eight bytes at a time as
    /// big-endian words (keys are short; a libc call costs more than the work).
    @inlinable @inline(__always)
    public static func compareBytes(_ a: UnsafeRawPointer?, _ al: Int, _ b: UnsafeRawPointer?, _ bl: Int) -> Int {
        let n = min(al, bl)
        if n > 0, let a, let b {
            var i = 0
            while i + 8 <= n {
                let x = a.loadUnaligned(fromByteOffset: i, as: UInt64.self).bigEndian
                let y = b.loadUnaligned(fromByteOffset: i, as: UInt64.self).bigEndian
                if x != y { return x < y ? -1 : 1 }
                i += 8
            }
            if n - i >= 64 {
                let c = memcmp(a + i, b + i, n - i)
                if c != 0 { return Int(c) }
                return al - bl
            }
            while i < n {
                let x = a.load(fromByteOffset: i, as: UInt8.self)
                let y = b.load(fromByteOffset: i, as: UInt8.self)
                if x != y { return x < y ? -1 : 1 }
                i += 1
            }
        }
        return al - bl
    }

    @inlinable public static func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        compareBytes(a.baseAddress, a.count, b.baseAddress, b.count)
    }

    public static func compareBytes(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in compareBytes(x, y) } }
    }

    /// Compares the keys of two encoded cells (row in `order`, family, qualifier, timestamp, type).
    @inlinable
    public static func compareKeys(_ a: EncodedCell, _ b: EncodedCell, _ order: RowOrder) -> Int {
        let arl = a.rowLength, brl = b.rowLength
        var c = order.compare(a.base + 10, arl, b.base + 10, brl)
        if c != 0 { return c }
        let afl = Int(a.base.load(fromByteOffset: 10 + arl, as: UInt8.self))
        let bfl = Int(b.base.load(fromByteOffset: 10 + brl, as: UInt8.self))
        c = compareBytes(a.base + 11 + arl, afl, b.base + 11 + brl, bfl)
        if c != 0 { return c }
        let akl = a.keyLength, bkl = b.keyLength
        let aql = akl - EncodedCell.keyInfrastructure - arl - afl
        let bql = bkl - EncodedCell.keyInfrastructure - brl - bfl
        c = compareBytes(a.base + 11 + arl + afl, aql, b.base + 11 + brl + bfl, bql)
        if c != 0 { return c }
        let ats = Int64(littleEndian: a.base.loadUnaligned(fromByteOffset: 8 + akl - 9, as: Int64.self))
        let bts = Int64(littleEndian: b.base.loadUnaligned(fromByteOffset: 8 + bkl - 9, as: Int64.self))
        if ats != bts { return ats > bts ? -1 : 1 }
        let at = a.base.load(fromByteOffset: 8 + akl - 1, as: UInt8.self)
        let bt = b.base.load(fromByteOffset: 8 + bkl - 1, as: UInt8.self)
        if at != bt { return at > bt ? -1 : 1 }
        return 0
    }

    /// Compares two encoded cells including their sequence ids (higher sequence id first).
    @inlinable
    public static func compare(_ a: EncodedCell, _ aSeq: UInt64, _ b: EncodedCell, _ bSeq: UInt64, _ order: RowOrder) -> Int {
        let c = compareKeys(a, b, order)
        if c != 0 { return c }
        if aSeq != bSeq { return aSeq > bSeq ? -1 : 1 }
        return 0
    }

    public static func compare(_ a: Cell, _ b: Cell, _ order: RowOrder = .bytes) -> Int {
        var c = order.compare(a.row, b.row)
        if c != 0 { return c }
        c = compareBytes(a.family, b.family)
        if c != 0 { return c }
        c = compareBytes(a.qualifier, b.qualifier)
        if c != 0 { return c }
        if a.timestamp != b.timestamp { return a.timestamp > b.timestamp ? -1 : 1 }
        if a.type != b.type { return a.type.rawValue > b.type.rawValue ? -1 : 1 }
        if a.sequenceId != b.sequenceId { return a.sequenceId > b.sequenceId ? -1 : 1 }
        return 0
    }
}
