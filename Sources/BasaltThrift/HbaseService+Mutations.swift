import BasaltClient
import BasaltCore

/// Writes: `mutateRow[s][Ts]`, `deleteAll*`, `atomicIncrement`, `increment`, `incrementRows`, `append`,
/// `checkAndPut`. As in HBase's gateway, a Mutation with `isDelete` on `family` deletes the family and on
/// `family:q` every version of the column at or below the timestamp; `writeToWAL=false` skips the WAL.
extension HbaseService {
    static func mutationMethods(into m: inout [String: (Throws, Method)]) {
        m["mutateRow"] = ([.illegalArgument], { s, a, _ in
            try await s.mutateRow(a.table(1), row: a.bytes(2), a.structs(3), ts: Cell.latestTimestamp)
            return nil
        })
        m["mutateRowTs"] = ([.illegalArgument], { s, a, _ in
            try await s.mutateRow(a.table(1), row: a.bytes(2), a.structs(3), ts: a.i64(4))
            return nil
        })
        m["mutateRows"] = ([.illegalArgument], { s, a, _ in
            try await s.mutateRows(a.table(1), a.structs(2), ts: Cell.latestTimestamp)
            return nil
        })
        m["mutateRowsTs"] = ([.illegalArgument], { s, a, _ in
            try await s.mutateRows(a.table(1), a.structs(2), ts: a.i64(3))
            return nil
        })
        m["atomicIncrement"] = ([.illegalArgument], { s, a, _ in
            let (family, qualifier) = ColumnSelection.parse(column: a.bytes(3))
            return .i64(try await s.connection.table(try a.table(1))
                .incrementColumnValue(row: a.bytes(2), family: family, qualifier: qualifier ?? [], amount: a.i64(4)))
        })
        m["deleteAll"] = ([], { s, a, _ in
            try await s.deleteColumn(a.table(1), row: a.bytes(2), column: a.bytes(3), ts: Cell.latestTimestamp)
            return nil
        })
        m["deleteAllTs"] = ([], { s, a, _ in
            try await s.deleteColumn(a.table(1), row: a.bytes(2), column: a.bytes(3), ts: a.i64(4))
            return nil
        })
        m["deleteAllRow"] = ([], { s, a, _ in
            try await s.connection.table(try a.table(1)).delete(Self.rowDelete(a.bytes(2), ts: Cell.latestTimestamp))
            return nil
        })
        m["deleteAllRowTs"] = ([], { s, a, _ in
            try await s.connection.table(try a.table(1)).delete(Self.rowDelete(a.bytes(2), ts: a.i64(3)))
            return nil
        })
        m["increment"] = ([], { s, a, _ in
            try await s.increment(a.structure(1) ?? ThriftStruct())
            return nil
        })
        m["incrementRows"] = ([], { s, a, _ in
            for inc in a.structs(1) { try await s.increment(inc) }
            return nil
        })
        m["append"] = ([], { s, a, _ in try await s.append(a.structure(1) ?? ThriftStruct()) })
        m["checkAndPut"] = ([.illegalArgument], { s, a, _ in
            .bool(try await s.checkAndPut(a.table(1), row: a.bytes(2), column: a.bytes(3), value: a.optionalBytes(5), put: a.structure(6)))
        })
    }

    /// A whole-row delete of every cell at or below `ts`.
    static func rowDelete(_ row: [UInt8], ts: Int64) -> Delete { Delete(row: row, timestamp: ts) }

    /// One row's Mutation structs as a put and a delete (either may be empty). `strict` refuses a put
    /// without a qualifier (mutateRows); otherwise it is ignored, as HBase only warns (mutateRow).
    func split(row: [UInt8], _ mutations: [ThriftStruct], ts: Int64, strict: Bool) throws -> (Put, Delete) {
        var put = Put(row: row, timestamp: ts)
        var delete = Delete(row: row)
        for m in mutations {
            let (family, qualifier) = ColumnSelection.parse(column: m.binary(2) ?? [])
            let durability: Durability = (m.bool(4) ?? true) ? .syncWAL : .skipWAL
            if m.bool(1) ?? false {
                if let qualifier {
                    delete.addColumns(family: family, qualifier: qualifier, timestamp: ts)
                } else {
                    delete.addFamily(family: family, timestamp: ts)
                }
                delete.durability = durability
            } else {
                guard let qualifier else {
                    if strict { throw ThriftError.illegalArgument("Invalid famAndQf provided: a put needs family:qualifier, got '\(Bytes.toStringBinary(m.binary(2) ?? []))'") }
                    logger.warning("No column qualifier specified. Delete is the only mutation supported over the whole column family.")
                    continue
                }
                put.add(family: family, qualifier: qualifier, value: m.binary(3) ?? [])
                put.durability = durability
            }
        }
        return (put, delete)
    }

