import BasaltCore
import BasaltProtocol

/// `BasaltMasterService` on the active master: DDL, listing, moves, balancing, splits, merges and cluster
/// status. (`ReportForDuty` is not served: region servers announce themselves in ZooKeeper.)
struct MasterServiceHandler {
    let master: Master

    var service: ServiceTable {
        var table = ServiceTable(.basaltMaster)
        table.add(BasaltMasterServiceMethod.createTable, createTable)
        table.add(BasaltMasterServiceMethod.deleteTable, deleteTable)
        table.add(BasaltMasterServiceMethod.enableTable, enableTable)
        table.add(BasaltMasterServiceMethod.disableTable, disableTable)
        table.add(BasaltMasterServiceMethod.truncateTable, truncateTable)
        table.add(BasaltMasterServiceMethod.modifyTable, modifyTable)
        table.add(BasaltMasterServiceMethod.listTables, listTables)
        table.add(BasaltMasterServiceMethod.describeTable, describeTable)
        table.add(BasaltMasterServiceMethod.moveRegion, moveRegion)
        table.add(BasaltMasterServiceMethod.splitRegion, splitRegion)
        table.add(BasaltMasterServiceMethod.mergeRegions, mergeRegions)
        table.add(BasaltMasterServiceMethod.balance, balance)
        table.add(BasaltMasterServiceMethod.clusterStatus, clusterStatus)
        table.add(BasaltMasterServiceMethod.requestSplit, requestSplit)
        table.add(BasaltMasterServiceMethod.setBalancerSwitch, setBalancerSwitch)
        table.add(BasaltMasterServiceMethod.createNamespace, createNamespace)
        table.add(BasaltMasterServiceMethod.modifyNamespace, modifyNamespace)
        table.add(BasaltMasterServiceMethod.deleteNamespace, deleteNamespace)
        table.add(BasaltMasterServiceMethod.listNamespaces, listNamespaces)
        return table
    }

