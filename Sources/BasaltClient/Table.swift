import BasaltCore
import BasaltProtocol
import Foundation

/// Reads and writes one table (HBase's `Table`). Each call finds the row's region through the
/// connection's location cache, sends one RPC to the server holding it, and relocates and retries when
/// the location was stale. A value type; cheap to make, safe to share.
public struct Table: Sendable {
    public let name: TableName
    let connection: Connection

    // MARK: - Reads

    /// The row's cells as `get` selects them (empty when there are none).
    public func get(_ get: Get) async throws -> RowResult {
        try await fetch(get, existenceOnly: false).toRowResult(row: get.row)
    }

    /// Whether the row has any cell `get` selects; the cells stay on the server.
    public func exists(_ get: Get) async throws -> Bool {
        try await fetch(get, existenceOnly: true).exists
    }

    private func fetch(_ get: Get, existenceOnly: Bool) async throws -> Basalt_Result {
        try Connection.validate(row: get.row)
        var request = Basalt_GetRequest()
        request.get = Basalt_Get(get)
        request.get.existenceOnly = existenceOnly
        return try await connection.withRegion(name, row: get.row) { location in
            var r = request
            r.region.regionName = Data(location.region.regionName)
            return try await connection.servers.data(location.server).get(r).result
        }
    }

    /// Several gets, grouped into one multi per region server; results in the order of `gets`.
    public func get(_ gets: [Get]) async throws -> [RowResult] {
        let outcomes = try await batch(gets.map { .get($0) })
        return try outcomes.enumerated().map { i, o in
            switch o {
            case .success(let r): return r
            case .failure(let e): throw ClientError(e.errorCode, message: "get of row '\(Bytes.toStringBinary(gets[i].row))': \(e.message)", retryable: false, exceptionName: e.exceptionName)
            }
        }
    }

    /// A scanner over the rows `scan` selects, across regions; `caching` rows per call (default
    /// `hbase.client.scanner.caching`; 0 lets the 2 MB size limit decide).
    public func scanner(_ scan: Scan, caching: Int? = nil) -> ResultScanner {
        ResultScanner(table: name, connection: connection, scan: scan, caching: max(0, caching ?? connection.scannerCaching))
    }

    /// Every row `scan` selects.
    public func scanAll(_ scan: Scan, caching: Int? = nil) async throws -> [RowResult] {
        try await scanner(scan, caching: caching).all()
    }

    // MARK: - Writes

    public func put(_ put: Put) async throws {
        try connection.validate(put)
        try await mutate(Basalt_MutationProto(.put(put)), row: put.row)
    }

    /// Several puts, grouped into one multi per region server. Throws the first failure after every put
    /// was tried (the others are stored).
    public func put(_ puts: [Put]) async throws {
        for p in puts { try connection.validate(p) }
        try Self.throwFirstFailure(try await batch(puts.map { .put($0) }), rows: puts.map(\.row))
    }

    public func delete(_ delete: Delete) async throws {
        try Connection.validate(row: delete.row)
        try await mutate(Basalt_MutationProto(.delete(delete)), row: delete.row)
    }

    public func delete(_ deletes: [Delete]) async throws {
        for d in deletes { try Connection.validate(row: d.row) }
        try Self.throwFirstFailure(try await batch(deletes.map { .delete($0) }), rows: deletes.map(\.row))
    }

    /// Adds to 8-byte counters atomically; returns their new values.
    @discardableResult
    public func increment(_ increment: Increment) async throws -> RowResult {
        try Connection.validate(row: increment.row)
        guard !increment.columns.isEmpty else { throw ClientError.invalidArgument("an increment needs at least one column") }
        return try await mutate(Basalt_MutationProto(increment), row: increment.row).result.toRowResult(row: increment.row)
    }

    /// Adds `amount` to one counter and returns the new value.
    @discardableResult
    public func incrementColumnValue(row: [UInt8], family: [UInt8], qualifier: [UInt8], amount: Int64) async throws -> Int64 {
        var inc = Increment(row: row)
        inc.add(family: family, qualifier: qualifier, amount: amount)
        let result = try await increment(inc)
        guard let bytes = result.value(family: family, qualifier: qualifier), let value = Bytes.toInt64(bytes) else {
            throw ClientError(.io, message: "the server returned no counter value", retryable: false, exceptionName: "IOException")
        }
        return value
    }