    /// One row: its deletes, then its puts (HBase's order for mutateRow).
    func mutateRow(_ table: TableName, row: [UInt8], _ mutations: [ThriftStruct], ts: Int64) async throws {
        let (put, delete) = try split(row: row, mutations, ts: ts, strict: false)
        let t = connection.table(table)
        if !delete.isEmpty { try await t.delete(delete) }
        if !put.isEmpty { try await t.put(put) }
    }

    /// Many rows: every put, then every delete (HBase's order for mutateRows), each group in one batch.
    func mutateRows(_ table: TableName, _ batches: [ThriftStruct], ts: Int64) async throws {
        var puts: [Put] = [], deletes: [Delete] = []
        puts.reserveCapacity(batches.count)
        for b in batches {
            let (put, delete) = try split(row: b.binary(1) ?? [], b.list(2)?.compactMap { if case .structure(let s) = $0 { s } else { nil } } ?? [],
                                          ts: ts, strict: true)
            if !put.isEmpty { puts.append(put) }
            if !delete.isEmpty { deletes.append(delete) }
        }
        let t = connection.table(table)
        if !puts.isEmpty { try await t.put(puts) }
        if !deletes.isEmpty { try await t.delete(deletes) }
    }

    func deleteColumn(_ table: TableName, row: [UInt8], column: [UInt8], ts: Int64) async throws {
        var delete = Delete(row: row)
        let (family, qualifier) = ColumnSelection.parse(column: column)
        if let qualifier {
            delete.addColumns(family: family, qualifier: qualifier, timestamp: ts)
        } else {
            delete.addFamily(family: family, timestamp: ts)
        }
        try await connection.table(table).delete(delete)
    }

    /// A `TIncrement` (table 1, row 2, column 3, amount 4).
    func increment(_ inc: ThriftStruct) async throws {
        guard let tableName = inc.binary(1), !tableName.isEmpty, let row = inc.binary(2), !row.isEmpty else {
            throw ThriftError(.io, "Must supply a table and a row key; can't increment")
        }
        let table = try Arguments(inc).table(1)
        let (family, qualifier) = ColumnSelection.parse(column: inc.binary(3) ?? [])
        var increment = Increment(row: row)
        increment.add(family: family, qualifier: qualifier ?? [], amount: inc.i64(4) ?? 0)
        _ = try await connection.table(table).increment(increment)
    }

    /// A `TAppend` (table 1, row 2, columns 3, values 4); answers the new cells.
    func append(_ s: ThriftStruct) async throws -> ThriftValue {
        let a = Arguments(s)
        guard let row = s.binary(2), !row.isEmpty, s.binary(1)?.isEmpty == false else {
            throw ThriftError(.io, "Must supply a table and a row key; can't append")
        }
        let columns = a.byteList(3), values = a.byteList(4)
        guard columns.count == values.count, !columns.isEmpty else {
            throw ThriftError(.io, "an append needs as many values as columns (got \(columns.count) columns, \(values.count) values)")
        }
        var append = Append(row: row)
        for (c, v) in zip(columns, values) {
            let (family, qualifier) = ColumnSelection.parse(column: c)
            append.add(family: family, qualifier: qualifier ?? [], value: v)
        }
        return HbaseStructs.cells(try await connection.table(try a.table(1)).append(append).cells)
    }

    /// Puts `put` if the column holds `value` (or, with no value, if the column has no cell).
    func checkAndPut(_ table: TableName, row: [UInt8], column: [UInt8], value: [UInt8]?, put m: ThriftStruct?) async throws -> Bool {
        guard let m, let target = m.binary(2) else { throw ThriftError.illegalArgument("checkAndPut needs a Mutation to apply") }
        let (family, qualifier) = ColumnSelection.parse(column: target)
        guard let qualifier else { throw ThriftError.illegalArgument("Invalid famAndQf provided: '\(Bytes.toStringBinary(target))'") }
        var put = Put(row: row)
        put.add(family: family, qualifier: qualifier, value: m.binary(3) ?? [])
        put.durability = (m.bool(4) ?? true) ? .syncWAL : .skipWAL
        let check = ColumnSelection.parse(column: column)
        let cam = CheckAndMutate(row: row, family: check.family, qualifier: check.qualifier ?? [], expected: value, mutations: [.put(put)])
        return try await connection.table(table).checkAndMutate(cam)
    }
}
