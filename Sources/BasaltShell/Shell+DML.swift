import BasaltClient
import BasaltCore
import Foundation

/// The dml group: put, get, scan, delete, deleteall, count, incr, get_counter, append, get_splits,
/// truncate.
extension Shell {
    /// Keys of the optional last hash of put, delete, incr and append that change nothing here.
    static let mutationIgnored: Set<String> = ["ATTRIBUTES", "VISIBILITY", "AUTHORIZATIONS"]

    /// Splits off a trailing options hash, checking its keys.
    func trailingOptions(_ a: inout [ShellValue], allowed: Set<String>) throws(ShellError) -> ShellHash? {
        guard case .hash(let h)? = a.last else { return nil }
        a.removeLast()
        for key in h.keys where !allowed.contains(key) && !Self.mutationIgnored.contains(key) {
            throw ShellError.arguments("unknown option \(key)")
        }
        return h
    }

    func put(_ a: [ShellValue]) async throws -> ShellValue? {
        var a = a
        let options = try trailingOptions(&a, allowed: ["DURABILITY"])
        try expect(a, 4...5)
        let t = try a[0].tableName()
        let column = try ColumnSpec(try a[2].asBytes("column"))
        var p = Put(row: try a[1].asBytes("row"), timestamp: a.count > 4 ? try a[4].asInt("timestamp") : Cell.latestTimestamp)
        if let d = options?["DURABILITY"] { p.durability = try durability(d) }
        p.add(family: column.family, qualifier: column.qualifier ?? [], value: try a[3].asBytes("value"))
        try await connection.table(t).put(p)
        return nil
    }

    func durability(_ v: ShellValue) throws(ShellError) -> Durability {
        do {
            return try Durability(parsing: v.stringValue ?? "\(v)")
        } catch {
            throw .arguments(ShellError.reason(error))
        }
    }

    func get(_ a: [ShellValue]) async throws -> ShellValue? {
        guard a.count >= 2 else { throw ShellError.wrongCount(given: a.count, expected: "2+") }
        let t = try a[0].tableName()
        var get = Get(row: try a[1].asBytes("row"))
        var options = QueryOptions()
        for arg in a.dropFirst(2) {
            if let h = arg.asHash {
                for (k, v) in h.pairs {
                    let key = k.stringValue ?? "\(k)"
                    guard try options.read(key, v) else { throw ShellError.arguments("unknown option \(key) for get") }
                }
            } else {
                for c in arg.asList { try options.addColumn(try c.asBytes("a column")) }
            }
        }
        get.columns = options.columns
        get.maxVersions = options.maxVersions
        get.timeRange = options.timeRange
        get.filter = options.filter
        let result = try await connection.table(t).get(get)
        write(formatter.header("COLUMN", "CELL"))
        for cell in result.cells {
            let text = t == .meta ? MetaCells.text(cell, formatter: formatter) : formatter.cellText(cell, value: options.show(cell))
            write(formatter.row(ShellFormatter.column(cell), options.cut(text)))
        }
        write(formatter.footer(result.cells.isEmpty ? 0 : 1))
        return nil
    }

