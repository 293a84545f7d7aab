import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation
import NIOCore

extension HBaseClientService {
    /// A failure as a `Multi` carries it per action or per region: HBase's class name and its message.
    static func exception(_ error: any Error) -> HBaseNameBytesPair {
        let e = ServerError(error)
        var pair = HBaseNameBytesPair()
        pair.name = e.kind.exceptionClass
        pair.value = Data("\(e.kind.exceptionClass): \(e.message)".utf8)
        return pair
    }

    static func multi(
        _ request: HBaseMultiRequest, block: inout ByteBuffer?, cellBlocks: ByteBuffer?, engine: StorageEngine
    ) throws -> (HBaseMultiResponse, ByteBuffer?) {
        if request.hasCondition {
            throw ServerError(.invalidArgument, "MultiRequest.condition is not supported; put the condition in the RegionAction")
        }
        var out = cellBlocks
        var response = HBaseMultiResponse()
        response.regionActionResult.reserveCapacity(request.regionAction.count)
        for action in request.regionAction {
            // Every action's cells come off the block in order, so decode them even for a region that fails.
            let decoded = action.action.map { a -> Result<HBaseMutation, any Error>? in
                guard a.hasMutation else { return nil }
                return Result { try decode(a.mutation, block: &block) }
            }
            response.regionActionResult.append(run(action, decoded, block: &out, engine: engine))
        }
        return (response, out)
    }

    /// One region's share of a multi: atomic (all or nothing, under a condition when it has one), or each
    /// action on its own with a result or an exception. Plain puts and deletes go in as one batch.
    static func run(
        _ action: HBaseRegionAction, _ decoded: [Result<HBaseMutation, any Error>?], block: inout ByteBuffer?, engine: StorageEngine
    ) -> HBaseRegionActionResult {
        var out = HBaseRegionActionResult()
        let region: Region
        do {
            region = try HBaseClientService.region(action.region, in: engine)
        } catch {
            out.exception = exception(error)
            return out
        }
        if action.atomic {
            do {
                let mutations = try decoded.map { d -> HBaseMutation in
                    guard let d else { throw ServerError(.invalidArgument, "an atomic region action holds mutations only") }
                    return try d.get()
                }
                if action.hasCondition {
                    out.processed = try region.checkAndMutate(try checkAndMutate(action.condition, mutations))
                } else {
                    try applyAtomically(mutations, on: region)
                    out.processed = true
                }
                out.resultOrException = action.action.map { a in
                    var r = HBaseResultOrException()
                    r.index = a.index
                    r.result = HBaseResult()
                    return r
                }
            } catch {
                out.exception = exception(error)
            }
            return out
        }
        var results: [HBaseResultOrException] = []
        results.reserveCapacity(action.action.count)
        var batch: [(slot: Int, mutation: Mutation)] = []
        for (i, a) in action.action.enumerated() {
            var r = HBaseResultOrException()
            r.index = a.index
            do {
                if a.hasGet {
                    r.result = try get(a.get, on: region, block: &block)
                } else if let d = decoded[i] {
                    switch try d.get() {
                    case .put(let p): batch.append((results.count, .put(p)))
                    case .delete(let del): batch.append((results.count, .delete(del)))
                    case let other:
                        let value = try apply(other, returnResults: a.mutation.returnsResults, on: region)
                        r.result = value.map { result($0, block: &block) } ?? HBaseResult()
                    }
                } else {
                    throw ServerError(.invalidArgument, "an action holds neither a get nor a mutation")
                }
            } catch {
                r.exception = exception(error)
            }
            results.append(r)
        }
        if !batch.isEmpty {
            do {
                try region.mutateRows(batch.map(\.mutation))
                for (slot, _) in batch { results[slot].result = HBaseResult() }
            } catch {
                let e = ServerError(error)
                for (slot, m) in batch {
                    if e.isRetryable {
                        results[slot].exception = exception(e)
                        continue
                    }
                    do {
                        try region.mutateRows([m])
                        results[slot].result = HBaseResult()
                    } catch {
                        results[slot].exception = exception(error)
                    }
                }
            }
        }
        out.resultOrException = results
        return out
    }

    /// One row's mutations, all or none: puts and deletes in one batch (one WAL entry, the row locked).
    /// Increments and appends read before they write, so a row mixing them with puts and deletes is
    /// applied in order (each step atomic on its own).
    static func applyAtomically(_ mutations: [HBaseMutation], on region: Region) throws {
        var plain: [Mutation] = []
        var readModifyWrite = false
        for m in mutations {
            switch m {
            case .put(let p): plain.append(.put(p))
            case .delete(let d): plain.append(.delete(d))
            case .increment, .append: readModifyWrite = true
            }
        }
        if !readModifyWrite {
            try region.mutateRows(plain)
            return
        }
        for m in mutations { _ = try apply(m, returnResults: false, on: region) }
    }
}
