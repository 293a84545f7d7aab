import BasaltCore
import BasaltMeta
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
            guard let loc = try MetaRow.parse(row), loc.state == .open, let s = loc.server, out[s] != nil else { continue }
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
            let target = try preferred.flatMap { live.contains($0) ? $0 : nil } ?? ClusterRecovery.leastLoaded(live, loads)
            try await open(region, descriptor: descriptor, on: target)
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

    /// Moves a region (by encoded name) to `destination`, or to the least loaded other live server.
    public func moveRegion(encodedName: String, to destination: ServerName?) async throws {
        try await counted(.move) {
            let live = try await liveServers()
            if encodedName == RegionInfo.firstMeta.encodedName {
                try await moveMeta(to: destination.map { try liveServer(matching: $0, in: live) }, live: live)
                return
            }
            guard let loc = try await findRegion(encodedName: encodedName) else {
                throw ServerError(.invalidArgument, "no region with encoded name \(encodedName)")
            }
            guard loc.state == .open else { throw ServerError(.pleaseHoldOn, "region \(encodedName) is \(loc.state), not open") }
            let others = live.filter { $0 != loc.server }
            let target: ServerName
            if let destination {
                target = try liveServer(matching: destination, in: live)
            } else {
                target = try ClusterRecovery.leastLoaded(others, try await serverLoads(others))
            }
            guard target != loc.server else { return }
            try await relocate(loc, to: target)
        }
    }

    /// The live server a destination names (a start code of 0 matches any).
    func liveServer(matching destination: ServerName, in live: [ServerName]) throws -> ServerName {
        guard let match = live.first(where: { $0 == destination || ($0.hostAndPort == destination.hostAndPort && destination.startCode == 0) }) else {
            throw ServerError(.invalidArgument, "\(destination) is not a live region server")
        }
        return match
    }

    /// Moves `hbase:meta` to `destination`, or to the least loaded other live server. Each step is in
    /// `meta-region-server` first: not open (still naming the source) before the close, the target as
    /// opening before the open, open after it. A master that dies half way is followed by recovery
    /// opening meta on the one server the znode names, the only one that can hold it.
    func moveMeta(to destination: ServerName?, live: [ServerName]) async throws {
        guard let source = metaServer else { throw ServerError(.pleaseHoldOn, "meta is not online yet") }
        let others = live.filter { $0 != source }
        let target: ServerName
        if let destination {
            target = destination
        } else {
            target = try ClusterRecovery.leastLoaded(others, try await serverLoads(others))
        }
        guard target != source else { return }
        let cluster = MasterRecoveryCluster(master: self)
        try await cluster.publishMetaLocation(source, open: false)
        do {
            try await closeRegion(.firstMeta, on: source, confirmed: true)
        } catch {
            try? await cluster.publishMetaLocation(source, open: true)
            throw error
        }
        try await cluster.publishMetaLocation(target, open: false)
        _ = try await cluster.openRegion(.firstMeta, on: target)
        try await cluster.publishMetaLocation(target, open: true)
        cluster.useMeta(on: target)
        logger.info("moved hbase:meta", metadata: ["from": "\(source)", "to": "\(target)"])
    }

    /// Closes a region where it is and opens it on `target`, recording each step in meta (CLOSING with
    /// the source, then OPENING and OPEN with the target), so a master that dies half way is followed
    /// by one that closes it again or opens it on the same target, never on two servers.
    func relocate(_ loc: MetaRow.Location, to target: ServerName) async throws {
        let descriptor = try readDescriptor(loc.region.table)
        if let source = loc.server {
            try await writeMeta([try MetaRow.put(.init(region: loc.region, server: source, state: .closing, openSeqNum: loc.openSeqNum))])
            try await closeRegion(loc.region, on: source)
        }
        try await open(loc.region, descriptor: descriptor, on: target)
        logger.info("moved region", metadata: ["region": "\(loc.region.encodedName)", "from": "\(loc.server.map { "\($0)" } ?? "-")", "to": "\(target)"])
    }

    /// Opens a region on `target` as one recorded transition (`ClusterRecovery.open`).
    func open(_ region: RegionInfo, descriptor: TableDescriptor, on target: ServerName) async throws {
        try await ClusterRecovery.open(region, on: target, in: MasterRecoveryCluster(master: self, descriptor: descriptor))
    }

    /// Evens out region counts: moves regions from the most to the least loaded live server until they
    /// differ by at most one. Returns how many moved.
    public func balance(dryRun: Bool = false) async throws -> Int {
        try await procedures.withLock {
            let live = try await liveServers()
            guard live.count > 1 else { return 0 }
            var loads = try await serverLoads(live)
            var movable: [ServerName: [MetaRow.Location]] = [:]
            for row in try await scanMeta(start: [], stop: []) {
                guard let loc = try MetaRow.parse(row), loc.state == .open, let s = loc.server, live.contains(s) else { continue }
                movable[s, default: []].append(loc)
            }
            var moved = 0
            while true {
                guard let most = live.max(by: { (loads[$0] ?? 0) < (loads[$1] ?? 0) }), let least = live.min(by: { (loads[$0] ?? 0) < (loads[$1] ?? 0) }),
                      (loads[most] ?? 0) - (loads[least] ?? 0) > 1, let loc = movable[most]?.popLast() else { break }
                if !dryRun { try await relocate(loc, to: least) }
                loads[most, default: 0] -= 1
                loads[least, default: 0] += 1
                moved += 1
            }
            if !dryRun {
                state.withLock {
                    $0.operations.balancerRuns += 1
                    $0.operations.regionsMoved += moved
                }
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
