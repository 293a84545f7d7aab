import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation
import NIOCore

/// HBase's `ClientService` on a region server, for every HBase client (the Java client, hbase-driver,
/// gohbase, ...): Get, Mutate, Multi and Scan with HBase's messages and semantics. Cells travel in a cell
/// block when the connection named `KeyValueCodec`, inside the messages otherwise. Each call's engine work
/// runs on the server's handler threads. Stateless.
enum HBaseClientService {
    static func service(_ server: RegionServer) -> ServiceTable {
        var table = ServiceTable(.hbaseClient)
        table.addWithCells(HBaseClientServiceMethod.get, on: server, grouped: true, timed: { _ in .get }) { (request: HBaseGetRequest, _, responder, engine) in
            try get(request, cellBlocks: responder.cellBlocks ? responder.makeBuffer() : nil, engine: engine)
        }
        table.addWithCells(HBaseClientServiceMethod.mutate, on: server, timed: Self.kind) { (request: HBaseMutateRequest, call, responder, engine) in
            var block = call.cellBlock
            return try mutate(request, block: &block, cellBlocks: responder.cellBlocks ? responder.makeBuffer() : nil, engine: engine)
        }
        table.addWithCells(HBaseClientServiceMethod.multi, on: server, timed: { _ in .multi }) { (request: HBaseMultiRequest, call, responder, engine) in
            var block = call.cellBlock
            return try multi(request, block: &block, cellBlocks: responder.cellBlocks ? responder.makeBuffer() : nil, engine: engine)
        }
        let scanners = server.scanners
        table.addWithCells(HBaseClientServiceMethod.scan, on: server, grouped: true, timed: { _ in .scanNext }) { (request: HBaseScanRequest, _, responder, engine) in
            try scan(request, scanners: scanners, cellBlocks: responder.cellBlocks ? responder.makeBuffer() : nil, engine: engine)
        }
        return table
    }

    /// What kind of request a mutate call is, for the metrics.
    @Sendable static func kind(_ r: HBaseMutateRequest) -> RequestKind {
        if r.hasCondition { return .checkAndMutate }
        switch r.mutation.mutateType {
        case .put: return .put
        case .delete: return .delete
        case .increment: return .increment
        case .append: return .append
        }
    }

    /// The open region a specifier names (by full or encoded name), or `NotServingRegionException`.
    static func region(_ spec: HBaseRegionSpecifier, in engine: StorageEngine) throws -> Region {
        let value = Array(spec.value)
        let encoded: String? = switch spec.type {
        case .regionName: RegionInfo.encodedName(fromRegionName: value)
        case .encodedRegionName: String(decoding: value, as: UTF8.self)
        }
        guard let encoded, let region = engine.region(encoded), !region.isClosed else {
            throw ServerError(.notServingRegion, "region \(Bytes.toStringBinary(value)) is not online on this server")
        }
        return region
    }

    /// A result for the answer: its cells inside the message, or appended to `block` and counted.
    static func result(_ r: RowResult, block: inout ByteBuffer?) -> HBaseResult {
        guard block != nil else { return HBaseResult(r) }
        var out = HBaseResult()
        out.associatedCellCount = Int32(clamping: r.cells.count)
        for c in r.cells { KeyValueCodec.write(c, into: &block!) }
        return out
    }

    // MARK: - Get

    static func get(_ request: HBaseGetRequest, cellBlocks: ByteBuffer?, engine: StorageEngine) throws -> (HBaseGetResponse, ByteBuffer?) {
        let region = try region(request.region, in: engine)
        var block = cellBlocks
        var response = HBaseGetResponse()
        response.result = try get(request.get, on: region, block: &block)
        return (response, block)
    }

    static func get(_ proto: HBaseGet, on region: Region, block: inout ByteBuffer?) throws -> HBaseResult {
        if proto.closestRowBefore {
            throw ServerError(.unknownMethod, "Get with closest_row_before is not supported (as in HBase 2); use a reversed scan of one row")
        }
        let found = try region.get(try proto.toGet())
        if proto.existenceOnly {
            var r = HBaseResult()
            r.exists = !found.cells.isEmpty
            return r
        }
        return result(found, block: &block)
    }

    // MARK: - Mutate

    static func mutate(
        _ request: HBaseMutateRequest, block: inout ByteBuffer?, cellBlocks: ByteBuffer?, engine: StorageEngine
    ) throws -> (HBaseMutateResponse, ByteBuffer?) {
        let region = try region(request.region, in: engine)
        let mutation = try decode(request.mutation, block: &block)
        var response = HBaseMutateResponse()
        if request.hasCondition {
            response.processed = try region.checkAndMutate(try checkAndMutate(request.condition, [mutation]))
            return (response, nil)
        }
        var out = cellBlocks
        if let r = try apply(mutation, returnResults: request.mutation.returnsResults, on: region) {
            response.result = result(r, block: &out)
        }
        response.processed = true
        return (response, out)
    }

    /// A mutation, its cells from the message or (`associated_cell_count`) from the front of `block`.
    static func decode(_ proto: HBaseMutationProto, block: inout ByteBuffer?) throws -> HBaseMutation {
        var cells: [Cell] = []
        if proto.hasAssociatedCellCount && proto.associatedCellCount > 0 {
            guard block != nil else {
                throw ServerError(.invalidArgument, "a mutation counts \(proto.associatedCellCount) cells in a cell block the call does not carry")
            }
            cells = try KeyValueCodec.read(&block!, count: Int(proto.associatedCellCount))
        }
        return try proto.toMutation(blockCells: cells)
    }

    /// Applies one mutation; an increment's or append's new values when asked for.
    static func apply(_ m: HBaseMutation, returnResults: Bool, on region: Region) throws -> RowResult? {
        switch m {
        case .put(let p):
            try region.put(p)
        case .delete(let d):
            try region.delete(d)
        case .increment(let i):
            let r = try region.increment(i)
            return returnResults ? r : nil
        case .append(let a):
            let r = try region.append(a)
            return returnResults ? r : nil
        }
        return nil
    }

    /// HBase's condition (a column compared with a `BinaryComparator`, or absent with a `NullComparator`)
    /// over puts and deletes.
    static func checkAndMutate(_ c: HBaseCondition, _ mutations: [HBaseMutation]) throws -> CheckAndMutate {
        if c.hasFilter { throw ServerError(.invalidArgument, "checkAndMutate with a filter condition is not supported by Basalt; use a column condition") }
        if c.hasTimeRange { throw ServerError(.invalidArgument, "checkAndMutate with a time range is not supported by Basalt") }
        let expected: [UInt8]?
        switch try c.comparator.toByteComparator() {
        case nil: expected = nil
        case .binary(let value)?: expected = value
        case let other?: throw ServerError(.invalidArgument, "checkAndMutate compares with a BinaryComparator or a NullComparator, not \(other)")
        }
        let plain = try mutations.map { m -> Mutation in
            switch m {
            case .put(let p): return .put(p)
            case .delete(let d): return .delete(d)
            case .increment, .append: throw ServerError(.invalidArgument, "a conditional mutation is a put or a delete")
            }
        }
        return CheckAndMutate(
            row: Array(c.row), family: Array(c.family), qualifier: Array(c.qualifier), compareOperator: c.compareType.compareOperator,
            expected: expected, mutations: plain)
    }
}
