import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation

/// `BasaltAdminService` on a region server: what the master (or an operator) asks of it: open, close,
/// flush, compact and split regions, list them, describe the server. Stateless apart from the server.
struct AdminServiceHandler {
    let server: RegionServer

    var service: ServiceTable {
        var table = ServiceTable(.basaltAdmin)
        table.add(BasaltAdminServiceMethod.openRegion, openRegion)
        table.add(BasaltAdminServiceMethod.closeRegion, closeRegion)
        table.add(BasaltAdminServiceMethod.flushRegion, flushRegion)
        table.add(BasaltAdminServiceMethod.compactRegion, compactRegion)
        table.add(BasaltAdminServiceMethod.splitRegion, splitRegion)
        table.add(BasaltAdminServiceMethod.getOnlineRegions, getOnlineRegions)
        table.add(BasaltAdminServiceMethod.getServerInfo, getServerInfo)
        table.add(BasaltAdminServiceMethod.rollWALWriter, rollWALWriter)
        table.add(BasaltAdminServiceMethod.splitWAL, splitWAL)
        return table
    }

    func openRegion(request: Basalt_OpenRegionRequest) async throws -> Basalt_OpenRegionResponse {
        try await server.blocking { engine in
            guard request.hasRegion, request.hasTable else { throw ServerError(.invalidArgument, "open region needs the region and its table schema") }
            let info = try request.region.toRegionInfo()
            let descriptor = try request.table.toDescriptor()
            guard descriptor.name == info.table else {
                throw ServerError(.invalidArgument, "region \(info.regionNameAsString) is not of table \(descriptor.name)")
            }
            let region = try engine.openRegion(info, descriptor: descriptor)
            if region.files != nil { try RegionInfoFile.ensure(info, root: engine.root, fileSystem: engine.fileSystem) }
            var response = Basalt_OpenRegionResponse()
            response.openSeqNum = region.maxSequenceId + 1
            return response
        }
    }

    func closeRegion(request: Basalt_CloseRegionRequest) async throws -> Basalt_CloseRegionResponse {
        try await server.blocking { engine in
            let region = try RegionServer.region(request.region, in: engine)
            if request.flush {
                try engine.closeRegion(region.info.encodedName)
            } else {
                try engine.dropRegion(region.info.encodedName)
            }
            var response = Basalt_CloseRegionResponse()
            response.closed = true
            return response
        }
    }

    func flushRegion(request: Basalt_FlushRegionRequest) async throws -> Basalt_FlushRegionResponse {
        try await server.blocking { engine in
            let region = try RegionServer.region(request.region, in: engine)
            var response = Basalt_FlushRegionResponse()
            response.flushed = try engine.flush(region)
            return response
        }
    }

    func compactRegion(request: Basalt_CompactRegionRequest) async throws -> Basalt_CompactRegionResponse {
        try await server.blocking { engine in
            let region = try RegionServer.region(request.region, in: engine)
            _ = try engine.compact(region, major: request.major, family: request.family.isEmpty ? nil : Array(request.family))
            return Basalt_CompactRegionResponse()
        }
    }

    /// Finishes the current WAL file and starts the next (HBase's `wal_roll`).
    func rollWALWriter(request: Basalt_RollWALWriterRequest) async throws -> Basalt_RollWALWriterResponse {
        try await server.blocking { engine in
            try engine.wal.roll()
            var response = Basalt_RollWALWriterResponse()
            response.walFiles = UInt32(clamping: engine.wal.fileCount)
            return response
        }
    }

    /// Splits one file of a dead server's WAL for the master (the root folder is shared).
    func splitWAL(request: Basalt_SplitWALRequest) async throws -> Basalt_SplitWALResponse {
        let root = server.configuration.root
        let logger = server.logger
        return try await server.blocking { _ in
            let outcome = try WALSplitter.splitFile(fileSystem: server.fileSystem, root: root, folder: request.folder, file: request.file, unsyncedTail: request.unsyncedTail, logger: logger)
            server.walFilesSplitCounter.add(outcome.files, ordering: .relaxed)
            var response = Basalt_SplitWALResponse()
            response.entries = UInt64(outcome.entries)
            response.regions = UInt32(clamping: outcome.regions)
            return response
        }
    }

    /// Splits one of this server's regions at the given row, or at its mid row: the master runs the split
    /// (as in HBase), this server picks the point.
    func splitRegion(request: Basalt_SplitRegionRequest) async throws -> Basalt_SplitRegionResponse {
        let (info, point) = try await server.blocking { engine -> (RegionInfo, [UInt8]?) in
            let region = try RegionServer.region(request.region, in: engine)
            if !request.splitPoint.isEmpty { return (region.info, Array(request.splitPoint)) }
            try region.flush()
            guard let point = try region.splitPoint() else {
                throw ServerError(.invalidArgument, "region \(region.info.regionNameAsString) has no row to split at: too little data, or files still shared with its parent until compaction")
            }
            return (region.info, point)
        }
        var split = Basalt_SplitTableRegionRequest()
        split.encodedRegionName = Data(info.encodedName.utf8)
        if let point { split.splitPoint = Data(point) }
        do {
            let daughters = try await server.connections.master(try await server.activeMaster()).splitRegion(split).regions
            var response = Basalt_SplitRegionResponse()
            if daughters.count == 2 {
                response.daughterA = daughters[0]
                response.daughterB = daughters[1]
            }
            return response
        } catch {
            throw ServerError(error)
        }
    }

    func getOnlineRegions(request: Basalt_GetOnlineRegionsRequest) async throws -> Basalt_GetOnlineRegionsResponse {
        try await server.blocking { engine in
            var response = Basalt_GetOnlineRegionsResponse()
            response.regions = engine.onlineRegions.map(Self.load).sorted { $0.region.regionID < $1.region.regionID }
            return response
        }
    }

    func getServerInfo(request: Basalt_GetServerInfoRequest) async throws -> Basalt_GetServerInfoResponse {
        let name = try server.running().serverName
        return try await server.blocking { engine in
            var response = Basalt_GetServerInfoResponse()
            response.server = Basalt_ServerName(name)
            response.memstoreBytes = UInt64(max(0, engine.globalMemStoreSize))
            response.memstoreLimit = UInt64(engine.configuration.flush.globalLimit)
            response.walFiles = UInt32(engine.wal.fileCount)
            response.residentBytes = ProcessMemory.residentBytes() ?? 0
            response.memoryLimit = UInt64(engine.configuration.memory)
            for region in engine.onlineRegions {
                response.readRequests += UInt64(region.readRequestCount)
                response.writeRequests += UInt64(region.writeRequestCount)
            }
            return response
        }
    }

    static func load(_ region: Region) -> Basalt_RegionLoad {
        var l = Basalt_RegionLoad()
        l.region = Basalt_RegionInfo(region.info)
        l.memstoreBytes = UInt64(max(0, region.memStoreSize))
        l.maxSequenceID = region.maxSequenceId
        l.storeFileBytes = UInt64(region.storeFileSize)
        l.storeFiles = UInt32(clamping: region.storeFileCount)
        l.readRequests = UInt64(region.readRequestCount)
        l.writeRequests = UInt64(region.writeRequestCount)
        return l
    }
}
