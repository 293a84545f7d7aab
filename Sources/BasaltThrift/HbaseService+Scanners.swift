import BasaltClient
import BasaltCore

/// Scanners: `scannerOpenWithScan` (TScan), `scannerOpen`, `scannerOpenWithStop`, `scannerOpenWithPrefix`,
/// `scannerOpenTs`, `scannerOpenWithStopTs`, `scannerGet`, `scannerGetList`, `scannerClose`.
extension HbaseService {
    static func scannerMethods(into m: inout [String: (Throws, Method)]) {
        m["scannerOpenWithScan"] = ([], { s, a, owner in
            try await s.open(a.table(1), a.structure(2) ?? ThriftStruct(), owner: owner)
        })
        m["scannerOpen"] = ([], { s, a, owner in
            try await s.open(a.table(1), Scan(startRow: a.bytes(2)), columns: a.byteList(3), before: nil, owner: owner)
        })
        m["scannerOpenWithStop"] = ([], { s, a, owner in
            try await s.open(a.table(1), Scan(startRow: a.bytes(2), stopRow: a.bytes(3)), columns: a.byteList(4), before: nil, owner: owner)
        })
        m["scannerOpenWithPrefix"] = ([], { s, a, owner in
            try await s.open(a.table(1), Scan.prefix(a.bytes(2)), columns: a.byteList(3), before: nil, owner: owner)
        })
        m["scannerOpenTs"] = ([], { s, a, owner in
            try await s.open(a.table(1), Scan(startRow: a.bytes(2)), columns: a.byteList(3), before: a.i64(4), owner: owner)
        })
        m["scannerOpenWithStopTs"] = ([], { s, a, owner in
            try await s.open(a.table(1), Scan(startRow: a.bytes(2), stopRow: a.bytes(3)), columns: a.byteList(4), before: a.i64(5), owner: owner)
        })
        m["scannerGet"] = ([.illegalArgument], { s, a, _ in try await s.scanners.next(a.i32(1), limit: 1) })
        m["scannerGetList"] = ([.illegalArgument], { s, a, _ in
            try await s.scanners.next(a.i32(1), limit: Int(max(0, try a.i32(2))))
        })
        m["scannerClose"] = ([.illegalArgument], { s, a, _ in
            try await s.scanners.close(a.i32(1))
            return nil
        })
    }

    private func open(_ table: TableName, _ scan: Scan, columns: [[UInt8]], before ts: Int64?, owner: Int,
                      caching: Int? = nil, sorted: Bool = false, batch: Int = 0) async throws -> ThriftValue {
        // HBase fails the open, not the first fetch, for a table that does not exist.
        guard try await admin.tableExists(table) else { throw ClientError.tableNotFound(table) }
        var scan = scan
        Self.select(columns, into: &scan.columns)
        var scanner: ResultScanner?
        if let ts {
            if let range = Self.before(ts) {
                scan.timeRange = range
                scanner = connection.table(table).scanner(scan, caching: caching)
            }
        } else {
            scanner = connection.table(table).scanner(scan, caching: caching)
        }
        return .i32(scanners.open(scanner, owner: owner, sorted: sorted, batch: batch))
    }

    /// A `TScan`: start 1, stop 2, timestamp 3, columns 4, caching 5, filterString 6, batchSize 7,
    /// sortColumns 8, reversed 9, cacheBlocks 10.
    private func open(_ table: TableName, _ t: ThriftStruct, owner: Int) async throws -> ThriftValue {
        var scan = Scan(startRow: t.binary(1) ?? [], stopRow: t.binary(2) ?? [])
        scan.reversed = t.bool(9) ?? false
        scan.cacheBlocks = t.bool(10) ?? true
        if let text = t.binary(6), !text.isEmpty {
            do { scan.filter = try Filter(parsing: String(decoding: text, as: UTF8.self)) } catch {
                throw ThriftError(.io, "bad filter string '\(Bytes.toStringBinary(text))': \(ThriftError.wrapping(error).message)")
            }
        }
        let batch = Int(t.i32(7) ?? 0)
        if batch > 0, let f = scan.filter, Self.hasFilterRow(f) {
            throw ThriftError(.io, "Cannot set batch on a scan using a filter that returns true for filter.hasFilterRow")
        }
        let caching = t.i32(5).map { Int(max(0, $0)) }
        let columns = (t.list(4) ?? []).compactMap { if case .binary(let b) = $0 { b } else { nil } }
        return try await open(table, scan, columns: columns, before: t.i64(3), owner: owner,
                        caching: caching, sorted: t.bool(8) ?? false, batch: max(0, batch))
    }

    /// Whether a filter decides on whole rows (HBase's `hasFilterRow`), which rules out a batch size.
    static func hasFilterRow(_ f: Filter) -> Bool {
        switch f {
        case .singleColumnValue, .page, .skip, .while: true
        case .and(let fs), .or(let fs): fs.contains(where: hasFilterRow)
        default: false
        }
    }
}
