import BasaltCore
import BasaltMeta
import BasaltProtocol
import Logging

/// What meta records: every region row (with its location and state) and every table's state.
struct MetaSnapshot: Sendable {
    var regions: [MetaRow.Location] = []
    var tableStates: [TableName: MetaRow.TableState] = [:]
}

/// Everything the recovery procedure reads and changes. The master's implementation
/// (`MasterRecoveryCluster`) does the I/O: ZooKeeper, the root folder, calls to region servers. The
/// tests give the procedure an in-memory cluster that can stop the master after any step, so every
/// crash point is tried without I/O.
protocol RecoveryCluster: Sendable {
    /// Folder names under `WALs/`: a server name, or a server name with `-splitting` (a split cut short).
    func walFolders() async throws -> [String]
    func liveServers() async throws -> [ServerName]
    /// Splits one folder into per-region recovered edits and archives it. Safe to repeat.
    func splitWAL(folder: String) async throws
    /// What `meta-region-server` says: the server, and whether meta is open there or still opening.
    func metaLocation() async throws -> (server: ServerName, open: Bool)?
    func publishMetaLocation(_ server: ServerName, open: Bool) async throws
    /// From now on this master reads and writes meta on `server` (no cluster change).
    func useMeta(on server: ServerName)
    /// Opens a region on a server; opening a region the server already holds is not an error.
    func openRegion(_ region: RegionInfo, on server: ServerName) async throws -> UInt64
    /// Closes a region with a flush; a region the server does not hold is closed already.
    func closeRegion(_ region: RegionInfo, on server: ServerName) async throws
    func readMeta() async throws -> MetaSnapshot
    func recordInMeta(_ location: MetaRow.Location) async throws
    func recordTableState(_ table: TableName, _ state: MetaRow.TableState) async throws
    /// Rolls back or finishes split and merge procedures recorded in meta.
    func finishSplitsAndMerges() async throws
}

/// The procedure a master runs when it becomes active and whenever a region server goes. Each step
/// leaves the cluster in a state the same procedure can start from again, so a master that dies at any
/// point is replaced by one that simply runs it again:
///
/// 1. split the WAL of every server that left a WAL folder and is not live (before any of its regions
///    opens elsewhere, or its unflushed edits would be lost);
/// 2. put `hbase:meta` on a live server: `meta-region-server` names the target as *opening* before the
///    open, so a master that dies in between is followed by one that opens it on the same server;
/// 3. roll back or finish splits and merges;
/// 4. open every region of an enabled table that is not open on a live server, recording OPENING with
///    the target before the open (an interrupted open is retried on the same server, never on a second
///    one); finish a half-done disable; closing regions (CLOSING on a live server) are closed first.
enum ClusterRecovery {
    struct Outcome: Sendable, Equatable {
        /// The servers whose WAL it split: dead ones.
        var deadServers: [String] = []
        var metaReopened = false
        var regionsOpened = 0
    }

    static let splittingSuffix = "-splitting"

    /// The server a WAL folder belongs to.
    static func server(ofWALFolder name: String) -> String {
        name.hasSuffix(splittingSuffix) ? String(name.dropLast(splittingSuffix.count)) : name
    }

    static func run(_ cluster: some RecoveryCluster, logger: Logger) async throws -> Outcome {
        var outcome = Outcome()
        // Folders are listed before live servers: a region server registers before it makes its WAL
        // folder, so a folder whose server is missing from the later listing belongs to a dead server.
        // The same listing serves every step: a server that dies meanwhile is left to the next run, so
        // none of its regions opens elsewhere before its WAL is split.
        let folders = try await cluster.walFolders()
        let live = try await cluster.liveServers()
        guard !live.isEmpty else { throw ServerError(.pleaseHoldOn, "no live region server to recover regions on") }
        let liveNames = Set(live.map(\.description))
        for folder in folders.sorted() where !liveNames.contains(server(ofWALFolder: folder)) {
            try await cluster.splitWAL(folder: folder)
            outcome.deadServers.append(server(ofWALFolder: folder))
        }
        outcome.metaReopened = try await placeMeta(cluster, live: live, logger: logger)
        try await cluster.finishSplitsAndMerges()
        outcome.regionsOpened = try await placeRegions(cluster, live: live, logger: logger)
        return outcome
    }

