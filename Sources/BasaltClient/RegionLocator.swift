import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// Finds the regions of one table: the cache first, then `hbase:meta` by a closest-row-before lookup from
/// `table,row,99999999999999` on the server that hosts meta. A value type; cheap to make.
public struct RegionLocator: Sendable {
    public let table: TableName
    let connection: Connection

    /// The region holding `row` (relooking in meta when `reload`).
    public func location(row: [UInt8], reload: Bool = false) async throws -> RegionLocation {
        try await connection.retrying { try await connection.locate(table, row: row, reload: reload) }
    }

    /// Every region of the table, in key order, straight from meta (and cached).
    public func allLocations() async throws -> [RegionLocation] {
        var out: [RegionLocation] = []
        var row: [UInt8] = []
        while true {
            let loc = try await location(row: row, reload: true)
            out.append(loc)
            if loc.region.endKey.isEmpty { return out }
            row = loc.region.endKey
        }
    }

    public func startKeys() async throws -> [[UInt8]] { try await allLocations().map(\.region.startKey) }
    public func endKeys() async throws -> [[UInt8]] { try await allLocations().map(\.region.endKey) }
}

extension Connection {
    /// The location of the region holding `row`: the cache, or a meta lookup (one attempt; callers retry).
    func locate(_ table: TableName, row: [UInt8], reload: Bool = false) async throws -> RegionLocation {
        if table == .meta { return RegionLocation(region: .firstMeta, server: try await metaLocation(reload: reload)) }
        if !reload, let hit = cache.find(table, row: row) { return hit }
        let location = try await lookUp(table, searchKey: MetaRow.searchKey(table: table, row: row))
        guard location.region.contains(row: row) else {
            throw ClientError.regionInTransition("no region of \(table) holds row '\(Bytes.toStringBinary(row))' in hbase:meta yet (a split or merge is under way)")
        }
        cache.add(location)
        return location
    }

    /// The region just before the one starting at `startKey` (for reversed scans), or nil when that one is
    /// the table's first region.
    func locate(_ table: TableName, before startKey: [UInt8]) async throws -> RegionLocation? {
        guard !startKey.isEmpty else { return nil }
        let location = try await lookUp(table, searchKey: table.nameBytes + [UInt8(ascii: ",")] + startKey + [UInt8(ascii: ",")])
        guard CellComparator.compareBytes(location.region.startKey, startKey) < 0 else {
            throw ClientError.regionInTransition("the region before '\(Bytes.toStringBinary(startKey))' of \(table) is not in hbase:meta yet")
        }
        cache.add(location)
        return location
    }

    /// The last region of a table (where a reversed scan from the end begins).
    func locateLast(_ table: TableName) async throws -> RegionLocation {
        var key = table.nameBytes
        key.append(UInt8(ascii: ",") + 1)
        let location = try await lookUp(table, searchKey: key)
        cache.add(location)
        return location
    }

    /// The closest meta row at or before `searchKey`, as a location of `table`: a reversed scan of meta
    /// from the key, passing over split parents (offline rows kept until their daughters stand alone).
    private func lookUp(_ table: TableName, searchKey: [UInt8]) async throws -> RegionLocation {
        let meta = try await metaLocation()
        var from = searchKey
        var found: MetaRow.Location?
        search: while true {
            var scan = Scan(startRow: from, stopRow: table.nameBytes + [UInt8(ascii: ",")])
            scan.reversed = true
            scan.columns.addFamily(MetaRow.infoFamily)
            var request = Basalt_ScanRequest()
            request.region.regionName = Data(RegionInfo.firstMeta.regionName)
            request.scan = Basalt_Scan(scan)
            request.numberOfRows = 8
            request.closeScanner = true
            let rows: [RowResult]
            do {
                rows = try await servers.data(meta).scan(request).results.map { try $0.toRowResult() }
            } catch {
                let e = ClientError(error)
                if e.invalidatesLocation {
                    forgetMetaLocation()
                    servers.forget(meta)
                }
                throw e
            }
            for row in rows where row.row != from || from == searchKey {
                guard let location = try MetaRow.parse(row) else { continue }
                if location.split && location.offline { continue }
                found = location
                break search
            }
            guard rows.count == 8, let last = rows.last?.row else { break }
            from = last
        }
        guard let found, found.region.table == table else {
            throw try await tableProblem(table) ?? ClientError.regionInTransition("\(table) has no regions in hbase:meta yet")
        }
        guard let server = found.server, !found.offline, found.state == .open else {
            throw try await tableProblem(table) ?? ClientError.regionInTransition("region \(found.region.regionNameAsString) is \(found.state), not open yet")
        }
        return RegionLocation(region: found.region, server: server, openSeqNum: found.openSeqNum)
    }

    /// Why a table has no usable region: it does not exist, or it is disabled. Nil when neither.
    func tableProblem(_ table: TableName) async throws -> ClientError? {
        switch try await tableState(table) {
        case nil: return .tableNotFound(table)
        case .disabled?, .disabling?: return .tableNotEnabled(table)
        default: return nil
        }
    }

    /// A table's state as meta records it, or nil when the table does not exist.
    func tableState(_ table: TableName) async throws -> MetaRow.TableState? {
        if table == .meta { return .enabled }
        let meta = try await metaLocation()
        var get = Basalt_Get()
        get.row = Data(table.nameBytes)
        var request = Basalt_GetRequest()
        request.region.regionName = Data(RegionInfo.firstMeta.regionName)
        request.get = get
        let row = try await servers.data(meta).get(request).result.toRowResult(row: table.nameBytes)
        return try MetaRow.parseTableState(row)
    }
}
