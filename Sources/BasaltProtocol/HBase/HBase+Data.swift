import BasaltCore
import Foundation

// Cells, time ranges, reads and results: `BasaltCore` values to and from HBase's messages (proto2: an
// absent field means HBase's default, e.g. an absent timestamp is "latest", an absent `TimeRange.to` is
// Long.MAX).

extension HBaseCellType {
    public init(_ t: CellType) {
        switch t {
        case .minimum: self = .minimum
        case .put: self = .put
        case .delete: self = .delete
        case .deleteFamilyVersion: self = .deleteFamilyVersion
        case .deleteColumn: self = .deleteColumn
        case .deleteFamily: self = .deleteFamily
        case .maximum: self = .maximum
        }
    }

    public func toCellType() throws(ProtocolError) -> CellType {
        guard let t = CellType(rawValue: UInt8(truncatingIfNeeded: rawValue)), t != .minimum, t != .maximum else {
            throw ProtocolError(.malformedRequest, "cell type \(rawValue) is not one a cell can have")
        }
        return t
    }
}

extension HBaseCell {
    public init(_ c: Cell) {
        self.init()
        row = Data(c.row)
        family = Data(c.family)
        qualifier = Data(c.qualifier)
        timestamp = UInt64(bitPattern: c.timestamp)
        cellType = HBaseCellType(c.type)
        value = Data(c.value)
    }

    public func toCell() throws(ProtocolError) -> Cell {
        Cell(
            row: Array(row), family: Array(family), qualifier: Array(qualifier),
            timestamp: hasTimestamp ? Int64(bitPattern: timestamp) : Cell.latestTimestamp,
            type: hasCellType ? try cellType.toCellType() : .put, value: Array(value))
    }
}

extension HBaseTimeRange {
    public init(_ r: TimeRange) {
        self.init()
        if r.minimum != 0 { from = UInt64(r.minimum) }
        if r.maximum != .max { to = UInt64(r.maximum) }
    }

    public func toTimeRange() throws(ProtocolError) -> TimeRange {
        let min = hasFrom ? Int64(clamping: from) : 0
        let max = hasTo ? Int64(clamping: to) : .max
        do {
            return try TimeRange(minimum: min, maximum: max)
        } catch {
            throw ProtocolError(.malformedRequest, "time range [\(min), \(max)) is invalid: need 0 <= from <= to")
        }
    }
}

extension ColumnSelection {
    /// The selection as HBase's `Column` messages (none for "every column").
    public var hbaseColumns: [HBaseColumn] {
        guard let families else { return [] }
        return families.keys.sorted { CellComparator.compareBytes($0, $1) < 0 }.map { family in
            var c = HBaseColumn()
            c.family = Data(family)
            if let qualifiers = families[family] ?? nil {
                c.qualifier = qualifiers.sorted { CellComparator.compareBytes($0, $1) < 0 }.map { Data($0) }
            }
            return c
        }
    }

    public init(hbaseColumns: [HBaseColumn]) {
        self = .all
        for c in hbaseColumns {
            if c.qualifier.isEmpty {
                addFamily(Array(c.family))
            } else {
                for q in c.qualifier { addColumn(family: Array(c.family), qualifier: Array(q)) }
            }
        }
    }
}

extension HBaseGet {
    public init(_ g: Get) throws(ProtocolError) {
        self.init()
        row = Data(g.row)
        column = g.columns.hbaseColumns
        if g.maxVersions != 1 { maxVersions = UInt32(clamping: g.maxVersions) }
        if !g.timeRange.isAll { timeRange = HBaseTimeRange(g.timeRange) }
        if let f = g.filter { filter = try HBaseFilter(f) }
    }

    /// The read; `closest_row_before` is refused as HBase 2 refuses it (`UnknownProtocolException`
    /// is the server's to raise: this throws `.malformedRequest` naming it).
    public func toGet() throws(ProtocolError) -> Get {
        if closestRowBefore {
            throw ProtocolError(.malformedRequest, "closest_row_before is not supported: use a reversed small scan")
        }
        var g = Get(row: Array(row))
        g.columns = ColumnSelection(hbaseColumns: column)
        g.maxVersions = Swift.max(1, Int(maxVersions))
        if hasTimeRange { g.timeRange = try timeRange.toTimeRange() }
        if hasFilter { g.filter = try filter.toFilter() }
        return g
    }
}

extension HBaseScan {
    public init(_ s: Scan) throws(ProtocolError) {
        self.init()
        column = s.columns.hbaseColumns
        if !s.startRow.isEmpty { startRow = Data(s.startRow) }
        if !s.stopRow.isEmpty { stopRow = Data(s.stopRow) }
        if !s.includeStartRow { includeStartRow = false }
        if s.includeStopRow { includeStopRow = true }
        if s.maxVersions != 1 { maxVersions = UInt32(clamping: s.maxVersions) }
        if !s.timeRange.isAll { timeRange = HBaseTimeRange(s.timeRange) }
        if s.reversed { reversed = true }
        if !s.cacheBlocks { cacheBlocks = false }
        if let f = s.filter { filter = try HBaseFilter(f) }
        if s.raw { attribute.append(HBaseNameBytesPair.raw) }
    }

    /// The scan; `limit` comes from the request (`ScanRequest.limit_of_rows`), not the message.
    public func toScan() throws(ProtocolError) -> Scan {
        var s = Scan(startRow: Array(startRow), stopRow: Array(stopRow))
        s.includeStartRow = includeStartRow
        s.includeStopRow = includeStopRow
        s.reversed = reversed
        s.columns = ColumnSelection(hbaseColumns: column)
        s.maxVersions = Swift.max(1, Int(maxVersions))
        if hasTimeRange { s.timeRange = try timeRange.toTimeRange() }
        s.cacheBlocks = cacheBlocks
        if hasFilter { s.filter = try filter.toFilter() }
        s.raw = attribute.contains { $0.name == HBaseNameBytesPair.raw.name && $0.value.first == 0xFF }
        return s
    }
}

extension HBaseNameBytesPair {
    /// The scan attribute a raw scan carries (`_raw_`, a true boolean), as HBase's Scan.setRaw writes it.
    static var raw: HBaseNameBytesPair {
        var p = HBaseNameBytesPair()
        p.name = "_raw_"
        p.value = Data([0xFF])
        return p
    }
}

extension HBaseResult {
    /// A result with its cells inside the message.
    public init(_ r: RowResult) {
        self.init()
        cell = r.cells.map(HBaseCell.init)
    }

    /// The row's cells (those in the message, then `blockCells` taken from a cell block); `row` names
    /// the row when there are none.
    public func toRowResult(row: [UInt8] = [], blockCells: [Cell] = []) throws(ProtocolError) -> RowResult {
        var cells: [Cell] = []
        cells.reserveCapacity(cell.count + blockCells.count)
        for c in cell { cells.append(try c.toCell()) }
        cells += blockCells
        return RowResult(row: cells.first?.row ?? row, cells: cells)
    }
}