    /// The master's work; failures leave as `ServerError`s.
    func serve<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw ServerError(error)
        }
    }

    func createTable(request: Basalt_CreateTableRequest) async throws -> Basalt_TableResponse {
        try await serve {
            try await master.createTable(try request.table.toDescriptor(), splitKeys: request.splitKeys.map { Array($0) })
            return Basalt_TableResponse()
        }
    }

    func describeTable(request: Basalt_DescribeTableRequest) async throws -> Basalt_TableDescription {
        try await serve {
            let table = try request.tableName.toTableName()
            guard let tableState = try await master.tableState(table) else { throw ServerError(.tableNotFound, "table \(table) does not exist") }
            var d = Basalt_TableDescription()
            d.schema = Basalt_TableSchema(try master.readDescriptor(table))
            d.state = Basalt_TableState.State(rawValue: Int(tableState.rawValue)) ?? .enabled
            d.regions = try await master.regions(of: table).map { loc in
                var l = Basalt_RegionLocation()
                l.region = Basalt_RegionInfo(loc.region)
                if let s = loc.server { l.server = Basalt_ServerName(s) }
                l.seqNum = UInt64(max(0, loc.openSeqNum))
                return l
            }
            return d
        }
    }

    func clusterStatus(request: Basalt_ClusterStatusRequest) async throws -> Basalt_ClusterStatusResponse {
        try await serve {
            var r = Basalt_ClusterStatusResponse()
            r.clusterID = master.state.withLock { $0.clusterId }
            if let name = master.serverName { r.master = Basalt_ServerName(name) }
            let live = try await master.liveServers()
            let regions = try await master.regionsByServer(live)
            r.liveServers = live.map { s in
                var l = Basalt_ServerLoad()
                l.server = Basalt_ServerName(s)
                l.regions = (regions[s] ?? []).map { info in
                    var load = Basalt_RegionLoad()
                    load.region = Basalt_RegionInfo(info)
                    return load
                }
                return l
            }
            r.backupMasters = try await master.backupMasters().map { Basalt_ServerName($0) }
            r.deadServers = master.deadServers(live: live).map { Basalt_ServerName($0) }
            r.regionsInTransition = try await master.regionsInTransition(live: live).map { loc in
                var t = Basalt_RegionLocation()
                t.region = Basalt_RegionInfo(loc.region)
                if let server = loc.server { t.server = Basalt_ServerName(server) }
                t.state = Basalt_RegionState.State(loc.state)
                t.seqNum = UInt64(max(0, loc.openSeqNum))
                return t
            }
            return r
        }
    }

    func deleteTable(request: Basalt_TableRequest) async throws -> Basalt_TableResponse {
        try await serve {
            try await master.deleteTable(try request.tableName.toTableName())
            return Basalt_TableResponse()
        }
    }

    func enableTable(request: Basalt_TableRequest) async throws -> Basalt_TableResponse {
        try await serve {
            try await master.enableTable(try request.tableName.toTableName())
            return Basalt_TableResponse()
        }
    }

    func disableTable(request: Basalt_TableRequest) async throws -> Basalt_TableResponse {
        try await serve {
            try await master.disableTable(try request.tableName.toTableName())
            return Basalt_TableResponse()
        }
    }

    func truncateTable(request: Basalt_TableRequest) async throws -> Basalt_TableResponse {
        try await serve {
            try await master.truncateTable(try request.tableName.toTableName(), preserveSplits: request.preserveSplits)
            return Basalt_TableResponse()
        }
    }

    func modifyTable(request: Basalt_ModifyTableRequest) async throws -> Basalt_TableResponse {
        try await serve {
            try await master.modifyTable(try request.table.toDescriptor())
            return Basalt_TableResponse()
        }
    }

    func listTables(request: Basalt_ListTablesRequest) async throws -> Basalt_ListTablesResponse {
        try await serve {
            var r = Basalt_ListTablesResponse()
            for name in try await master.listTables(regex: request.regex, includeSystem: request.includeSystem) {
                guard let d = try? master.readDescriptor(name) else { continue }
                var t = Basalt_TableDescription()
                t.schema = Basalt_TableSchema(d)
                r.tables.append(t)
            }
            return r
        }
    }

    func moveRegion(request: Basalt_MoveRegionRequest) async throws -> Basalt_MoveRegionResponse {
        try await serve {
            let encoded = String(decoding: request.encodedRegionName, as: UTF8.self)
            try await master.moveRegion(encodedName: encoded, to: request.hasDestination ? request.destination.toServerName() : nil)
            return Basalt_MoveRegionResponse()
        }
    }

    func balance(request: Basalt_BalanceRequest) async throws -> Basalt_BalanceResponse {
        try await serve {
            var r = Basalt_BalanceResponse()
            guard try await master.isBalancerOn() else { return r }
            r.moved = UInt32(try await master.balance())
            r.ran = true
            return r
        }
    }

    func splitRegion(request: Basalt_SplitTableRegionRequest) async throws -> Basalt_RegionsResponse {
        try await serve {
            let encoded = String(decoding: request.encodedRegionName, as: UTF8.self)
            let point = request.splitPoint.isEmpty ? nil : Array(request.splitPoint)
            var r = Basalt_RegionsResponse()
            r.regions = try await master.splitRegion(encodedName: encoded, at: point).map(Basalt_RegionInfo.init)
            return r
        }
    }

    func mergeRegions(request: Basalt_MergeRegionsRequest) async throws -> Basalt_RegionsResponse {
        try await serve {
            let a = String(decoding: request.encodedRegionNameA, as: UTF8.self)
            let b = String(decoding: request.encodedRegionNameB, as: UTF8.self)
            var r = Basalt_RegionsResponse()
            r.regions = [Basalt_RegionInfo(try await master.mergeRegions(a, b))]
            return r
        }
    }

    /// A region server's own split request (its region passed the split policy): answers when the split
    /// is done, or with why it did not happen (the region server asks again later).
    func requestSplit(request: Basalt_RequestSplitRequest) async throws -> Basalt_RequestSplitResponse {
        try await serve {
            let region = try request.region.toRegionInfo()
            _ = try await master.splitRegion(encodedName: region.encodedName, at: request.splitPoint.isEmpty ? nil : Array(request.splitPoint))
            return Basalt_RequestSplitResponse()
        }
    }
}
