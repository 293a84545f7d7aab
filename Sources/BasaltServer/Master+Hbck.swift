import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// hbck2's fix-ups, as HBase's master offers them to an operator: assign a region that is open nowhere
/// (or on a server meta does not name, or on two), and unassign one (close it wherever it is open and
/// record it CLOSED in meta). Each runs as one procedure and is counted.
extension Master {
    /// Opens the region on exactly one live server: a server already holding it as meta says keeps it;
    /// otherwise every copy is closed and it opens on the least loaded live server.
    public func assignRegion(encodedName: String) async throws {
        try await counted(.assign) {
            let loc = try await hbckTarget(encodedName)
            let live = try await liveServers()
            let holders = await holders(of: loc.region, live)
            if loc.state == .open, let server = loc.server, holders == [server] { return }
            for h in holders { try await closeRegion(loc.region, on: h) }
            let descriptor = try readDescriptor(loc.region.table)
            let target = try ClusterRecovery.leastLoaded(live, try await serverLoads(live))
            try await open(loc.region, descriptor: descriptor, on: target)
            logger.info("assigned region (hbck)", metadata: ["region": "\(encodedName)", "server": "\(target)", "closed copies": "\(holders.count)"])
        }
    }

    /// Closes the region on every live server that holds it and records it CLOSED in meta.
    public func unassignRegion(encodedName: String) async throws {
        try await counted(.unassign) {
            let loc = try await hbckTarget(encodedName)
            let live = try await liveServers()
            for h in await holders(of: loc.region, live) { try await closeRegion(loc.region, on: h) }
            try await writeMeta([try MetaRow.put(.init(region: loc.region, server: nil, state: .closed, openSeqNum: loc.openSeqNum))])
            logger.info("unassigned region (hbck)", metadata: ["region": "\(encodedName)"])
        }
    }

    /// The region an hbck fix-up names: in meta, not hbase:meta itself, not a split parent.
    func hbckTarget(_ encodedName: String) async throws -> MetaRow.Location {
        guard encodedName != RegionInfo.firstMeta.encodedName else {
            throw ServerError(.invalidArgument, "hbase:meta is assigned by the master itself; use move to place it")
        }
        guard let loc = try await findRegion(encodedName: encodedName) else {
            throw ServerError(.invalidArgument, "no region with encoded name \(encodedName) in hbase:meta")
        }
        guard !(loc.split && loc.offline) else {
            throw ServerError(.invalidArgument, "region \(encodedName) is a split parent; its daughters serve its rows")
        }
        return loc
    }

    /// The live servers that report the region open, whatever meta says.
    func holders(of region: RegionInfo, _ live: [ServerName]) async -> [ServerName] {
        await regionReports(live).compactMap { server, loads in
            loads.contains { (try? $0.region.toRegionInfo())?.encodedName == region.encodedName } ? server : nil
        }.sorted { $0.description < $1.description }
    }
}
