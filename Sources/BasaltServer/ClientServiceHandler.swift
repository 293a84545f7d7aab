import BasaltCore
import BasaltProtocol
import BasaltStorage

/// `BasaltClientService` on a region server: gets, mutations, multi and scans against the regions it
/// hosts. Each call's engine work runs on the server's handler threads. Stateless.
enum ClientServiceHandler {
    static func service(_ server: RegionServer) -> ServiceTable {
        var table = ServiceTable(.basaltClient)
        table.add(BasaltClientServiceMethod.get, on: server, grouped: true, timed: { _ in .get }) { (request: Basalt_GetRequest, engine) in
            let region = try RegionServer.region(request.region, in: engine)
            // The Result encoded straight from the row (a GetResponse on the wire).
            var response = Basalt_EncodedGetResponse()
            response.result = ResultEncoder.encode(try row(request.get, on: region), existenceOnly: request.get.existenceOnly)
            return response
        }
        table.add(BasaltClientServiceMethod.mutate, on: server, timed: Self.kind) { (request: Basalt_MutateRequest, engine) in
            let region = try RegionServer.region(request.region, in: engine)
            let (result, processed) = try mutate(request.mutation, condition: request.hasCondition ? request.condition : nil, on: region)
            var response = Basalt_MutateResponse()
            if let result { response.result = result }
            response.processed = processed
            return response
        }
        table.add(BasaltClientServiceMethod.multi, on: server, timed: { _ in .multi }) { (request: Basalt_MultiRequest, engine) in
            // Each action's outcome encoded once (a MultiResponse on the wire).
            var response = Basalt_EncodedMultiResponse()
            response.regionActionResults = try request.regionActions.map { try Basalt_EncodedRegionActionResult(run($0, on: engine)) }
            return response
        }
        let scanners = server.scanners
        table.add(BasaltClientServiceMethod.scan, on: server, grouped: true, timed: { _ in .scanNext }) { (request: Basalt_ScanRequest, engine) in
            try scan(request, scanners: scanners, engine: engine)
        }
        return table
    }

    /// What kind of request a mutate call is, for the metrics.
    @Sendable static func kind(_ r: Basalt_MutateRequest) -> RequestKind {
        if r.hasCondition { return .checkAndMutate }
        switch r.mutation.mutateType {
        case .put, .UNRECOGNIZED: return .put
        case .delete: return .delete
        case .increment: return .increment
        case .append: return .append
        }
    }

    // MARK: - The work, on a handler thread

    static func get(_ proto: Basalt_Get, on region: Region) throws -> Basalt_Result {
        let found = try row(proto, on: region)
        guard proto.existenceOnly else { return Basalt_Result(found) }
        var result = Basalt_Result()
        result.exists = !found.cells.isEmpty
        return result
    }

    /// The row a get reads (the closest row at or before it for `closest_row_before`).
    static func row(_ proto: Basalt_Get, on region: Region) throws -> RowResult {
        let get = try proto.toGet()
        if proto.closestRowBefore {
            var scan = Scan(startRow: get.row)
            scan.reversed = true
            scan.limit = 1
            scan.columns = get.columns
            scan.maxVersions = get.maxVersions
            scan.timeRange = get.timeRange
            scan.filter = get.filter
            return try region.scanner(scan).next() ?? RowResult(row: [], cells: [])
        }
        return try region.get(get)
    }

    /// One mutation, conditional when `condition` is set. Returns the result to send (increment and
    /// append values) and whether it was applied.
    static func mutate(_ m: Basalt_MutationProto, condition: Basalt_Condition?, on region: Region) throws -> (Basalt_Result?, Bool) {
        if let condition {
            return (nil, try region.checkAndMutate(try checkAndMutate(condition, [m])))
        }
        switch m.mutateType {
        case .put, .delete:
            switch try m.toMutation() {
            case .put(let p): try region.put(p)
            case .delete(let d): try region.delete(d)
            }
            return (nil, true)
        case .increment:
            let r = try region.increment(try m.toIncrement())
            return (m.returnResults ? Basalt_Result(r) : nil, true)
        case .append:
            let r = try region.append(try m.toAppend())
            return (m.returnResults ? Basalt_Result(r) : nil, true)
        case .UNRECOGNIZED(let n):
            throw ServerError(.invalidArgument, "unknown mutation type \(n)")
        }
    }

    static func checkAndMutate(_ c: Basalt_Condition, _ mutations: [Basalt_MutationProto]) throws -> CheckAndMutate {
        if c.hasFilter { throw ServerError(.invalidArgument, "checkAndMutate with a filter condition is not supported; use a column condition") }
        let op: CompareOperator
        if c.valueIsAbsent {
            op = .equal
        } else {
            guard let parsed = CompareOperator(rawValue: c.compareOp.uppercased()) else {
                throw ServerError(.invalidArgument, "unknown compare operator '\(c.compareOp)'")
            }
            op = parsed
        }
        return CheckAndMutate(
            row: Array(c.row), family: Array(c.family), qualifier: Array(c.qualifier), compareOperator: op,
            expected: c.valueIsAbsent ? nil : Array(c.value), mutations: try mutations.map { try $0.toMutation() })
    }

    /// One region's share of a multi. Plain puts and deletes go in as one batch (one WAL append); if
    /// the batch fails for a reason of its own, each is retried alone so only the bad ones fail.
    static func run(_ action: Basalt_RegionAction, on engine: StorageEngine) -> Basalt_RegionActionResult {
        var out = Basalt_RegionActionResult()
        let region: Region
        do {
            region = try RegionServer.region(action.region, in: engine)
        } catch {
            out.exception = ServerError(error).proto
            return out
        }
        if action.atomic {
            do {
                let mutations = action.actions.map(\.mutation)
                if action.hasCondition {
                    out.processed = try region.checkAndMutate(try checkAndMutate(action.condition, mutations))
                } else {
                    try region.mutateRows(try mutations.map { try $0.toMutation() })
                    out.processed = true
                }
                out.results = action.actions.map { a in
                    var r = Basalt_ResultOrException()
                    r.index = a.index
                    return r
                }
            } catch {
                out.exception = ServerError(error).proto
            }
            return out
        }
        var results: [Basalt_ResultOrException] = []
        results.reserveCapacity(action.actions.count)
        var batch: [(index: Int, mutation: Mutation)] = []
        for a in action.actions {
            var r = Basalt_ResultOrException()
            r.index = a.index
            do {
                if a.hasGet {
                    r.result = try get(a.get, on: region)
                } else if a.mutation.mutateType == .put || a.mutation.mutateType == .delete {
                    batch.append((results.count, try a.mutation.toMutation()))
                } else {
                    if let result = try mutate(a.mutation, condition: nil, on: region).0 { r.result = result }
                }
            } catch {
                r.exception = ServerError(error).proto
            }
            results.append(r)
        }
        if !batch.isEmpty {
            do {
                try region.mutateRows(batch.map(\.mutation))
            } catch {
                let e = ServerError(error)
                for (i, m) in batch {
                    if e.isRetryable {
                        results[i].exception = e.proto
                        continue
                    }
                    do { try region.mutateRows([m]) } catch { results[i].exception = ServerError(error).proto }
                }
            }
        }
        out.results = results
        return out
    }
}
