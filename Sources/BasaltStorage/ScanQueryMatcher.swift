import BasaltCore

/// Decides, cell by cell within one store, what a read returns: it applies delete markers (version,
/// column, family, family-version), TTL with MIN_VERSIONS, the time range, the column selection and the
/// version limit, as HBase's user scan matcher does. Cells arrive in cell order, one row at a time.
/// Owned by one scanner; not thread-safe.
struct ScanQueryMatcher {
    let maxVersions: Int
    let minVersions: Int
    /// Cells with a timestamp below this have expired (Int64.min: never).
    let ttlCutoff: Int64
    let timeRange: TimeRange
    /// Sorted qualifiers wanted, or nil for the whole family.
    let qualifiers: [[UInt8]]?
    let raw: Bool

    private var familyDeleteTs = Int64.min
    private var familyVersionDeletes: [Int64] = []
    private var column: [UInt8] = []
    private var haveColumn = false
    private var columnDeleteTs = Int64.min
    private var versionDeletes: [Int64] = []
    private var versionsSeen = 0
    private var lastTs = Int64.min
    private var columnWanted = true

    init(maxVersions: Int, minVersions: Int, ttlCutoff: Int64, timeRange: TimeRange, qualifiers: [[UInt8]]?, raw: Bool) {
        self.maxVersions = maxVersions
        self.minVersions = minVersions
        self.ttlCutoff = ttlCutoff
        self.timeRange = timeRange
        self.qualifiers = qualifiers
        self.raw = raw
    }

    mutating func startRow() {
        familyDeleteTs = .min
        familyVersionDeletes.removeAll(keepingCapacity: true)
        haveColumn = false
    }

    private mutating func startColumn(_ c: EncodedCell) {
        column.removeAll(keepingCapacity: true)
        column.append(contentsOf: c.qualifier)
        haveColumn = true
        columnDeleteTs = .min
        versionDeletes.removeAll(keepingCapacity: true)
        versionsSeen = 0
        lastTs = .min
        if let qualifiers {
            columnWanted = Self.contains(qualifiers, c.qualifier)
        } else {
            columnWanted = true
        }
    }

    private static func contains(_ sorted: [[UInt8]], _ q: UnsafeRawBufferPointer) -> Bool {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let c = sorted[mid].withUnsafeBytes { CellComparator.compareBytes($0, q) }
            if c == 0 { return true }
            if c < 0 { lo = mid + 1 } else { hi = mid }
        }
        return false
    }

    /// Whether the cell belongs in the result.
    mutating func include(_ c: EncodedCell) -> Bool {
        if !haveColumn || column.withUnsafeBytes({ CellComparator.compareBytes($0, c.qualifier) }) != 0 {
            startColumn(c)
        }
        let ts = c.timestamp
        let type = c.typeByte
        if type != CellType.put.rawValue {
            switch type {
            case CellType.deleteFamily.rawValue: familyDeleteTs = max(familyDeleteTs, ts)
            case CellType.deleteFamilyVersion.rawValue: familyVersionDeletes.append(ts)
            case CellType.deleteColumn.rawValue: columnDeleteTs = max(columnDeleteTs, ts)
            case CellType.delete.rawValue: versionDeletes.append(ts)
            default: break
            }
            return raw && timeRange.contains(ts) && (type == CellType.deleteFamily.rawValue || type == CellType.deleteFamilyVersion.rawValue || columnWanted)
        }
        if !columnWanted { return false }
        if !raw {
            if ts <= familyDeleteTs || ts <= columnDeleteTs { return false }
            if !familyVersionDeletes.isEmpty && familyVersionDeletes.contains(ts) { return false }
            if !versionDeletes.isEmpty && versionDeletes.contains(ts) { return false }
        }
        if ts == lastTs { return false }  // an older write of the same version
        lastTs = ts
        if ts < ttlCutoff && versionsSeen >= minVersions { return false }
        if !timeRange.contains(ts) { return false }
        if versionsSeen >= maxVersions { return false }
        versionsSeen += 1
        return true
    }
}
