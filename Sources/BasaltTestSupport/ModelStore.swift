import BasaltCore

/// A deliberately simple model of a table's visible data, for model-based tests: every put and delete
/// marker kept in a list, and reads answered by applying HBase's rules directly (no merging, no
/// iterators). Slow and obviously right. Not thread-safe.
public struct ModelStore {
    /// Every cell written, by row.
    public var rowsCells: [[UInt8]: [Cell]] = [:]
    public var maxVersions: [[UInt8]: Int]

    public init(maxVersions: [[UInt8]: Int]) { self.maxVersions = maxVersions }

    /// The markers a region writes for `delete` at time `now`: a whole-row delete becomes one family marker
    /// per family, and a "latest version" column delete takes the newest version's timestamp, as the
    /// server resolves them.
    public func markers(for delete: Delete, families: [[UInt8]], now: Int64) -> [Cell] {
        if delete.isEmpty {
            let t = delete.timestamp == Cell.latestTimestamp ? now : delete.timestamp
            return families.map { Cell(row: delete.row, family: $0, qualifier: [], timestamp: t, type: .deleteFamily) }
        }
        return delete.markers.map { marker in
            var m = marker
            if m.timestamp == Cell.latestTimestamp {
                m.timestamp = m.type == .delete ? (versions(row: m.row, family: m.family, qualifier: m.qualifier).first?.timestamp ?? now) : now
            }
            return m
        }
    }

    public mutating func apply(_ newCells: [Cell]) {
        for c in newCells { rowsCells[c.row, default: []].append(c) }
    }

    /// Whether a put is masked by any marker.
    func isDeleted(_ p: Cell) -> Bool {
        (rowsCells[p.row] ?? []).contains { m in
            guard m.family == p.family else { return false }
            switch m.type {
            case .deleteFamily: return m.timestamp >= p.timestamp
            case .deleteFamilyVersion: return m.timestamp == p.timestamp
            case .deleteColumn: return m.qualifier == p.qualifier && m.timestamp >= p.timestamp
            case .delete: return m.qualifier == p.qualifier && m.timestamp == p.timestamp
            default: return false
            }
        }
    }

    /// Visible versions of one column, newest first, at most `versions` (capped by the family's).
    public func versions(row: [UInt8], family: [UInt8], qualifier: [UInt8], versions: Int = 1) -> [Cell] {
        let limit = min(versions, maxVersions[family] ?? 1)
        var byTs: [Int64: Cell] = [:]
        for c in rowsCells[row] ?? [] where c.type == .put && c.family == family && c.qualifier == qualifier {
            if let e = byTs[c.timestamp], e.sequenceId > c.sequenceId { continue }
            byTs[c.timestamp] = c
        }
        return byTs.values.filter { !isDeleted($0) }.sorted { $0.timestamp > $1.timestamp }.prefix(limit).map { $0 }
    }

    /// The whole visible row in cell order.
    public func row(_ row: [UInt8], versions: Int = 1) -> [Cell] {
        var columns = Set<[[UInt8]]>()
        for c in rowsCells[row] ?? [] where c.type == .put { columns.insert([c.family, c.qualifier]) }
        var out: [Cell] = []
        for col in columns { out += self.versions(row: row, family: col[0], qualifier: col[1], versions: versions) }
        return out.sorted()
    }

    /// What a major compaction leaves when every cell is in files: the visible versions of each column
    /// (up to the family's maximum), and no delete markers. Later puts are no longer masked by the
    /// markers it dropped, as in HBase.
    public mutating func majorCompact() {
        for row in Array(rowsCells.keys) {
            var columns = Set<[[UInt8]]>()
            for c in rowsCells[row] ?? [] where c.type == .put { columns.insert([c.family, c.qualifier]) }
            var kept: [Cell] = []
            for col in columns { kept += versions(row: row, family: col[0], qualifier: col[1], versions: .max) }
            rowsCells[row] = kept
        }
    }

    /// Every row with something visible, sorted.
    public func rows() -> [[UInt8]] {
        rowsCells.keys.filter { !row($0).isEmpty }.sorted { CellComparator.compareBytes($0, $1) < 0 }
    }
}
