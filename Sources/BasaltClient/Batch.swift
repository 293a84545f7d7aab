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

    /// About the bytes the action takes in a request (for cutting a batch into requests).
    var estimatedSize: Int {
        switch self {
        case .get(let g): 64 + g.row.count
        case .put(let p): BufferedMutator.size(.put(p))
        case .delete(let d): BufferedMutator.size(.delete(d))
        case .increment(let i): i.columns.reduce(64 + i.row.count) { $0 + 32 + $1.family.count + $1.qualifier.count }
        case .append(let a): a.columns.reduce(64 + a.row.count) { $0 + 32 + $1.family.count + $1.qualifier.count + $1.value.count }
        }
    }

    /// The action as its `Action` message's bytes; puts and deletes straight from the mutation
    /// (`ActionEncoder`), the rest through SwiftProtobuf.
    func encoded(index: Int) throws -> Data {
        switch self {
        case .put(let p): ActionEncoder.encode(.put(p), index: index)
        case .delete(let d): ActionEncoder.encode(.delete(d), index: index)
        default: try proto(index: index).serializedBytes()
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
        for a in actions { try connection.validate(a) }
        let encoded = try actions.enumerated().map { i, a in try a.encoded(index: i) }
        let results = await connection.runBatch(name, encoded, rows: actions.map(\.row), sizes: actions.map(\.estimatedSize))
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

    /// A region's name as a dictionary key, hashed in one pass over its bytes (an `[UInt8]` key is hashed
    /// a byte at a time: about 6% of a bulk load's client CPU).
    private struct RegionKey: Hashable {
        let name: [UInt8]
        func hash(into hasher: inout Hasher) { name.withUnsafeBytes { hasher.combine(bytes: $0) } }
    }

    /// Sends `actions` (encoded `Action`s whose `index` is their position, `sizes` their estimated bytes;
    /// each encoded once for every attempt, see `Basalt_EncodedMultiRequest`) to the regions
    /// holding `rows`: locates each, groups them by server and region, sends each server its actions in
    /// requests of about `hbase.client.max.perrequest.heapsize`, one after another (servers concurrently),
    /// then retries the retryable failures (relocating first) until they succeed or the retries run out.
    func runBatch(_ table: TableName, _ encoded: [Data], rows: [[UInt8]], sizes: [Int]) async -> [Result<Basalt_Result, ClientError>] {
        var outcomes = [Result<Basalt_Result, ClientError>?](repeating: nil, count: encoded.count)
        var lastError = [ClientError?](repeating: nil, count: encoded.count)
        var pending = Array(encoded.indices)
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
            // Regions in the order their first action came; a row in the previous row's region is not
            // looked up again.
            var groups: [RegionGroup] = []
            var groupOf: [RegionKey: Int] = [:]
            var previous: RegionLocation?
            for i in pending {
                do {
                    let location: RegionLocation
                    if let p = previous, p.region.contains(row: rows[i]) {
                        location = p
                    } else {
                        location = try await locate(table, row: rows[i])
                        previous = location
                    }
                    let key = RegionKey(name: location.region.regionName)
                    if let g = groupOf[key] {
                        groups[g].indexes.append(i)
                    } else {
                        groupOf[key] = groups.count
                        groups.append(RegionGroup(location: location, indexes: [i]))
                    }
                } catch {
                    fail(i, ClientError(error))
                }
            }
            let perRequest = min(maxPerRequestSize, limits.maxMessageSize / 2)
            let requests = Dictionary(grouping: groups, by: \.location.server).mapValues { Self.cut($0, sizes: sizes, limit: perRequest) }
            let responses = await withTaskGroup(of: [([RegionGroup], Result<Basalt_MultiResponse, ClientError>)].self) { group in
                for (server, chunks) in requests {
                    group.addTask {
                        // In order: a request goes only after the one before it succeeded, so the
                        // mutations of a row arrive in the order given.
                        var out: [([RegionGroup], Result<Basalt_MultiResponse, ClientError>)] = []
                        var failure: ClientError?
                        for regions in chunks {
                            if let failure {
                                out.append((regions, .failure(failure)))
                                continue
                            }
                            var request = Basalt_EncodedMultiRequest()
                            request.regionActions = regions.map { g in
                                var ra = Basalt_EncodedRegionAction()
                                ra.region.regionName = Data(g.location.region.regionName)
                                ra.actions = g.indexes.map { encoded[$0] }
                                return ra
                            }
                            do {
                                out.append((regions, .success(try await self.servers.data(server).multi(request))))
                            } catch {
                                failure = ClientError(error)
                                out.append((regions, .failure(ClientError(error))))
                            }
                        }
                        return out
                    }
                }
                var all: [([RegionGroup], Result<Basalt_MultiResponse, ClientError>)] = []
                for await r in group { all += r }
                return all
            }
            for (regions, response) in responses {
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
                            guard i < encoded.count, outcomes[i] == nil else { continue }
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
            if attempt >= retry.attempts {
                for i in pending { outcomes[i] = .failure(.retriesExhausted(attempt, last: lastError[i] ?? .connection("unknown failure"))) }
                break
            }
            do {
                try await pause(beforeAttempt: attempt, after: pending.first.flatMap { lastError[$0] } ?? .connection("unknown failure"))
            } catch {
                for i in pending { outcomes[i] = .failure(ClientError(error)) }
                break
            }
        }
        return outcomes.map { $0 ?? .failure(.connection("the server sent no result for an action")) }
    }

    /// A server's region groups cut into requests of at most about `limit` bytes (a single action larger
    /// than that goes alone), keeping the order of the actions.
    private static func cut(_ regions: [RegionGroup], sizes: [Int], limit: Int) -> [[RegionGroup]] {
        var chunks: [[RegionGroup]] = []
        var current: [RegionGroup] = []
        var bytes = 0
        for g in regions {
            var part = RegionGroup(location: g.location)
            for i in g.indexes {
                let size = i < sizes.count ? sizes[i] : 0
                if bytes > 0 && bytes + size > limit {
                    if !part.indexes.isEmpty { current.append(part) }
                    chunks.append(current)
                    current = []
                    part = RegionGroup(location: g.location)
                    bytes = 0
                }
                part.indexes.append(i)
                bytes += size
            }
            if !part.indexes.isEmpty { current.append(part) }
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }
}
