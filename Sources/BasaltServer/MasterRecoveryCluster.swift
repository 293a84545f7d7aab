import BasaltCore
import BasaltMeta
import BasaltProtocol
import BasaltStorage
import Foundation

/// `ClusterRecovery` on a real cluster: the `WALs/` folder under the root, the `rs/` znodes,
/// `meta-region-server`, meta itself and the region servers' admin calls.
struct MasterRecoveryCluster: RecoveryCluster {
    let master: Master
    /// The descriptor regions open with, when the caller has it at hand; else it is read per region.
    var descriptor: TableDescriptor?

    func walFolders() async throws -> [String] {
        try master.fileSystem.list(joinPath(master.configuration.root, "WALs"))
    }

    func liveServers() async throws -> [ServerName] { try await master.liveServers() }

    /// Takes the folder (with its lock), then hands its files out to the live region servers, one call
    /// per file, all at once; a file whose server fails is split here instead.
    func splitWAL(folder: String) async throws {
        let root = master.configuration.root
        let logger = master.logger
        let fs = master.fileSystem
        await master.fence(deadServer: ClusterRecovery.server(ofWALFolder: folder))
        let (splitting, files) = try await Task.detached {
            try WALSplitter.prepare(fileSystem: fs, root: root, serverDirectory: folder)
        }.value
        let live = try await master.liveServers()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, file) in files.enumerated() {
                let server = live.isEmpty ? nil : live[i % live.count]
                group.addTask { try await splitFile(file, in: splitting, unsyncedTail: i == files.count - 1, on: server) }
            }
            try await group.waitForAll()
        }
        try await Task.detached { try WALSplitter.finish(fileSystem: fs, root: root, folder: splitting) }.value
        logger.info("split WAL", metadata: [
            "folder": "\(splitting)", "files": "\(files.count)", "servers": "\(min(files.count, live.count))",
            "ms": "\((ContinuousClock.now - started).inMilliseconds)",
        ])
    }

    /// `unsyncedTail`: the folder's newest file (see `WALReader`).
    private func splitFile(_ file: String, in folder: String, unsyncedTail: Bool, on server: ServerName?) async throws {
        if let server {
            var request = Basalt_SplitWALRequest()
            request.folder = folder
            request.file = file
            request.unsyncedTail = unsyncedTail
            do {
                _ = try await master.connections.admin(server).splitWAL(request)
                return
            } catch {
                master.logger.warning("a region server could not split a WAL file; splitting it here", metadata: [
                    "server": "\(server)", "file": "\(file)", "error": "\(error)",
                ])
            }
        }
        let root = master.configuration.root
        let logger = master.logger
        let fs = master.fileSystem
        try await Task.detached {
            _ = try WALSplitter.splitFile(fileSystem: fs, root: root, folder: folder, file: file, unsyncedTail: unsyncedTail, logger: logger)
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
        let descriptor = try self.descriptor.flatMap { $0.name == region.table ? $0 : nil } ?? master.readDescriptor(region.table)
        return try await master.openRegion(region, descriptor: descriptor, on: server)
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
