import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// A table and its regions as the master describes them.
public struct TableDescription: Sendable, Hashable {
    public var descriptor: TableDescriptor
    public var state: MetaRow.TableState
    public var regions: [(region: RegionInfo, server: ServerName?)]

    public static func == (a: Self, b: Self) -> Bool {
        a.descriptor == b.descriptor && a.state == b.state && a.regions.map(\.region) == b.regions.map(\.region) && a.regions.map(\.server) == b.regions.map(\.server)
    }

    public func hash(into h: inout Hasher) { h.combine(descriptor) }
}

/// A region on its way somewhere, as `status 'detailed'` lists it: its meta state (OPENING, CLOSING,
/// SPLITTING, ...; OPEN when the server it was open on is gone) and the server that state names.
public struct RegionInTransition: Sendable, Hashable {
    public var region: RegionInfo
    public var server: ServerName?
    public var state: RegionState
}

/// The cluster as `status` reports it.
public struct ClusterStatus: Sendable, Hashable {
    public var clusterId: String
    public var master: ServerName?
    public var backupMasters: [ServerName]
    public var liveServers: [ServerName: Int]
    public var deadServers: [ServerName]
    public var regionsInTransition: [RegionInTransition]

    public var regionCount: Int { liveServers.values.reduce(0, +) }
    public var averageLoad: Double { liveServers.isEmpty ? 0 : Double(regionCount) / Double(liveServers.count) }
}

/// Administers tables and the cluster through the active master (HBase's `Admin`): DDL, listing,
/// region moves, splits, merges and balancing; flushes and compactions go straight to the region servers. A value type.
public struct Admin: Sendable {
    let connection: Connection

    func master<T: Sendable>(_ body: (BasaltMasterServiceCalls) async throws -> T) async throws -> T {
        try await connection.retrying({
            let m = try await connection.masterLocation()
            do {
                return try await body(try await connection.servers.master(m))
            } catch {
                let e = ClientError(error)
                if e.errorCode == .connection { connection.servers.forget(m) }
                throw e
            }
        })
    }

    // MARK: - DDL

    /// Creates a table, split at `splitKeys` (sorted, distinct, none empty).
    public func createTable(_ descriptor: TableDescriptor, splitKeys: [[UInt8]] = []) async throws {
        var request = Basalt_CreateTableRequest()
        request.table = Basalt_TableSchema(descriptor)
        request.splitKeys = splitKeys.map { Data($0) }
        _ = try await master { try await $0.createTable(request) }
        connection.cache.clear(descriptor.name)
    }

    /// Creates a table of `regions` regions, split by `algorithm`.
    public func createTable(_ descriptor: TableDescriptor, regions: Int, algorithm: SplitAlgorithm) async throws {
        try await createTable(descriptor, splitKeys: try algorithm.splitKeys(regions: regions))
    }

    /// Deletes a disabled table and its data.
    public func deleteTable(_ table: TableName) async throws {
        _ = try await master { try await $0.deleteTable(Self.request(table)) }
        connection.cache.clear(table)
    }

    public func enableTable(_ table: TableName) async throws {
        _ = try await master { try await $0.enableTable(Self.request(table)) }
        connection.cache.clear(table)
    }

    public func disableTable(_ table: TableName) async throws {
        _ = try await master { try await $0.disableTable(Self.request(table)) }
        connection.cache.clear(table)
    }

    /// Empties a disabled table (keeping its region boundaries when `preserveSplits`); it ends enabled.
    public func truncateTable(_ table: TableName, preserveSplits: Bool) async throws {
        var request = Self.request(table)
        request.preserveSplits = preserveSplits
        _ = try await master { try await $0.truncateTable(request) }
        connection.cache.clear(table)
    }

    /// Replaces a table's descriptor (add, change or drop families); its regions reopen with it.
    public func modifyTable(_ descriptor: TableDescriptor) async throws {
        var request = Basalt_ModifyTableRequest()
        request.table = Basalt_TableSchema(descriptor)
        _ = try await master { try await $0.modifyTable(request) }
        connection.cache.clear(descriptor.name)
    }

    // MARK: - Listing

    /// The user tables whose names match `regex` (every one when nil), with system tables on request.
    public func listTables(matching regex: String? = nil, includeSystem: Bool = false) async throws -> [TableDescriptor] {
        var request = Basalt_ListTablesRequest()
        request.regex = regex ?? ""
        request.includeSystem = includeSystem
        let response = try await master { try await $0.listTables(request) }
        return try response.tables.map { try $0.schema.toDescriptor() }
    }

    public func listTableNames(matching regex: String? = nil, includeSystem: Bool = false) async throws -> [TableName] {
        try await listTables(matching: regex, includeSystem: includeSystem).map(\.name)
    }

    public func describe(_ table: TableName) async throws -> TableDescription {
        var request = Basalt_DescribeTableRequest()
        request.tableName = Basalt_TableName(table)
        let d = try await master { try await $0.describeTable(request) }
        return TableDescription(
            descriptor: try d.schema.toDescriptor(), state: MetaRow.TableState(rawValue: UInt8(clamping: d.state.rawValue)) ?? .enabled,
            regions: try d.regions.map { (try $0.region.toRegionInfo(), $0.hasServer ? $0.server.toServerName() : nil) })
    }

    public func tableExists(_ table: TableName) async throws -> Bool {
        try await connection.retrying { try await connection.tableState(table) != nil }
    }