    /// Appends bytes to cells atomically; returns their new values.
    @discardableResult
    public func append(_ append: Append) async throws -> RowResult {
        try connection.validate(append)
        return try await mutate(Basalt_MutationProto(append), row: append.row).result.toRowResult(row: append.row)
    }

    /// Applies the mutations if the condition holds, atomically under the row lock; returns whether it did.
    public func checkAndMutate(_ cam: CheckAndMutate) async throws -> Bool {
        try Connection.validate(row: cam.row)
        for m in cam.mutations { try connection.validate(m) }
        guard !cam.mutations.isEmpty else { throw ClientError.invalidArgument("checkAndMutate needs at least one mutation") }
        for m in cam.mutations where m.row != cam.row {
            throw ClientError.invalidArgument("checkAndMutate mutations must be on the checked row '\(Bytes.toStringBinary(cam.row))'")
        }
        var condition = Basalt_Condition()
        condition.row = Data(cam.row)
        condition.family = Data(cam.family)
        condition.qualifier = Data(cam.qualifier)
        condition.compareOp = cam.compareOperator.rawValue
        if let expected = cam.expected { condition.value = Data(expected) } else { condition.valueIsAbsent = true }
        if cam.mutations.count == 1 {
            var request = Basalt_MutateRequest()
            request.mutation = Basalt_MutationProto(cam.mutations[0])
            request.condition = condition
            return try await connection.withRegion(name, row: cam.row) { location in
                var r = request
                r.region.regionName = Data(location.region.regionName)
                return try await connection.servers.data(location.server).mutate(r).processed
            }
        }
        return try await atomic(cam.mutations, row: cam.row, condition: condition)
    }

    /// Applies puts and deletes of one row atomically: all or none.
    public func mutateRow(_ mutations: [Mutation]) async throws {
        guard let row = mutations.first?.row else { throw ClientError.invalidArgument("mutateRow needs at least one mutation") }
        for m in mutations { try connection.validate(m) }
        for m in mutations where m.row != row {
            throw ClientError.invalidArgument("mutateRow mutations must all be on row '\(Bytes.toStringBinary(row))'")
        }
        _ = try await atomic(mutations, row: row, condition: nil)
    }

    private func atomic(_ mutations: [Mutation], row: [UInt8], condition: Basalt_Condition?) async throws -> Bool {
        return try await connection.withRegion(name, row: row) { location in
            var a = Basalt_RegionAction(region: location.region.regionName, mutations: mutations, atomic: true)
            if let condition { a.condition = condition }
            var request = Basalt_MultiRequest()
            request.regionActions = [a]
            let response = try await connection.servers.data(location.server).multi(request)
            guard let result = response.regionActionResults.first else {
                throw ClientError(.io, message: "the server answered an atomic mutation with nothing", retryable: true, exceptionName: "IOException")
            }
            if result.hasException { throw ClientError(proto: result.exception) }
            return result.processed
        }
    }

    @discardableResult
    private func mutate(_ mutation: Basalt_MutationProto, row: [UInt8]) async throws -> Basalt_MutateResponse {
        var request = Basalt_MutateRequest()
        request.mutation = mutation
        return try await connection.withRegion(name, row: row) { location in
            var r = request
            r.region.regionName = Data(location.region.regionName)
            return try await connection.servers.data(location.server).mutate(r)
        }
    }

    static func throwFirstFailure(_ outcomes: [Result<RowResult, ClientError>], rows: [[UInt8]]) throws {
        let failed = outcomes.enumerated().compactMap { i, o -> (Int, ClientError)? in
            if case .failure(let e) = o { return (i, e) }
            return nil
        }
        guard let (i, first) = failed.first else { return }
        throw ClientError(
            first.errorCode, message: "\(failed.count) of \(rows.count) actions failed; first, row '\(Bytes.toStringBinary(rows[i]))': \(first.message)",
            retryable: false, exceptionName: first.exceptionName)
    }
}
