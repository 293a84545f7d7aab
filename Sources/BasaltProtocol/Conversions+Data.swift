import BasaltCore
import Foundation

// Cells, reads and mutations: `BasaltCore` values to and from their messages.

extension Basalt_CellType {
    public init(_ t: CellType) {
        switch t {
        case .delete: self = .delete
        case .deleteColumn: self = .deleteColumn
        case .deleteFamily: self = .deleteFamily
        case .deleteFamilyVersion: self = .deleteFamilyVersion
        default: self = .put
        }
    }

    public func toCellType() throws -> CellType {
        switch self {
        case .put: .put
        case .delete: .delete
        case .deleteColumn: .deleteColumn
        case .deleteFamily: .deleteFamily
        case .deleteFamilyVersion: .deleteFamilyVersion
        case .UNRECOGNIZED(let n): throw ProtocolError(.malformedRequest, "unknown cell type \(n)")
        }
    }
}

extension Basalt_Cell {
    public init(_ c: Cell) {
        self.init()
        row = Data(c.row)
        family = Data(c.family)
        qualifier = Data(c.qualifier)
        timestamp = c.timestamp
        cellType = Basalt_CellType(c.type)
        value = Data(c.value)
    }

    public func toCell() throws -> Cell {
        Cell(row: Array(row), family: Array(family), qualifier: Array(qualifier), timestamp: timestamp, type: try cellType.toCellType(), value: Array(value))
    }
}

extension Basalt_TimeRange {
    public init(_ r: TimeRange) {
        self.init()
        from = r.minimum
        to = r.maximum == .max ? 0 : r.maximum
    }

    public func toTimeRange() throws -> TimeRange {
        do {
            return try TimeRange(minimum: from, maximum: to == 0 ? .max : to)
        } catch {
            throw ProtocolError(.malformedRequest, "bad time range [\(from), \(to)): \(error)")
        }
    }
}

extension ColumnSelection {
    /// The selection as `Column` messages (empty for "every column").
    public var protoColumns: [Basalt_Column] {
        guard let families else { return [] }
        return families.keys.sorted { CellComparator.compareBytes($0, $1) < 0 }.map { family in
            var c = Basalt_Column()
            c.family = Data(family)
            if let qualifiers = families[family] ?? nil {
                c.qualifiers = qualifiers.sorted { CellComparator.compareBytes($0, $1) < 0 }.map { Data($0) }
            }
            return c
        }
    }

    public init(protoColumns: [Basalt_Column]) {
        self = .all
        for c in protoColumns {
            if c.qualifiers.isEmpty {
                addFamily(Array(c.family))
            } else {
                for q in c.qualifiers { addColumn(family: Array(c.family), qualifier: Array(q)) }
            }
        }
    }
}

extension Basalt_Filter {
    /// The filter as its language name, arguments and operands.
    public init(_ f: Filter) {
        self.init()
        let p = f.parts
        name = p.name
        args = p.arguments.map { Data($0) }
        children = p.children.map(Basalt_Filter.init)
    }

    /// The filter, validated (unknown names, bad arguments and bad comparators are refused).
    public func toFilter() throws -> Filter {
        do {
            return try Filter(name: name, arguments: args.map { Array($0) }, children: children.map { try $0.toFilter() })
        } catch let e as CoreError {
            throw ProtocolError(.malformedRequest, e.message)
        }
    }
}

extension Basalt_Get {
    public init(_ g: Get) {
        self.init()
        row = Data(g.row)
        columns = g.columns.protoColumns
        maxVersions = UInt32(clamping: g.maxVersions)
        if !g.timeRange.isAll { timeRange = Basalt_TimeRange(g.timeRange) }
        if let f = g.filter { filter = Basalt_Filter(f) }
    }

    public func toGet() throws -> Get {
        var g = Get(row: Array(row))
        g.columns = ColumnSelection(protoColumns: columns)
        g.maxVersions = max(1, Int(maxVersions))
        if hasTimeRange { g.timeRange = try timeRange.toTimeRange() }
        if hasFilter { g.filter = try filter.toFilter() }
        return g
    }
}

extension Basalt_Scan {
    public init(_ s: Scan) {
        self.init()
        startRow = Data(s.startRow)
        stopRow = Data(s.stopRow)
        reversed = s.reversed
        columns = s.columns.protoColumns
        maxVersions = UInt32(clamping: s.maxVersions)
        if !s.timeRange.isAll { timeRange = Basalt_TimeRange(s.timeRange) }
        raw = s.raw
        limit = UInt64(max(0, s.limit))
        cacheBlocks = s.cacheBlocks
        if let f = s.filter { filter = Basalt_Filter(f) }
    }

