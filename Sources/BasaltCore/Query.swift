/// Which columns a read returns: every family, or chosen families, each with every qualifier or a set.
public struct ColumnSelection: Sendable, Hashable {
    /// nil: every family. Otherwise family → nil (whole family) or the qualifiers wanted.
    public private(set) var families: [[UInt8]: Set<[UInt8]>?]?

    public static let all = ColumnSelection(families: nil)

    public init(families: [[UInt8]: Set<[UInt8]>?]? = nil) { self.families = families }

    public mutating func addFamily(_ family: [UInt8]) {
        if families == nil { families = [:] }
        families![family] = Optional<Set<[UInt8]>>.none
    }

    public mutating func addColumn(family: [UInt8], qualifier: [UInt8]) {
        if families == nil { families = [:] }
        if let existing = families![family] {
            guard var set = existing else { return }  // whole family already selected
            set.insert(qualifier)
            families![family] = set
        } else {
            families![family] = [qualifier]
        }
    }

    public var isAll: Bool { families == nil }

    /// A column as HBase writes one (`CellUtil.parseColumn`): `family` alone is the whole family,
    /// `family:` the empty qualifier, `family:qualifier` one column; the first colon splits.
    public static func parse(column: [UInt8]) -> (family: [UInt8], qualifier: [UInt8]?) {
        guard let colon = column.firstIndex(of: UInt8(ascii: ":")) else { return (column, nil) }
        return (Array(column[..<colon]), Array(column[(colon + 1)...]))
    }

    /// Adds a column in that form: a whole family, or one qualifier of it.
    public mutating func add(column: [UInt8]) {
        let (family, qualifier) = Self.parse(column: column)
        if let qualifier { addColumn(family: family, qualifier: qualifier) } else { addFamily(family) }
    }
}

/// A read of one row (HBase's `Get`): columns, versions, time range. A value type.
public struct Get: Sendable, Hashable {
    public var row: [UInt8]
    public var columns = ColumnSelection.all
    public var maxVersions = 1
    public var timeRange = TimeRange.all
    /// Applied on the server to the row's selected cells.
    public var filter: Filter?

    public init(row: [UInt8]) { self.row = row }
}

/// A read of a range of rows (HBase's `Scan`). Forward scans run [startRow, stopRow); reversed scans start
/// at `startRow` (inclusive; empty = the last row) and run down to `stopRow` (exclusive). HBase 2's
/// `includeStartRow`/`includeStopRow` change which ends are included. A value type.
public struct Scan: Sendable, Hashable {
    public var startRow: [UInt8] = []
    public var stopRow: [UInt8] = []
    /// Whether a row equal to `startRow` is returned (HBase's default: yes).
    public var includeStartRow = true
    /// Whether a row equal to `stopRow` is returned (HBase's default: no).
    public var includeStopRow = false
    public var reversed = false
    public var columns = ColumnSelection.all
    public var maxVersions = 1
    public var timeRange = TimeRange.all
    /// Return delete markers and deleted cells too.
    public var raw = false
    /// Stop after this many rows; 0 means no limit.
    public var limit = 0
    /// Whether blocks read from disk enter the block cache (HBase's `setCacheBlocks`); a one-off full
    /// scan turns it off to leave the cache to hot data.
    public var cacheBlocks = true
    /// Applied on the server to each row's selected cells.
    public var filter: Filter?

    public init(startRow: [UInt8] = [], stopRow: [UInt8] = []) {
        self.startRow = startRow
        self.stopRow = stopRow
    }

    /// A scan of exactly the rows starting with `prefix`.
    public static func prefix(_ prefix: [UInt8]) -> Scan {
        Scan(startRow: prefix, stopRow: Self.nextPrefix(prefix))
    }

    /// The smallest byte string greater than every string with this prefix; empty when there is none.
    public static func nextPrefix(_ prefix: [UInt8]) -> [UInt8] {
        var p = prefix
        while let last = p.last {
            if last < 0xFF {
                p[p.count - 1] = last + 1
                return p
            }
            p.removeLast()
        }
        return []
    }
}

/// One row's cells as a read returns them, in cell order. A value type.
public struct RowResult: Sendable, Hashable {
    public var row: [UInt8]
    public var cells: [Cell]

    public init(row: [UInt8], cells: [Cell]) {
        self.row = row
        self.cells = cells
    }

    public var isEmpty: Bool { cells.isEmpty }

    /// The newest value of a column, if the result holds one.
    public func value(family: [UInt8], qualifier: [UInt8]) -> [UInt8]? {
        cells.first { $0.family == family && $0.qualifier == qualifier && $0.type == .put }?.value
    }
}
