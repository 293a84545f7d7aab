import BasaltCore
import BasaltProtocol
import BasaltStorage
import Foundation

/// Where regions go: assignment, moves, balancing, and recovering what a previous master or a dead
/// region server left behind.
extension Master {
    /// The open regions of each live server, from meta (meta itself included).
    func regionsByServer(_ live: [ServerName]) async throws -> [ServerName: [RegionInfo]] {
        var out: [ServerName: [RegionInfo]] = [:]
        for s in live { out[s] = [] }
        if let m = metaServer, out[m] != nil { out[m, default: []].append(.firstMeta) }
        for row in try await scanMeta(start: [], stop: []) {
            guard let loc = try MetaRow.parse(row), loc.state == "OPEN", let s = loc.server, out[s] != nil else { continue }
            out[s, default: []].append(loc.region)
        }
        return out
    }

    /// Regions per live server, from meta.
    func serverLoads(_ live: [ServerName]) async throws -> [ServerName: Int] {
        try await regionsByServer(live).mapValues(\.count)
    }

    /// Opens each region on the live server with the fewest regions, and records where in meta.
    func assign(_ regions: [RegionInfo], descriptor: TableDescriptor) async throws {
        try await assign(regions.map { ($0, nil) }, descriptor: descriptor)
    }

    /// Opens each region on its preferred server when given (and alive), else on the least loaded one.
    func assign(_ regions: [(RegionInfo, ServerName?)], descriptor: TableDescriptor) async throws {
        guard !regions.isEmpty else { return }
        let live = try await waitForRegionServers()
        var loads = try await serverLoads(live)
        for (region, preferred) in regions {
            let target = try preferred.flatMap { live.contains($0) ? $0 : nil } ?? Self.leastLoaded(live, loads)
            let seq = try await openRegion(region, descriptor: descriptor, on: target)
            try await writeMeta([try MetaRow.put(.init(region: region, server: target, state: "OPEN", openSeqNum: Int64(seq)))])
            loads[target, default: 0] += 1
        }
    }

    /// Asks a server to flush and close a region. A server that cannot be reached holds nothing, and a
    /// region the server does not hold is closed already; with `confirmed`, both are errors instead (a
    /// split or merge must know every edit is in the region's files).
    func closeRegion(_ region: RegionInfo, on server: ServerName, confirmed: Bool = false) async throws {
        var request = Basalt_CloseRegionRequest()
        request.region.regionName = Data(region.regionName)
        request.flush = true
        do {
            _ = try await connections.admin(server).closeRegion(request)
        } catch {
            if ServerError.code(of: error) == ServerError.Kind.notServingRegion.rawValue {
                if confirmed { throw ServerError(.pleaseHoldOn, "\(server) does not hold \(region.regionNameAsString); it cannot be closed with a flush") }
                return
            }
            if confirmed { throw ServerError(.io, "closing \(region.regionNameAsString) on \(server) failed: \(error)") }
            let live = (try? await liveServers()) ?? []
            guard live.contains(server) else {
                logger.warning("closing a region on a server that is gone", metadata: ["region": "\(region.encodedName)", "server": "\(server)"])
                return
            }
            throw ServerError(.io, "closing \(region.regionNameAsString) on \(server) failed: \(error)")
        }
    }

    /// Splits the WAL of every server that left a WAL folder but is no longer registered, so its edits
    /// come back when its regions reopen. The folders are listed before the live servers: a region
    /// server registers before it creates its WAL folder, so a folder whose server is missing from the
    /// later list belongs to a dead server.
    func splitDeadServerWALs(live: [ServerName]) async throws {
        let walsRoot = "\(configuration.root)/WALs"
        let folders = (try? FileManager.default.contentsOfDirectory(atPath: walsRoot)) ?? []
        guard !folders.isEmpty else { return }
        let liveNow = Set(try await liveServers().map(\.description))
        let dead = folders.filter { name in
            let server = name.hasSuffix("-splitting") ? String(name.dropLast("-splitting".count)) : name
            return !liveNow.contains(server)
        }
        let root = configuration.root
        let logger = self.logger
        for name in dead {
            try await Task.detached {
                _ = try WALSplitter.split(fileSystem: POSIXFileSystem(), root: root, serverDirectory: name, logger: logger)
            }.value
        }
    }

