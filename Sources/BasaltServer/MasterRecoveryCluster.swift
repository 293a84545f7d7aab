import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation

/// `ClusterRecovery` on a real cluster: the `WALs/` folder under the root, the `rs/` znodes,
/// `meta-region-server`, meta itself and the region servers' admin calls.
struct MasterRecoveryCluster: RecoveryCluster {
    let master: Master

    func walFolders() async throws -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: "\(master.configuration.root)/WALs")) ?? []
    }

    func liveServers() async throws -> [ServerName] { try await master.liveServers() }

    func splitWAL(folder: String) async throws {
        let root = master.configuration.root
        let logger = master.logger
        try await Task.detached {
            _ = try WALSplitter.split(fileSystem: POSIXFileSystem(), root: root, serverDirectory: folder, logger: logger)
        }.value
    }

    func metaLocation() async throws -> (server: ServerName, open: Bool)? {
        let c = master.coordination
        guard let node = try await c.read(c.layout.metaRegionServer) else { return nil }
        guard let (server, open) = try? PBUFCodec.metaLocation(from: node.data) else { return nil }
        return (server, open)
    }

    func publishMetaLocation(_ server: ServerName, open: Bool) async throws {
        let c = master.coordination
        let id = "master:\(master.serverName?.port ?? 0)"
        try await c.write(c.layout.metaRegionServer, data: try PBUFCodec.metaRegionServer(server, id: id, open: open), expectedVersion: nil)
    }

    func useMeta(on server: ServerName) { master.state.withLock { $0.metaServer = server } }

    func openRegion(_ region: RegionInfo, on server: ServerName) async throws -> UInt64 {
        try await master.openRegion(region, descriptor: try master.readDescriptor(region.table), on: server)
    }

    func closeRegion(_ region: RegionInfo, on server: ServerName) async throws {
        try await master.closeRegion(region, on: server)
    }

    func readMeta() async throws -> MetaSnapshot {
        var snapshot = MetaSnapshot()
        for row in try await master.scanMeta(start: [], stop: []) {
            if !row.row.contains(UInt8(ascii: ",")) {
                if let t = try? TableName(String(decoding: row.row, as: UTF8.self)), let s = try MetaRow.parseTableState(row) { snapshot.tableStates[t] = s }
            } else if let loc = try MetaRow.parse(row) {
                snapshot.regions.append(loc)
            }
        }
        return snapshot
    }

    func recordInMeta(_ location: MetaRow.Location) async throws { try await master.writeMeta([try MetaRow.put(location)]) }

    func recordTableState(_ table: TableName, _ state: MetaRow.TableState) async throws {
        try await master.writeMeta([MetaRow.tableStatePut(table, state)])
    }

    func finishSplitsAndMerges() async throws { try await master.recoverSplitsAndMerges() }
}
