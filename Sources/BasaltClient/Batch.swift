import BasaltCore
import BasaltProtocol
import Foundation

/// One action of a batch (HBase's `Row`s passed to `Table.batch`).
public enum BatchAction: Sendable {
    case get(Get)
    case put(Put)
    case delete(Delete)
    case increment(Increment)
    case append(Append)

    public var row: [UInt8] {
        switch self {
        case .get(let g): g.row
        case .put(let p): p.row
        case .delete(let d): d.row
        case .increment(let i): i.row
        case .append(let a): a.row
        }
    }

    func proto(index: Int) -> Basalt_Action {
        var a = Basalt_Action()
        a.index = UInt32(index)
        switch self {
        case .get(let g): a.get = Basalt_Get(g)
        case .put(let p): a.mutation = Basalt_MutationProto(.put(p))
        case .delete(let d): a.mutation = Basalt_MutationProto(.delete(d))
        case .increment(let i): a.mutation = Basalt_MutationProto(i)
        case .append(let x): a.mutation = Basalt_MutationProto(x)
        }
        return a
    }
}

extension Table {
    /// Runs the actions grouped by region server: one multi per server, servers in parallel, retrying what
    /// a retry can cure. Each action gets its outcome, in order; gets, increments and appends carry rows.
    public func batch(_ actions: [BatchAction]) async throws -> [Result<RowResult, ClientError>] {
        for a in actions { try Table.validate(row: a.row) }
        let protos = actions.enumerated().map { i, a in a.proto(index: i) }
        let results = await connection.runBatch(name, protos, rows: actions.map(\.row))
        return results.enumerated().map { i, r in
            r.flatMap { proto in
                do { return .success(try proto.toRowResult(row: actions[i].row)) } catch { return .failure(ClientError(error)) }
            }
        }
    }
}

extension Connection {
    private struct RegionGroup {
        var location: RegionLocation
        var indexes: [Int] = []
    }

    /// Sends `actions` (whose `index` is their position) to the regions holding `rows`: locates each,
    /// groups them by server and region, sends one multi per server concurrently, then retries the
    /// retryable failures (relocating first) until they succeed or the retries run out.
    func runBatch(_ table: TableName, _ actions: [Basalt_Action], rows: [[UInt8]]) async -> [Result<Basalt_Result, ClientError>] {
        var outcomes = [Result<Basalt_Result, ClientError>?](repeating: nil, count: actions.count)
        var lastError = [ClientError?](repeating: nil, count: actions.count)
        var pending = Array(actions.indices)
        var attempt = 0
        while !pending.isEmpty {
            var again: [Int] = []
            func fail(_ i: Int, _ e: ClientError) {
                if e.isRetryable {
                    again.append(i)
                    lastError[i] = e
                } else {
                    outcomes[i] = .failure(e)
                }
            }
            var byRegion: [ServerName: [[UInt8]: RegionGroup]] = [:]
            for i in pending {
                do {
                    let location = try await locate(table, row: rows[i])
                    byRegion[location.server, default: [:]][location.region.regionName, default: RegionGroup(location: location)].indexes.append(i)
                } catch {
                    fail(i, ClientError(error))
                }
            }
            let groups = byRegion.mapValues { Array($0.values) }
            let responses = await withTaskGroup(of: (ServerName, Result<Basalt_MultiResponse, ClientError>).self) { group in
                for (server, regions) in groups {
                    var request = Basalt_MultiRequest()
                    request.regionActions = regions.map { g in
                        var ra = Basalt_RegionAction()
                        ra.region.regionName = Data(g.location.region.regionName)
                        ra.actions = g.indexes.map { actions[$0] }
                        return ra
                    }
                    group.addTask {
                        do { return (server, .success(try await self.servers.data(server).multi(request))) } catch { return (server, .failure(ClientError(error))) }
                    }
                }
                var all: [(ServerName, Result<Basalt_MultiResponse, ClientError>)] = []
                for await r in group { all.append(r) }
                return all
            }
            for (server, response) in responses {
                guard let regions = groups[server] else { continue }
                switch response {
                case .failure(let e):
                    for g in regions {
                        if e.invalidatesLocation { invalidate(g.location, because: e) }
                        for i in g.indexes { fail(i, e) }
                    }
                case .success(let multi):
                    // One result per region action, in the order sent.
                    for (g, result) in zip(regions, multi.regionActionResults) {
                        if result.hasException {
                            let e = ClientError(proto: result.exception)
                            if e.invalidatesLocation { invalidate(g.location, because: e) }
                            for i in g.indexes { fail(i, e) }
                            continue
                        }
                        for r in result.results {
                            let i = Int(r.index)
                            guard i < actions.count, outcomes[i] == nil else { continue }
                            if r.hasException { fail(i, ClientError(proto: r.exception)) } else { outcomes[i] = .success(r.result) }
                        }
                    }
                    for g in regions.dropFirst(multi.regionActionResults.count) {
                        for i in g.indexes { fail(i, .connection("the server answered fewer regions than it was sent")) }
                    }
                }
            }
            pending = Array(Set(again)).sorted()
            if pending.isEmpty { break }
            attempt += 1
            if attempt >= retry.retries {
                for i in pending { outcomes[i] = .failure(.retriesExhausted(attempt, last: lastError[i] ?? .connection("unknown failure"))) }
                break
            }
            try? await Task.sleep(for: retry.pause(beforeAttempt: attempt))
        }
        return outcomes.map { $0 ?? .failure(.connection("the server sent no result for an action")) }
    }
}
