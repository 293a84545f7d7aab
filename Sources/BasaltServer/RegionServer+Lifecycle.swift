import BasaltCoordination
import BasaltCore
import BasaltProtocol
import Foundation
import Logging

/// A distributed region server leaving gracefully: its regions are moved to other servers before it
/// stops, so clients see moves rather than a WAL split.
extension RegionServer {
    /// Asks the active master to move every region this server holds to another live server, one at a
    /// time (each move flushes and closes the region here and opens it there), `hbase:meta` last so the
    /// other moves can still record themselves. Regions that cannot be moved (no other server, no
    /// master) stay and are flushed by the stop that follows.
    public func decommission() async {
        guard let engine, serverName != nil else { return }
        let regions = engine.onlineRegions.map(\.info).sorted { a, b in
            (a.table == .meta ? 1 : 0, a.regionNameAsString) < (b.table == .meta ? 1 : 0, b.regionNameAsString)
        }
        guard !regions.isEmpty else { return }
        logger.info("moving regions away before stopping", metadata: ["regions": "\(regions.count)"])
        for region in regions {
            do {
                var request = Basalt_MoveRegionRequest()
                request.encodedRegionName = Data(region.encodedName.utf8)
                _ = try await connections.master(try await activeMaster()).moveRegion(request)
            } catch {
                logger.warning("region not moved; it closes with this server", metadata: ["region": "\(region.encodedName)", "error": "\(error)"])
            }
        }
    }
}
