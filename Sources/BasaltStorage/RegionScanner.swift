import BasaltCore

/// Iterates the rows of one region for a `Scan`, forward or reversed, combining the stores' cells row by
/// row (families in order). Rows with nothing to return are skipped, and so are rows outside the region's
/// [start key, end key) whatever the scan asks. Fixed at the MVCC read point taken when it was opened.
/// Owned by one reader; not thread-safe.
public final class RegionScanner {
    let scan: Scan
    let stores: [StoreScanner]
    private var rowsReturned = 0
    /// Reversed scans: rows below this one are next (all rows when nil).
    private var reverseBound: [UInt8]?
    /// Reversed scans: the bound itself (the scan's start row) may still be returned.
    private var reverseBoundIncluded = false
    /// Forward scans that exclude their start row, until a row past it was seen.
    private var skipStartRow = false
    private var done = false
    /// The scan's filter; with one, `next()` counts the limit on filtered rows.
    private let filter: FilterEvaluator?
    private var filteredRowsReturned = 0
    private var filterDone = false
    /// The row limit `nextRow` enforces (none when a filter applies: it may drop rows).
    private let rawLimit: Int

    /// Reads exactly `scan.startRow` (a get): stops at the first other row.
    let singleRow: Bool
    /// The region's first row (inclusive) and end (exclusive); empty means unbounded.
    private let regionStart: [UInt8]
    private let regionEnd: [UInt8]
    /// How the table's rows sort.
    private let order: RowOrder

    init(
        scan: Scan, stores: [StoreScanner], singleRow: Bool = false, regionStart: [UInt8] = [], regionEnd: [UInt8] = [], order: RowOrder
    ) throws {
        self.scan = scan
        self.singleRow = singleRow
        self.stores = stores
        self.regionStart = regionStart
        self.regionEnd = regionEnd
        self.order = order
        filter = scan.filter.map { FilterEvaluator($0, reversed: scan.reversed, order: order) }
        rawLimit = scan.filter == nil ? scan.limit : 0
        if scan.reversed {
            // Rows at or below startRow, and below the region's end.
            if !scan.startRow.isEmpty && (regionEnd.isEmpty || order.compare(scan.startRow, regionEnd) < 0) {
                reverseBound = scan.startRow
                reverseBoundIncluded = scan.includeStartRow
            } else {
                reverseBound = regionEnd.isEmpty ? nil : regionEnd
            }
        } else {
            let start = order.compare(scan.startRow, regionStart) >= 0 ? scan.startRow : regionStart
            skipStartRow = !scan.includeStartRow && !scan.startRow.isEmpty && start == scan.startRow
            for s in stores { try s.seek(toRow: start) }
        }
    }

    /// The next row with something to return (after the scan's filter), or nil at the end.
    public func next() throws -> RowResult? {
        guard let filter else { return try nextUnfiltered() }
        while !filterDone {
            if scan.limit > 0 && filteredRowsReturned >= scan.limit { break }
            guard let row = try nextUnfiltered() else { break }
            let verdict = filter.apply(row: row.row, cells: row.cells)
            if verdict.stopBefore { break }
            if verdict.stopAfter { filterDone = true }
            if verdict.cells.isEmpty { continue }
            filteredRowsReturned += 1
            return RowResult(row: row.row, cells: verdict.cells)
        }
        filterDone = true
        return nil
    }

    private func nextUnfiltered() throws -> RowResult? {
        var cells: [Cell] = []
        var family: [UInt8] = []
        var sharedRow: [UInt8] = []
        let found = try nextRow { storeFamily, c, seq in
            if cells.isEmpty { sharedRow = Array(c.row) }
            if family != storeFamily { family = storeFamily }
            cells.append(Cell(
                row: sharedRow, family: family, qualifier: Array(c.qualifier), timestamp: c.timestamp, type: c.type,
                value: Array(c.value), sequenceId: seq))
        }
        return found ? RowResult(row: sharedRow, cells: cells) : nil
    }

    /// Moves to the next row with something to return and hands each of its cells to `visit` (family,
    /// cell, sequence id), in order, without copying them: the cell is valid only during the call. Returns
    /// false at the end. For consumers that encode cells straight into a response (and benchmarks). The
    /// scan's filter does not apply here: a filtered scan reads through `next()`.
    public func nextRow(_ visit: ([UInt8], EncodedCell, UInt64) throws -> Void) throws -> Bool {
        while !done {
            if rawLimit > 0 && rowsReturned >= rawLimit {
                done = true
                return false
            }
            let more = try scan.reversed ? nextRowReversed() : try nextRowForward()
            guard more else {
                done = true
                return false
            }
            var any = false
            try rowBuffer.withUnsafeBytes { row in
                for s in stores {
                    if scan.reversed { try s.seek(toRow: row) }
                    if let r = s.currentRow, CellComparator.compareBytes(r, row) == 0 {
                        try s.visitRow(row) { c, seq in
                            any = true
                            try visit(s.family, c, seq)
                        }
                    }
                }
            }
            if any {
                rowsReturned += 1
                return true
            }
        }
        return false
    }

    /// The current row's key (valid until the next move).
    private var rowBuffer: [UInt8] = []

    /// Every remaining row.
    public func all() throws -> [RowResult] {
        var out: [RowResult] = []
        while let r = try next() { out.append(r) }
        return out
    }

    private func nextRowForward() throws -> Bool {
        var best: UnsafeRawBufferPointer?
        for s in stores {
            guard let r = s.currentRow else { continue }
            if let b = best, order.compare(r, b) >= 0 { continue }
            best = r
        }
        guard let best else { return false }
        if skipStartRow {
            skipStartRow = false
            if order.compare(best, scan.startRow) == 0 {
                // Step every store past the start row, then look again.
                for s in stores where s.currentRow.map({ order.compare($0, scan.startRow) == 0 }) ?? false {
                    try scan.startRow.withUnsafeBytes { try s.skipRow($0) }
                }
                return try nextRowForward()
            }
        }
        if singleRow {
            if order.compare(best, scan.startRow) != 0 { return false }
        } else if !scan.stopRow.isEmpty {
            let c = order.compare(best, scan.stopRow)
            if c > 0 || (c == 0 && !scan.includeStopRow) { return false }
        }
        if !regionEnd.isEmpty && order.compare(best, regionEnd) >= 0 { return false }
        rowBuffer.removeAll(keepingCapacity: true)
        rowBuffer.append(contentsOf: best)
        return true
    }

    private func nextRowReversed() throws -> Bool {
        var best: [UInt8]?
        if reverseBoundIncluded, let bound = reverseBound {
            // The start row itself, when a store holds it (the "row at or before" a meta lookup wants).
            reverseBoundIncluded = false
            for s in stores {
                try s.seek(toRow: bound)
                if let r = s.currentRow, order.compare(r, bound) == 0 { best = bound }
            }
        }
        if best == nil {
            for s in stores {
                guard let r = try s.lastRow(below: reverseBound) else { continue }
                if let b = best, order.compare(r, b) <= 0 { continue }
                best = r
            }
        }
        guard let best else { return false }
        if !scan.stopRow.isEmpty {
            let c = order.compare(best, scan.stopRow)
            if c < 0 || (c == 0 && !scan.includeStopRow) { return false }
        }
        if order.compare(best, regionStart) < 0 { return false }
        reverseBound = best
        rowBuffer = best
        return true
    }
}