    public func isTableEnabled(_ table: TableName) async throws -> Bool { try await state(table) == .enabled }
    public func isTableDisabled(_ table: TableName) async throws -> Bool { try await state(table) == .disabled }

    private func state(_ table: TableName) async throws -> MetaRow.TableState {
        guard let s = try await connection.retrying({ try await connection.tableState(table) }) else { throw ClientError.tableNotFound(table) }
        return s
    }

    /// The table's regions with their servers, from meta.
    public func regions(of table: TableName) async throws -> [RegionLocation] {
        try await connection.regionLocator(table).allLocations()
    }

    // MARK: - Cluster

    public func clusterStatus() async throws -> ClusterStatus {
        let s = try await master { try await $0.clusterStatus(Basalt_ClusterStatusRequest()) }
        var live: [ServerName: Int] = [:]
        for l in s.liveServers { live[l.server.toServerName()] = l.regions.count }
        return ClusterStatus(
            clusterId: s.clusterID, master: s.hasMaster ? s.master.toServerName() : nil, backupMasters: s.backupMasters.map { $0.toServerName() },
            liveServers: live, deadServers: s.deadServers.map { $0.toServerName() },
            regionsInTransition: try s.regionsInTransition.map {
                RegionInTransition(region: try $0.region.toRegionInfo(), server: $0.hasServer ? $0.server.toServerName() : nil, state: $0.state.regionState)
            })
    }

    /// Moves a region (by encoded name) to `destination`, or to another live server when nil.
    public func move(encodedRegionName: String, to destination: ServerName? = nil) async throws {
        var request = Basalt_MoveRegionRequest()
        request.encodedRegionName = Data(encodedRegionName.utf8)
        if let destination { request.destination = Basalt_ServerName(destination) }
        _ = try await master { try await $0.moveRegion(request) }
    }

    /// Evens out region counts across live servers; returns how many regions moved, or nil when the
    /// balancer switch is off (nothing moves then).
    @discardableResult
    public func balance() async throws -> Int? {
        let r = try await master { try await $0.balance(Basalt_BalanceRequest()) }
        return r.ran ? Int(r.moved) : nil
    }

    /// Turns the balancer on or off (HBase's `balance_switch`); returns whether it was on.
    @discardableResult
    public func setBalancer(on: Bool) async throws -> Bool {
        var request = Basalt_BalancerSwitchRequest()
        request.on = on
        return try await master { try await $0.setBalancerSwitch(request) }.previous
    }

    /// Splits the region holding `splitPoint` there, or, with no point, every region of the table at its
    /// mid row (regions with too little data to split are left alone). Returns the new regions.
    @discardableResult
    public func split(_ table: TableName, at splitPoint: [UInt8]? = nil) async throws -> [RegionInfo] {
        if let splitPoint {
            guard !splitPoint.isEmpty else { throw ClientError.invalidArgument("the split point must not be empty") }
            let location = try await connection.retrying { try await connection.locate(table, row: splitPoint, reload: true) }
            return try await splitRegion(encodedName: location.region.encodedName, at: splitPoint)
        }
        var daughters: [RegionInfo] = []
        var lastRefusal: ClientError?
        for location in try await regions(of: table) {
            do {
                daughters += try await splitRegion(encodedName: location.region.encodedName)
            } catch let e as ClientError where e.errorCode == .invalidArgument {
                lastRefusal = e
            }
        }
        if daughters.isEmpty, let lastRefusal { throw lastRefusal }
        return daughters
    }

    /// Splits one region (by encoded name) at `splitPoint`, or at its mid row. Returns the two daughters.
    @discardableResult
    public func splitRegion(encodedName: String, at splitPoint: [UInt8]? = nil) async throws -> [RegionInfo] {
        var request = Basalt_SplitTableRegionRequest()
        request.encodedRegionName = Data(encodedName.utf8)
        if let splitPoint { request.splitPoint = Data(splitPoint) }
        return try await master { try await $0.splitRegion(request) }.regions.map { try $0.toRegionInfo() }
    }

    /// Merges two adjacent regions of a table (by encoded name) into one; returns it.
    @discardableResult
    public func mergeRegions(_ first: String, _ second: String) async throws -> RegionInfo {
        var request = Basalt_MergeRegionsRequest()
        request.encodedRegionNameA = Data(first.utf8)
        request.encodedRegionNameB = Data(second.utf8)
        guard let merged = try await master({ try await $0.mergeRegions(request) }).regions.first else {
            throw ClientError(.io, message: "the master answered a merge without the merged region", retryable: false, exceptionName: "IOException")
        }
        return try merged.toRegionInfo()
    }

    /// Flushes every region of a table.
    public func flush(_ table: TableName) async throws {
        for location in try await regions(of: table) {
            var request = Basalt_FlushRegionRequest()
            request.region.regionName = Data(location.region.regionName)
            _ = try await connection.servers.admin(location.server).flushRegion(request)
        }
    }

    /// Compacts every region of a table (all files when `major`).
    public func compact(_ table: TableName, major: Bool = false) async throws {
        for location in try await regions(of: table) {
            var request = Basalt_CompactRegionRequest()
            request.region.regionName = Data(location.region.regionName)
            request.major = major
            _ = try await connection.servers.admin(location.server).compactRegion(request)
        }
    }

    static func request(_ table: TableName) -> Basalt_TableRequest {
        var r = Basalt_TableRequest()
        r.tableName = Basalt_TableName(table)
        return r
    }
}
