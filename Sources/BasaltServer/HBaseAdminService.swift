import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation

/// HBase's `AdminService` on a region server, for HBase's clients and tools: what a region is, which
/// regions are online, who the server is; flush and compact a region; roll the WAL. (The master's own calls,
/// such as open and close, go through `BasaltAdminService`.) Engine work runs on the handler threads.
/// Stateless.
enum HBaseAdminService {
    static func service(_ server: RegionServer) -> ServiceTable {
        var t = ServiceTable(.hbaseAdmin)
        t.add(HBaseAdminServiceMethod.getRegionInfo, on: server, grouped: true) { (r: HBaseGetRegionInfoRequest, engine) in
            let region = try HBaseClientService.region(r.region, in: engine)
            var out = HBaseGetRegionInfoResponse()
            out.regionInfo = HBaseRegionInfo(region.info)
            if r.compactionState { out.compactionState = .none }
            if r.bestSplitRow, let point = try region.splitPoint() { out.bestSplitRow = Data(point) }
            return out
        }
        t.add(HBaseAdminServiceMethod.getOnlineRegion, on: server, grouped: true) { (_: HBaseGetOnlineRegionRequest, engine) in
            var out = HBaseGetOnlineRegionResponse()
            out.regionInfo = engine.onlineRegions.map { HBaseRegionInfo($0.info) }
            return out
        }
        t.add(HBaseAdminServiceMethod.getServerInfo, on: server, grouped: true) { (_: HBaseGetServerInfoRequest, _) in
            var out = HBaseGetServerInfoResponse()
            out.serverInfo.serverName = HBaseServerName(try server.running().serverName)
            return out
        }
        t.add(HBaseAdminServiceMethod.flushRegion, on: server) { (r: HBaseFlushRegionRequest, engine) in
            let region = try HBaseClientService.region(r.region, in: engine)
            var out = HBaseFlushRegionResponse()
            out.flushed = try engine.flush(region)
            out.lastFlushTime = UInt64(Date().timeIntervalSince1970 * 1000)
            return out
        }
        t.add(HBaseAdminServiceMethod.compactRegion, on: server) { (r: HBaseCompactRegionRequest, engine) in
            let region = try HBaseClientService.region(r.region, in: engine)
            _ = try engine.compact(region, major: r.major, family: r.hasFamily && !r.family.isEmpty ? Array(r.family) : nil)
            return HBaseCompactRegionResponse()
        }
        t.add(HBaseAdminServiceMethod.rollWALWriter, on: server) { (_: HBaseRollWALWriterRequest, engine) in
            try engine.wal.roll()
            return HBaseRollWALWriterResponse()
        }
        return t
    }
}