    /// Keeps meta where it is open on a live server; otherwise opens it (on the server an interrupted
    /// opening named, when that one is live). Returns whether it opened meta.
    static func placeMeta(_ cluster: some RecoveryCluster, live: [ServerName], logger: Logger) async throws -> Bool {
        let current = try await cluster.metaLocation()
        if let current, current.open, live.contains(current.server) {
            cluster.useMeta(on: current.server)
            return false
        }
        let target = try current.flatMap { live.contains($0.server) ? $0.server : nil } ?? leastLoaded(live, [:])
        try await cluster.publishMetaLocation(target, open: false)
        _ = try await cluster.openRegion(.firstMeta, on: target)
        try await cluster.publishMetaLocation(target, open: true)
        cluster.useMeta(on: target)
        logger.info("meta online", metadata: ["server": "\(target)"])
        return true
    }

    /// Opens what should be open and closes what should be closed. Returns how many regions it opened.
    static func placeRegions(_ cluster: some RecoveryCluster, live: [ServerName], logger: Logger) async throws -> Int {
        let meta = try await cluster.readMeta()
        var byTable: [TableName: [MetaRow.Location]] = [:]
        for loc in meta.regions where !(loc.split && loc.offline) { byTable[loc.region.table, default: []].append(loc) }
        var loads = openCounts(meta, live: live)
        var opened = 0
        for (table, state) in meta.tableStates.sorted(by: { $0.key < $1.key }) {
            let locations = byTable[table] ?? []
            switch state {
            case .enabled, .enabling:
                let stranded = locations.filter { loc in loc.state != .open || loc.server.map { live.contains($0) } != true }
                if !stranded.isEmpty { logger.info("opening regions", metadata: ["table": "\(table)", "regions": "\(stranded.count)"]) }
                // Targets are chosen one by one (each pick counts toward the next), then the regions open
                // all at once: each open replays its region's edits and records itself in meta, on its own.
                var plan: [(RegionInfo, ServerName)] = []
                for loc in stranded {
                    let server = loc.server.flatMap { live.contains($0) ? $0 : nil }
                    if loc.state == .closing, let server { try await cluster.closeRegion(loc.region, on: server) }
                    let target = try (loc.state == .opening ? server : nil) ?? leastLoaded(live, loads)
                    plan.append((loc.region, target))
                    loads[target, default: 0] += 1
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (i, (region, target)) in plan.enumerated() {
                        if i >= Self.parallelOpens { try await group.next() }
                        group.addTask { try await open(region, on: target, in: cluster) }
                    }
                    try await group.waitForAll()
                }
                opened += plan.count
                if state == .enabling { try await cluster.recordTableState(table, .enabled) }
            case .disabling:
                for loc in locations where loc.state != .closed {
                    if let server = loc.server, live.contains(server) { try await cluster.closeRegion(loc.region, on: server) }
                    try await cluster.recordInMeta(.init(region: loc.region, server: loc.server, state: .closed, openSeqNum: loc.openSeqNum))
                }
                try await cluster.recordTableState(table, .disabled)
            case .disabled:
                break
            }
        }
        return opened
    }

    /// Opens a region on `target` as one recorded transition: OPENING (with the target) → open → OPEN.
    /// How many regions one recovery opens at once.
    static let parallelOpens = 16

    static func open(_ region: RegionInfo, on target: ServerName, in cluster: some RecoveryCluster) async throws {
        try await cluster.recordInMeta(.init(region: region, server: target, state: .opening))
        let seq = try await cluster.openRegion(region, on: target)
        try await cluster.recordInMeta(.init(region: region, server: target, state: .open, openSeqNum: Int64(seq)))
    }

    /// Regions on their way somewhere: in a transition (OPENING, CLOSING, SPLITTING, MERGING, ...), or
    /// recorded OPEN on a server that is no longer live. Split parents and closed regions are at rest.
    static func inTransition(_ meta: MetaSnapshot, live: [ServerName]) -> [MetaRow.Location] {
        meta.regions.filter { loc in
            if loc.split && loc.offline { return false }
            switch loc.state {
            case .closed: return false
            case .open: return loc.server.map { !live.contains($0) } ?? true
            default: return true
            }
        }
    }

    /// Open regions per live server, from meta.
    static func openCounts(_ meta: MetaSnapshot, live: [ServerName]) -> [ServerName: Int] {
        var loads: [ServerName: Int] = [:]
        for s in live { loads[s] = 0 }
        for loc in meta.regions where loc.state == .open {
            if let s = loc.server, loads[s] != nil { loads[s, default: 0] += 1 }
        }
        return loads
    }

    /// The live server holding the fewest regions (by name on a tie).
    static func leastLoaded(_ live: [ServerName], _ loads: [ServerName: Int]) throws -> ServerName {
        guard let pick = live.min(by: { (loads[$0] ?? 0, $0.description) < (loads[$1] ?? 0, $1.description) }) else {
            throw ServerError(.pleaseHoldOn, "no live region server to assign to")
        }
        return pick
    }
}
