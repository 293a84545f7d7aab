import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// What a region server reports about one of its regions (`list_regions`, `status 'detailed'`).
public struct RegionLoad: Sendable, Hashable {
    public var region: RegionInfo
    public var memStoreBytes: Int
    public var storeFileBytes: Int
    public var storeFiles: Int
    public var readRequests: Int
    public var writeRequests: Int
}

/// What the coordination service holds for the cluster (`zk_dump`).
public struct CoordinationSnapshot: Sendable, Hashable {
    public var parent: String
    public var quorum: String
    public var activeMaster: ServerName?
    public var backupMasters: [String]
    public var metaServer: ServerName?
    public var regionServers: [String]
}

extension Admin {
    /// The region with this name: a full region name (`t,start,id.ENCODED.`) or its encoded part.
    /// Nil when no region of any table has it.
    public func region(named name: [UInt8]) async throws -> RegionLocation? {
        if name == RegionInfo.firstMeta.regionName || name == RegionInfo.firstMeta.encodedNameBytes {
            return RegionLocation(region: .firstMeta, server: try await connection.metaLocation())
        }
        let inFullName = RegionInfo.encodedName(fromRegionName: name)
        let encoded = inFullName ?? String(decoding: name, as: UTF8.self)
        guard encoded.count == 32, encoded.allSatisfy(\.isHexDigit) else { return nil }
        if inFullName != nil, let comma = name.firstIndex(of: UInt8(ascii: ",")),
           let table = try? TableName(String(decoding: name[..<comma], as: UTF8.self)) {
            return try await regions(of: table).first { $0.region.encodedName == encoded }
        }
        var scan = Scan()
        scan.columns.addFamily(MetaRow.infoFamily)
        for row in try await connection.table(.meta).scanAll(scan) {
            guard let location = try MetaRow.parse(row), location.region.encodedName == encoded else { continue }
            guard let server = location.server, !location.offline else {
                throw ClientError.regionInTransition("region \(location.region.regionNameAsString) is \(location.state), not open")
            }
            return RegionLocation(region: location.region, server: server, openSeqNum: location.openSeqNum)
        }
        return nil
    }

    /// Flushes one region's MemStores.
    public func flushRegion(_ location: RegionLocation) async throws {
        var request = Basalt_FlushRegionRequest()
        request.region.regionName = Data(location.region.regionName)
        _ = try await connection.servers.admin(location.server).flushRegion(request)
    }

    /// Compacts every region of a table, only `family` when given.
    public func compact(_ table: TableName, family: [UInt8]?, major: Bool) async throws {
        for location in try await regions(of: table) { try await compactRegion(location, family: family, major: major) }
    }

    /// Compacts one region, only `family` when given (all of its files when `major`).
    public func compactRegion(_ location: RegionLocation, family: [UInt8]? = nil, major: Bool) async throws {
        var request = Basalt_CompactRegionRequest()
        request.region.regionName = Data(location.region.regionName)
        request.major = major
        if let family { request.family = Data(family) }
        _ = try await connection.servers.admin(location.server).compactRegion(request)
    }

    /// The regions a server holds, with their sizes and request counts.
    public func regionLoads(on server: ServerName) async throws -> [RegionLoad] {
        let response = try await connection.servers.admin(server).getOnlineRegions(Basalt_GetOnlineRegionsRequest())
        return try response.regions.map {
            RegionLoad(
                region: try $0.region.toRegionInfo(), memStoreBytes: Int($0.memstoreBytes), storeFileBytes: Int($0.storeFileBytes),
                storeFiles: Int($0.storeFiles), readRequests: Int($0.readRequests), writeRequests: Int($0.writeRequests))
        }
    }

    /// Starts a new WAL file on a region server; returns its WAL file count after the roll.
    @discardableResult
    public func rollWALWriter(_ server: ServerName) async throws -> Int {
        Int(try await connection.servers.admin(server).rollWALWriter(Basalt_RollWALWriterRequest()).walFiles)
    }

    /// The cluster's znodes: masters, region servers and where meta is.
    public func coordinationSnapshot() async throws -> CoordinationSnapshot {
        let c = connection.coordination
        let layout = c.layout
        var master: ServerName?
        if let data = try await c.activeMaster() { master = try? PBUFCodec.masterServer(from: data) }
        var meta: ServerName?
        if let node = try await c.read(layout.metaRegionServer) { meta = try? PBUFCodec.metaServer(from: node.data) }
        return CoordinationSnapshot(
            parent: layout.parent, quorum: connection.configuration.string("hbase.zookeeper.quorum", default: "127.0.0.1:2181"), activeMaster: master,
            backupMasters: (try await c.children(layout.backupMasters)).sorted(), metaServer: meta,
            regionServers: (try await c.children(layout.regionServers)).sorted())
    }
}
