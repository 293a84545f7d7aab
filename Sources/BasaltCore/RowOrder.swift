#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a table's row keys sort. User tables sort rows as unsigned bytes. `hbase:meta` sorts its rows
/// (`table,startkey,regionid.encoded.`) by their parts, as HBase's meta comparator does: the table name
/// (up to the first `,`), then the start key (between the first and the last `,`), then the rest (region id
/// and encoded name). A missing part sorts before any present one, so a table's state row (`table`) comes
/// before its region rows, and `table,` before every `table,startkey,…`.
///
/// Ordering by parts matters because start keys are arbitrary bytes: in plain byte order the row of the
/// region with the empty start key (`t,,…`) would sort after `t,\x00…`, and a start key followed by a byte
/// below `,` before its own prefix, which breaks the closest-row-before lookup that finds a row's region.
///
/// The order is total and agrees with byte equality: two rows compare equal only when their bytes are
/// equal, so row-equality checks may keep comparing bytes. A value type; safe from any thread.
public enum RowOrder: UInt8, Sendable, CaseIterable {
    /// Unsigned lexicographic bytes (every user table).
    case bytes = 0
    /// `hbase:meta`'s order by parts.
    case meta = 1

    /// The order of `table`'s rows.
    @inlinable public init(table: TableName) { self = table == .meta ? .meta : .bytes }

    /// The name an HFile records for the order of its cells.
    public var name: String {
        switch self {
        case .bytes: "bytes"
        case .meta: "meta"
        }
    }

    /// The order an HFile names, or nil for a name this version does not know.
    public init?(name: String) {
        guard let o = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = o
    }

    /// Compares two rows: <0, 0, >0.
    @inlinable @inline(__always)
    public func compare(_ a: UnsafeRawPointer?, _ al: Int, _ b: UnsafeRawPointer?, _ bl: Int) -> Int {
        switch self {
        case .bytes: CellComparator.compareBytes(a, al, b, bl)
        case .meta: Self.compareMetaRows(a, al, b, bl)
        }
    }

    @inlinable
    public func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        compare(a.baseAddress, a.count, b.baseAddress, b.count)
    }

    @inlinable
    public func compare(_ a: [UInt8], _ b: [UInt8]) -> Int {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in compare(x, y) } }
    }

    @inlinable
    public func compare(_ a: UnsafeRawBufferPointer, _ b: [UInt8]) -> Int {
        b.withUnsafeBytes { compare(a, $0) }
    }

    @inlinable
    public func compare(_ a: [UInt8], _ b: UnsafeRawBufferPointer) -> Int {
        a.withUnsafeBytes { compare($0, b) }
    }

    /// Meta rows by parts: table, then start key, then region id; a missing part first.
    @usableFromInline
    static func compareMetaRows(_ a: UnsafeRawPointer?, _ al: Int, _ b: UnsafeRawPointer?, _ bl: Int) -> Int {
        guard let a, let b, al > 0, bl > 0 else { return al - bl }
        let comma = Int32(UInt8(ascii: ","))
        // The table part: up to the first comma.
        let af = memchr(a, comma, al).map { $0 - UnsafeMutableRawPointer(mutating: a) }
        let bf = memchr(b, comma, bl).map { $0 - UnsafeMutableRawPointer(mutating: b) }
        var c = CellComparator.compareBytes(a, af ?? al, b, bf ?? bl)
        if c != 0 { return c }
        guard let af, let bf else { return af == nil ? (bf == nil ? 0 : -1) : 1 }
        // The start key: after the first comma, up to the last one (when there is a second).
        let aRest = a + af + 1, bRest = b + bf + 1
        let arl = al - af - 1, brl = bl - bf - 1
        let ar = lastComma(aRest, arl), br = lastComma(bRest, brl)
        c = CellComparator.compareBytes(aRest, ar ?? arl, bRest, br ?? brl)
        if c != 0 { return c }
        guard let ar, let br else { return ar == nil ? (br == nil ? 0 : -1) : 1 }
        // The region id and encoded name: after the last comma.
        return CellComparator.compareBytes(aRest + ar + 1, arl - ar - 1, bRest + br + 1, brl - br - 1)
    }

    /// The offset of the last comma in `n` bytes at `p`, or nil.
    @usableFromInline
    static func lastComma(_ p: UnsafeRawPointer, _ n: Int) -> Int? {
        var i = n - 1
        while i >= 0 {
            if p.load(fromByteOffset: i, as: UInt8.self) == UInt8(ascii: ",") { return i }
            i -= 1
        }
        return nil
    }
}