    func scan(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...2)
        let t = try a[0].tableName()
        var scan = Scan()
        var options = QueryOptions()
        var caching: Int?
        var prefix: [UInt8]?
        if a.count > 1 {
            guard let h = a[1].asHash else { throw ShellError.arguments("scan options must be a hash such as {COLUMNS => ['f:q'], LIMIT => 10}, not \(a[1])") }
            for (k, v) in h.pairs {
                let key = k.stringValue ?? "\(k)"
                switch key {
                case "STARTROW", "STARTKEY": scan.startRow = try v.asBytes(key)
                case "STOPROW", "ENDROW", "ENDKEY": scan.stopRow = try v.asBytes(key)
                case "ROWPREFIXFILTER": prefix = try v.asBytes(key)
                case "LIMIT":
                    scan.limit = Int(try v.asInt(key))
                    guard scan.limit >= 0 else { throw ShellError.arguments("LIMIT must not be negative") }
                case "REVERSED": scan.reversed = try v.asBool(key)
                case "RAW": scan.raw = try v.asBool(key)
                case "CACHE":
                    caching = Int(try v.asInt(key))
                    guard (caching ?? 1) > 0 else { throw ShellError.arguments("CACHE must be positive") }
                case "BATCH": throw ShellError.arguments("BATCH (partial rows) is not supported by Basalt; leave it out")
                default:
                    guard try options.read(key, v) else { throw ShellError.arguments("unknown option \(key) for scan") }
                }
            }
        }
        if scan.raw && !options.columns.isAll { throw ShellError.arguments("RAW cannot be combined with COLUMNS") }
        if let prefix {
            let p = Scan.prefix(prefix)
            if scan.reversed {
                // Reversed: from the first row past the prefix (which the filter drops) down to just
                // below the prefix.
                scan.startRow = p.stopRow
                scan.stopRow = prefix.isEmpty ? [] : Self.rowBefore(prefix)
                scan.filter = .prefix(prefix)
            } else {
                scan.startRow = p.startRow
                scan.stopRow = p.stopRow
            }
        }
        scan.columns = options.columns
        scan.maxVersions = options.maxVersions
        scan.timeRange = options.timeRange
        if let f = options.filter {
            scan.filter = scan.filter.map { .and([$0, f]) } ?? f
        }
        write(formatter.header("ROW", "COLUMN+CELL"))
        let scanner = connection.table(t).scanner(scan, caching: caching)
        var rows = 0
        do {
            while let row = try await scanner.next() {
                rows += 1
                let key = Bytes.toStringBinary(row.row)
                for cell in row.cells {
                    let text = t == .meta ? MetaCells.text(cell, formatter: formatter) : formatter.cellText(cell, value: options.show(cell))
                    write(formatter.row(key, "column=\(ShellFormatter.column(cell)), " + options.cut(text)))
                }
            }
        } catch {
            await scanner.close()
            throw error
        }
        write(formatter.footer(rows))
        return nil
    }

    /// A row that sorts before `row` with few rows between (an exclusive lower bound for reversed prefix
    /// scans; the prefix filter drops any row in between).
    static func rowBefore(_ row: [UInt8]) -> [UInt8] {
        guard let last = row.last else { return [] }
        if last == 0 { return Array(row.dropLast()) }
        return Array(row.dropLast()) + [last - 1] + [UInt8](repeating: 0xFF, count: 16)
    }

    func delete(_ a: [ShellValue], all: Bool) async throws -> ShellValue? {
        if all, a.count >= 2, let h = a[1].asHash, h["ROWPREFIXFILTER"] != nil { return try await deletePrefix(a, h) }
        var a = a
        _ = try trailingOptions(&a, allowed: [])
        try expect(a, all ? 2...4 : 3...4)
        let t = try a[0].tableName()
        try await connection.table(t).delete(try deleteMutation(row: try a[1].asBytes("row"), a.dropFirst(2), all: all))
        return nil
    }

    /// The delete of `row` for the column and timestamp arguments that follow it: one version of the
    /// column (delete), or every version up to the timestamp of the column, family or row (deleteall).
    private func deleteMutation(row: [UInt8], _ rest: ArraySlice<ShellValue>, all: Bool) throws -> Delete {
        let ts = rest.count > 1 ? try rest[rest.startIndex + 1].asInt("timestamp") : Cell.latestTimestamp
        var d = Delete(row: row, timestamp: all ? ts : Cell.latestTimestamp)
        let columnBytes = try rest.first?.asBytes("column") ?? []
        guard !columnBytes.isEmpty else {
            if !all { throw ShellError.arguments("delete needs a column; use deleteall to delete a whole row") }
            return d
        }
        let column = try ColumnSpec(columnBytes)
        let stamp: Int64? = ts == Cell.latestTimestamp ? nil : ts
        if !all {
            d.addColumn(family: column.family, qualifier: column.qualifier ?? [], timestamp: stamp)
        } else if let q = column.qualifier {
            d.addColumns(family: column.family, qualifier: q, timestamp: stamp)
        } else {
            d.addFamily(family: column.family, timestamp: stamp)
        }
        return d
    }

    /// `deleteall 't', {ROWPREFIXFILTER => 'p', CACHE => 100} [, column] [, ts]`.
    private func deletePrefix(_ a: [ShellValue], _ h: ShellHash) async throws -> ShellValue? {
        try expect(a, 2...4)
        let t = try a[0].tableName()
        guard let prefix = try h["ROWPREFIXFILTER"]?.asBytes("ROWPREFIXFILTER") else {
            throw ShellError.arguments("deleteall with a hash needs ROWPREFIXFILTER")
        }
        let batch = Int(try h["CACHE"]?.asInt("CACHE") ?? 100)
        guard batch > 0 else { throw ShellError.arguments("CACHE must be positive") }
        var scan = Scan.prefix(prefix)
        scan.filter = try Filter(parsing: "KeyOnlyFilter()")
        let table = connection.table(t)
        var pending: [Delete] = []
        for try await row in table.scanner(scan, caching: batch) {
            pending.append(try deleteMutation(row: row.row, a.dropFirst(2), all: true))
            if pending.count >= batch {
                try await table.delete(pending)
                pending.removeAll()
            }
        }
        if !pending.isEmpty { try await table.delete(pending) }
        return nil
    }

    func count(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...2)
        let t = try a[0].tableName()
        var interval = 1000
        var caching = 10
        var scan = Scan()
        var filter = try Filter(parsing: "FirstKeyOnlyFilter()")
        if a.count > 1 {
            if case .integer(let i) = a[1] {
                interval = Int(i)
            } else if let h = a[1].asHash {
                for (k, v) in h.pairs {
                    let key = k.stringValue ?? "\(k)"
                    switch key {
                    case "INTERVAL": interval = Int(try v.asInt(key))
                    case "CACHE": caching = Int(try v.asInt(key))
                    case "STARTROW": scan.startRow = try v.asBytes(key)
                    case "STOPROW": scan.stopRow = try v.asBytes(key)
                    case "CACHE_BLOCKS": _ = try v.asBool(key)
                    case "FILTER":
                        guard let text = v.stringValue else { throw ShellError.arguments("FILTER takes a filter-language string") }
                        filter = .and([filter, try Filter(parsing: text)])
                    case "COLUMNS":
                        for c in v.asList { try ColumnSpec(try c.asBytes("a column")).add(to: &scan.columns) }
                    default: throw ShellError.arguments("unknown option \(key) for count")
                    }
                }
            } else {
                throw ShellError.arguments("count takes an interval or a hash such as {INTERVAL => 1000, CACHE => 100}, not \(a[1])")
            }
        }
        guard interval > 0 else { throw ShellError.arguments("INTERVAL must be positive") }
        guard caching > 0 else { throw ShellError.arguments("CACHE must be positive") }
        scan.filter = filter
        var n = 0
        for try await row in connection.table(t).scanner(scan, caching: caching) {
            n += 1
            if n % interval == 0 { write("Current count: \(n), row: \(Bytes.toStringBinary(row.row))\n") }
        }
        write(formatter.footer(n))
        return .integer(Int64(n))
    }

    func incr(_ a: [ShellValue]) async throws -> ShellValue? {
        var a = a
        _ = try trailingOptions(&a, allowed: [])
        try expect(a, 3...4)
        let t = try a[0].tableName()
        let column = try ColumnSpec(try a[2].asBytes("column"))
        let amount = a.count > 3 ? try a[3].asInt("increment") : 1
        let value = try await connection.table(t).incrementColumnValue(
            row: try a[1].asBytes("row"), family: column.family, qualifier: column.qualifier ?? [], amount: amount)
        write("COUNTER VALUE = \(value)\n")
        return nil
    }

    func getCounter(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 3...3)
        let t = try a[0].tableName()
        let column = try ColumnSpec(try a[2].asBytes("column"))
        var get = Get(row: try a[1].asBytes("row"))
        get.columns.addColumn(family: column.family, qualifier: column.qualifier ?? [])
        let result = try await connection.table(t).get(get)
        guard let cell = result.cells.first else {
            write("No counter found at specified coordinates\n")
            return nil
        }
        guard let value = Bytes.toInt64(cell.value), cell.value.count == 8 else {
            throw ShellError(.cluster, "the cell holds \(cell.value.count) bytes, not an 8-byte counter: '\(Bytes.toStringBinary(cell.value))'")
        }
        write("COUNTER VALUE = \(value)\n")
        return nil
    }

    func append(_ a: [ShellValue]) async throws -> ShellValue? {
        var a = a
        _ = try trailingOptions(&a, allowed: [])
        try expect(a, 4...4)
        let t = try a[0].tableName()
        let column = try ColumnSpec(try a[2].asBytes("column"))
        var append = Append(row: try a[1].asBytes("row"))
        append.add(family: column.family, qualifier: column.qualifier ?? [], value: try a[3].asBytes("value"))
        let result = try await connection.table(t).append(append)
        let value = result.value(family: column.family, qualifier: column.qualifier ?? []) ?? []
        write("CURRENT VALUE = \(Bytes.toStringBinary(value))\n")
        return nil
    }

    func getSplits(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let starts = try await connection.regionLocator(t).startKeys()
        let splits = Array(starts.dropFirst())
        write("Total number of splits = \(starts.count)\n")
        if splits.isEmpty { write("\n") }
        for s in splits { write(Bytes.toStringBinary(s) + "\n") }
        return .array(splits.map { .string($0) })
    }

    func truncate(_ a: [ShellValue], preserve: Bool) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let admin = connection.admin()
        write("Truncating '\(t.nameAsString)' table (it may take a while):\n")
        if try await admin.isTableEnabled(t) {
            write("Disabling table...\n")
            try await admin.disableTable(t)
        }
        write("Truncating table...\n")
        try await admin.truncateTable(t, preserveSplits: preserve)
        return nil
    }
}