    /// After meta is online: every region of an enabled (or enabling) table that is not open on a live
    /// server is assigned; a half-done disable is finished; table states end where they were heading.
    /// Returns how many regions it reassigned.
    @discardableResult
    func resumeAssignments() async throws -> Int {
        var reassigned = 0
        let live = try await liveServers()
        var byTable: [TableName: [MetaRow.Location]] = [:]
        var states: [TableName: MetaRow.TableState] = [:]
        for row in try await scanMeta(start: [], stop: []) {
            if !row.row.contains(UInt8(ascii: ",")) {
                if let t = try? TableName(String(decoding: row.row, as: UTF8.self)), let s = try MetaRow.parseTableState(row) { states[t] = s }
            } else if let loc = try MetaRow.parse(row), !(loc.split && loc.offline) {
                byTable[loc.region.table, default: []].append(loc)
            }
        }
        for (table, state) in states.sorted(by: { $0.key < $1.key }) {
            let locations = byTable[table] ?? []
            switch state {
            case .enabled, .enabling:
                let stale = locations.filter { loc in loc.state != "OPEN" || loc.server.map { !live.contains($0) } ?? true }
                if !stale.isEmpty {
                    logger.info("reassigning regions", metadata: ["table": "\(table)", "regions": "\(stale.count)"])
                    try await assign(stale.map { ($0.region, nil) }, descriptor: try readDescriptor(table))
                    reassigned += stale.count
                }
                if state == .enabling { try await writeMeta([MetaRow.tableStatePut(table, .enabled)]) }
            case .disabling:
                try await closeAll(table)
                try await writeMeta([MetaRow.tableStatePut(table, .disabled)])
            case .disabled:
                break
            }
        }
        return reassigned
    }

    /// Moves a region (by encoded name) to `destination`, or to the least loaded other live server.
    public func moveRegion(encodedName: String, to destination: ServerName?) async throws {
        try await procedures.withLock {
            let live = try await liveServers()
            guard let loc = try await findRegion(encodedName: encodedName) else {
                throw ServerError(.invalidArgument, "no region with encoded name \(encodedName)")
            }
            guard loc.region.table != .meta else { throw ServerError(.invalidArgument, "moving hbase:meta is not supported") }
            guard loc.state == "OPEN" else { throw ServerError(.pleaseHoldOn, "region \(encodedName) is \(loc.state), not open") }
            let others = live.filter { $0 != loc.server }
            let target: ServerName
            if let destination {
                guard let match = live.first(where: { $0 == destination || ($0.hostAndPort == destination.hostAndPort && destination.startCode == 0) }) else {
                    throw ServerError(.invalidArgument, "\(destination) is not a live region server")
                }
                target = match
            } else {
                target = try Self.leastLoaded(others, try await serverLoads(others))
            }
            guard target != loc.server else { return }
            try await relocate(loc, to: target)
        }
    }

    /// Closes a region where it is and opens it on `target`, recording each step in meta.
    func relocate(_ loc: MetaRow.Location, to target: ServerName) async throws {
        let descriptor = try readDescriptor(loc.region.table)
        if let source = loc.server { try await closeRegion(loc.region, on: source) }
        try await writeMeta([try MetaRow.put(.init(region: loc.region, server: loc.server, state: "CLOSED", openSeqNum: loc.openSeqNum))])
        let seq = try await openRegion(loc.region, descriptor: descriptor, on: target)
        try await writeMeta([try MetaRow.put(.init(region: loc.region, server: target, state: "OPEN", openSeqNum: Int64(seq)))])
        logger.info("moved region", metadata: ["region": "\(loc.region.encodedName)", "from": "\(loc.server.map { "\($0)" } ?? "-")", "to": "\(target)"])
    }

    /// Evens out region counts: moves regions from the most to the least loaded live server until they
    /// differ by at most one. Returns how many moved.
    public func balance() async throws -> Int {
        try await procedures.withLock {
            let live = try await liveServers()
            guard live.count > 1 else { return 0 }
            var loads = try await serverLoads(live)
            var movable: [ServerName: [MetaRow.Location]] = [:]
            for row in try await scanMeta(start: [], stop: []) {
                guard let loc = try MetaRow.parse(row), loc.state == "OPEN", let s = loc.server, live.contains(s) else { continue }
                movable[s, default: []].append(loc)
            }
            var moved = 0
            while true {
                guard let most = live.max(by: { (loads[$0] ?? 0) < (loads[$1] ?? 0) }), let least = live.min(by: { (loads[$0] ?? 0) < (loads[$1] ?? 0) }),
                      (loads[most] ?? 0) - (loads[least] ?? 0) > 1, let loc = movable[most]?.popLast() else { break }
                try await relocate(loc, to: least)
                loads[most, default: 0] -= 1
                loads[least, default: 0] += 1
                moved += 1
            }
            return moved
        }
    }

    /// The meta row of a region, by encoded name.
    func findRegion(encodedName: String) async throws -> MetaRow.Location? {
        for row in try await scanMeta(start: [], stop: []) {
            if let loc = try MetaRow.parse(row), loc.region.encodedName == encodedName { return loc }
        }
        return nil
    }
}
