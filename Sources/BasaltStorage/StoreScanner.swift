import BasaltCore

/// Reads one store (column family) for one scan: merges its sources (MemStore segments and HFiles) and passes each row's cells through a `ScanQueryMatcher`. Used a row at a time by
/// `RegionScanner`. Owned by one reader; not thread-safe.
final class StoreScanner {
    let family: [UInt8]
    let merger: MergingScanner
    var matcher: ScanQueryMatcher
    private var seekKey: [UInt8] = []

    init(family: [UInt8], sources: [any KeyValueScanner], matcher: ScanQueryMatcher, order: RowOrder) {
        self.family = family
        self.merger = MergingScanner(sources, order: order)
        self.matcher = matcher
    }

    /// Positions at the first cell of `row` (or of the next row after it).
    func seek(toRow row: [UInt8]) throws {
        try row.withUnsafeBytes { try seek(toRow: $0) }
    }

    func seek(toRow row: UnsafeRawBufferPointer) throws {
        let n = EncodedCell.headerLength + EncodedCell.keyLength(rowLength: row.count, familyLength: family.count, qualifierLength: 0)
        if seekKey.count < n { seekKey = [UInt8](repeating: 0, count: n) }
        try seekKey.withUnsafeMutableBytes { dst in
            family.withUnsafeBytes { f in
                _ = EncodedCell.write(
                    to: dst.baseAddress!, row: row, family: f, qualifier: UnsafeRawBufferPointer(start: nil, count: 0),
                    timestamp: .max, type: CellType.maximum.rawValue, value: UnsafeRawBufferPointer(start: nil, count: 0))
            }
            try merger.seek(EncodedCell(UnsafeRawPointer(dst.baseAddress!)))
        }
    }

    /// The row of the current cell (valid until the scanner moves), or nil when exhausted.
    var currentRow: UnsafeRawBufferPointer? { merger.peek?.cell.row }

    /// Consumes every cell of the current row (`row`), handing what the matcher keeps to `visit` with its
    /// sequence id; the cell is valid only during the call.
    @inline(__always)
    func visitRow(_ row: UnsafeRawBufferPointer, _ visit: (EncodedCell, UInt64) throws -> Void) throws {
        matcher.startRow()
        while let ref = merger.peek {
            let c = ref.cell
            if CellComparator.compareBytes(c.rowPointer, c.rowLength, row.baseAddress, row.count) != 0 { break }
            if matcher.include(c) { try visit(c, ref.sequenceId) }
            try merger.next()
        }
    }

    /// Moves past every cell of the current row (`row`) without reading them.
    func skipRow(_ row: UnsafeRawBufferPointer) throws {
        while let ref = merger.peek {
            let c = ref.cell
            if CellComparator.compareBytes(c.rowPointer, c.rowLength, row.baseAddress, row.count) != 0 { break }
            try merger.next()
        }
    }

    /// The greatest row below `row` (the last row when nil) that this store holds.
    func lastRow(below row: [UInt8]?) throws -> [UInt8]? { try merger.lastRow(below: row) }
}