    public func toScan() throws -> Scan {
        var s = Scan(startRow: Array(startRow), stopRow: Array(stopRow))
        s.reversed = reversed
        s.columns = ColumnSelection(protoColumns: columns)
        s.maxVersions = max(1, Int(maxVersions))
        if hasTimeRange { s.timeRange = try timeRange.toTimeRange() }
        s.raw = raw
        s.limit = Int(clamping: limit)
        s.cacheBlocks = cacheBlocks
        if hasFilter { s.filter = try filter.toFilter() }
        return s
    }
}

extension Basalt_Result {
    public init(_ r: RowResult) {
        self.init()
        cells = r.cells.map(Basalt_Cell.init)
    }

    /// The row's cells; `row` names the row when there are none.
    public func toRowResult(row: [UInt8] = []) throws -> RowResult {
        let cs = try cells.map { try $0.toCell() }
        return RowResult(row: cs.first?.row ?? row, cells: cs)
    }
}

extension Basalt_MutationProto {
    public init(_ m: Mutation) {
        self.init()
        switch m {
        case .put(let p):
            row = Data(p.row)
            mutateType = .put
            cells = p.cells.map(Basalt_Cell.init)
            durability = Basalt_Durability(p.durability)
        case .delete(let d):
            row = Data(d.row)
            mutateType = .delete
            cells = d.markers.map(Basalt_Cell.init)
            timestamp = d.timestamp
            hasTimestamp_p = true
            durability = Basalt_Durability(d.durability)
        }
    }

    public init(_ inc: Increment) {
        self.init()
        row = Data(inc.row)
        mutateType = .increment
        durability = Basalt_Durability(inc.durability)
        returnResults = true
        cells = inc.columns.map { Self.columnCell(row, $0.family, $0.qualifier, Bytes.fromInt64($0.amount)) }
    }

    public init(_ app: Append) {
        self.init()
        row = Data(app.row)
        mutateType = .append
        durability = Basalt_Durability(app.durability)
        returnResults = true
        cells = app.columns.map { Self.columnCell(row, $0.family, $0.qualifier, $0.value) }
    }

    /// An increment's or append's operand for one column.
    private static func columnCell(_ row: Data, _ family: [UInt8], _ qualifier: [UInt8], _ value: [UInt8]) -> Basalt_Cell {
        var cell = Basalt_Cell()
        cell.row = row
        cell.family = Data(family)
        cell.qualifier = Data(qualifier)
        cell.value = Data(value)
        return cell
    }

    /// A put or a delete (`.put` / `.delete` types only).
    public func toMutation() throws -> Mutation {
        let r = Array(row)
        let d = try durability.toDurability()
        switch mutateType {
        case .put:
            var p = Put(row: r)
            p.durability = d
            for c in cells {
                p.add(family: Array(c.family), qualifier: Array(c.qualifier), value: Array(c.value), timestamp: c.timestamp)
            }
            return .put(p)
        case .delete:
            var del = Delete(row: r, timestamp: hasTimestamp_p ? timestamp : Cell.latestTimestamp)
            del.durability = d
            for c in cells {
                let f = Array(c.family), q = Array(c.qualifier)
                switch try c.cellType.toCellType() {
                case .delete: del.addColumn(family: f, qualifier: q, timestamp: c.timestamp)
                case .deleteColumn: del.addColumns(family: f, qualifier: q, timestamp: c.timestamp)
                case .deleteFamily: del.addFamily(family: f, timestamp: c.timestamp)
                case .deleteFamilyVersion: del.addFamilyVersion(family: f, timestamp: c.timestamp)
                default: throw ProtocolError(.malformedRequest, "a delete carries a cell of type Put")
                }
            }
            return .delete(del)
        default:
            throw ProtocolError(.malformedRequest, "expected a put or a delete, got \(mutateType)")
        }
    }

    public func toIncrement() throws -> Increment {
        var inc = Increment(row: Array(row))
        inc.durability = try durability.toDurability()
        for c in cells {
            guard let amount = Bytes.toInt64(Array(c.value)) else {
                throw ProtocolError(.malformedRequest, "an increment amount must be 8 bytes, got \(c.value.count)")
            }
            inc.add(family: Array(c.family), qualifier: Array(c.qualifier), amount: amount)
        }
        return inc
    }

    public func toAppend() throws -> Append {
        var app = Append(row: Array(row))
        app.durability = try durability.toDurability()
        for c in cells { app.add(family: Array(c.family), qualifier: Array(c.qualifier), value: Array(c.value)) }
        return app
    }
}
