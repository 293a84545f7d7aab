import BasaltClient
import BasaltCore

/// Reads: `get`, `getVer`, `getVerTs`, `getRow*`, `getRows*` and `getRowOrBefore`. A timestamp given to
/// a read is an exclusive upper bound (`[0, ts)`), as in HBase's gateway.
extension HbaseService {
    static func readMethods(into m: inout [String: (Throws, Method)]) {
        m["get"] = ([], { s, a, _ in
            try await s.cells(a.table(1), row: a.bytes(2), column: a.bytes(3), versions: 1, before: nil)
        })
        m["getVer"] = ([], { s, a, _ in
            try await s.cells(a.table(1), row: a.bytes(2), column: a.bytes(3), versions: a.i32(4), before: nil)
        })
        m["getVerTs"] = ([], { s, a, _ in
            try await s.cells(a.table(1), row: a.bytes(2), column: a.bytes(3), versions: a.i32(5), before: a.i64(4))
        })
        m["getRow"] = ([], { s, a, _ in try await s.rows(a.table(1), [a.bytes(2)], columns: [], before: nil) })
        m["getRowWithColumns"] = ([], { s, a, _ in
            try await s.rows(a.table(1), [a.bytes(2)], columns: a.byteList(3), before: nil)
        })
        m["getRowTs"] = ([], { s, a, _ in try await s.rows(a.table(1), [a.bytes(2)], columns: [], before: a.i64(3)) })
        m["getRowWithColumnsTs"] = ([], { s, a, _ in
            try await s.rows(a.table(1), [a.bytes(2)], columns: a.byteList(3), before: a.i64(4))
        })
        m["getRows"] = ([], { s, a, _ in try await s.rows(a.table(1), a.byteList(2), columns: [], before: nil) })
        m["getRowsWithColumns"] = ([], { s, a, _ in
            try await s.rows(a.table(1), a.byteList(2), columns: a.byteList(3), before: nil)
        })
        m["getRowsTs"] = ([], { s, a, _ in try await s.rows(a.table(1), a.byteList(2), columns: [], before: a.i64(3)) })
        m["getRowsWithColumnsTs"] = ([], { s, a, _ in
            try await s.rows(a.table(1), a.byteList(2), columns: a.byteList(3), before: a.i64(4))
        })
        m["getRowOrBefore"] = ([], { s, a, _ in
            var scan = Scan(startRow: a.bytes(2))
            scan.reversed = true
            scan.limit = 1
            scan.columns.addFamily(ColumnSelection.parse(column: a.bytes(3)).family)
            let found = try await s.connection.table(try a.table(1)).scanAll(scan, caching: 1)
            return HbaseStructs.cells(found.first?.cells ?? [])
        })
    }

    /// Adds Thrift1 columns to a selection: `family` selects the family, `family:q` one column.
    static func select(_ columns: [[UInt8]], into selection: inout ColumnSelection) {
        for c in columns { selection.add(column: c) }
    }

    /// `[0, ts)`, or nil when nothing can be older than `ts`.
    static func before(_ ts: Int64) -> TimeRange? {
        ts > 0 ? try? TimeRange(minimum: 0, maximum: ts) : nil
    }

    /// One column's cells, newest first.
    func cells(_ table: TableName, row: [UInt8], column: [UInt8], versions: Int32, before ts: Int64?) async throws -> ThriftValue {
        guard versions >= 1 else { throw ThriftError(.io, "numVersions must be positive, got \(versions)") }
        var get = Get(row: row)
        Self.select([column], into: &get.columns)
        get.maxVersions = Int(versions)
        if let ts {
            guard let range = Self.before(ts) else { return HbaseStructs.cells([]) }
            get.timeRange = range
        }
        return HbaseStructs.cells(try await connection.table(table).get(get).cells)
    }

    /// Whole rows (or the given columns of them), leaving out rows with no cells.
    func rows(_ table: TableName, _ rows: [[UInt8]], columns: [[UInt8]], before ts: Int64?) async throws -> ThriftValue {
        var range = TimeRange.all
        if let ts {
            guard let r = Self.before(ts) else { return HbaseStructs.rowResults([]) }
            range = r
        }
        guard !rows.isEmpty else { return HbaseStructs.rowResults([]) }
        let gets = rows.map { row in
            var get = Get(row: row)
            Self.select(columns, into: &get.columns)
            get.timeRange = range
            return get
        }
        let t = connection.table(table)
        let results = gets.count == 1 ? [try await t.get(gets[0])] : try await t.get(gets)
        return HbaseStructs.rowResults(results)
    }
}
