import BasaltCore

/// Iterates the rows of one region for a `Scan`, forward or reversed, combining the stores' cells row by
/// row (families in order). Rows with nothing to return are skipped. Fixed at the MVCC read point taken
/// when it was opened. Owned by one reader; not thread-safe.
public final class RegionScanner {
    let scan: Scan
    let stores: [StoreScanner]
    private var rowsReturned = 0
    private var reverseBound: [UInt8]?
    private var done = false

    init(scan: Scan, stores: [StoreScanner]) throws {
        self.scan = scan
        self.stores = stores
        if scan.reversed {
            // Rows at or below startRow: the bound is the smallest row above it.
            reverseBound = scan.startRow.isEmpty ? nil : scan.startRow + [0]
        } else {
            for s in stores { try s.seek(toRow: scan.startRow) }
        }
    }

    /// The next row with something to return, or nil at the end.
    public func next() throws -> RowResult? {
        while !done {
            if scan.limit > 0 && rowsReturned >= scan.limit {
                done = true
                return nil
            }
            guard let row = try scan.reversed ? nextRowReversed() : nextRowForward() else {
                done = true
                return nil
            }
            var cells: [Cell] = []
            for s in stores {
                if scan.reversed { try s.seek(toRow: row) }
                if let r = s.currentRow, row.withUnsafeBytes({ CellComparator.compareBytes(r, $0) }) == 0 {
                    try s.collectRow(row, into: &cells)
                }
            }
            if !cells.isEmpty {
                rowsReturned += 1
                return RowResult(row: row, cells: cells)
            }
        }
        return nil
    }

    /// Every remaining row.
    public func all() throws -> [RowResult] {
        var out: [RowResult] = []
        while let r = try next() { out.append(r) }
        return out
    }

    private func nextRowForward() -> [UInt8]? {
        var best: UnsafeRawBufferPointer?
        for s in stores {
            guard let r = s.currentRow else { continue }
            if let b = best, CellComparator.compareBytes(r, b) >= 0 { continue }
            best = r
        }
        guard let best else { return nil }
        if !scan.stopRow.isEmpty && scan.stopRow.withUnsafeBytes({ CellComparator.compareBytes(best, $0) }) >= 0 { return nil }
        return Array(best)
    }

    private func nextRowReversed() throws -> [UInt8]? {
        var best: [UInt8]?
        for s in stores {
            guard let r = try s.lastRow(below: reverseBound) else { continue }
            if let b = best, CellComparator.compareBytes(r, b) <= 0 { continue }
            best = r
        }
        guard let best else { return nil }
        if !scan.stopRow.isEmpty && CellComparator.compareBytes(best, scan.stopRow) <= 0 { return nil }
        reverseBound = best
        return best
    }
}
