import BasaltCore

/// Reads one store (column family) for one scan: merges its sources (MemStore segments and HFiles) and passes each row's cells through a `ScanQueryMatcher`. Used a row at a time by
/// `RegionScanner`. Owned by one reader; not thread-safe.
final class StoreScanner {
    let family: [UInt8]
    let merger: MergingScanner
    var matcher: ScanQueryMatcher
    private var seekKey: [UInt8] = []

    init(family: [UInt8], sources: [any KeyValueScanner], matcher: ScanQueryMatcher) {
        self.family = family
        self.merger = MergingScanner(sources)
        self.matcher = matcher
    }

    /// Positions at the first cell of `row` (or of the next row after it).
    func seek(toRow row: [UInt8]) throws {
        let n = EncodedCell.headerLength + EncodedCell.keyLength(rowLength: row.count, familyLength: family.count, qualifierLength: 0)
        if seekKey.count < n { seekKey = [UInt8](repeating: 0, count: n) }
        try seekKey.withUnsafeMutableBytes { dst in
            row.withUnsafeBytes { r in
                family.withUnsafeBytes { f in
                    _ = EncodedCell.write(
                        to: dst.baseAddress!, row: r, family: f, qualifier: UnsafeRawBufferPointer(start: nil, count: 0),
                        timestamp: .max, type: CellType.maximum.rawValue, value: UnsafeRawBufferPointer(start: nil, count: 0))
                }
            }
            try merger.seek(EncodedCell(UnsafeRawPointer(dst.baseAddress!)))
        }
    }

    /// The row of the current cell (valid until the scanner moves), or nil when exhausted.
    var currentRow: UnsafeRawBufferPointer? { merger.peek?.cell.row }

    /// Consumes every cell of the current row, appending what the matcher keeps to `out`. `row` is the
    /// row's bytes, shared by every cell built.
    func collectRow(_ row: [UInt8], into out: inout [Cell]) throws {
        matcher.startRow()
        while let ref = merger.peek {
            let c = ref.cell
            let same = row.withUnsafeBytes { CellComparator.compareBytes(c.row, $0) == 0 }
            if !same { break }
            if matcher.include(c) {
                out.append(Cell(
                    row: row, family: family, qualifier: Array(c.qualifier), timestamp: c.timestamp, type: c.type,
                    value: Array(c.value), sequenceId: ref.sequenceId))
            }
            try merger.next()
        }
    }

    /// The greatest row below `row` (the last row when nil) that this store holds.
    func lastRow(below row: [UInt8]?) throws -> [UInt8]? { try merger.lastRow(below: row) }
}
