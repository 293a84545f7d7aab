import BasaltCore
import BasaltMeta
import BasaltProtocol
import Logging
import Synchronization
import Testing
@testable import BasaltServer

/// The master's recovery procedure, run against a cluster in memory: the master dies after every
/// possible step (after splitting one WAL but before the next, after naming meta's target but before
/// opening it, after opening a region but before recording it, ...), a new master runs the procedure
/// again, and the cluster must end whole: every acknowledged edit replayed, meta and every region of an
/// enabled table open on exactly one live server, half-done enables and disables finished.
@Suite struct ClusterRecoveryTests {
    static let logger = Logger(label: "test.recovery")

    @Test func everyMasterCrashPointEndsInAWholeCluster() async throws {
        let full = try await FakeCluster.scenario().runToEnd()
        #expect(full.changes > 20, "the uninterrupted run makes \(full.changes) changes")
        for crashAfter in 0..<full.changes {
            let cluster = FakeCluster.scenario()
            let first = await cluster.run(budget: crashAfter)
            #expect(first == .crashed, "a master with a budget of \(crashAfter) changes must die half way")
            let final = try await cluster.runToEnd()
            cluster.checkWhole(label: "crash after change \(crashAfter)")
            #expect(final.changes >= 0)
        }
    }

    @Test func repeatedCrashesAtRandomPointsEndInAWholeCluster() async throws {
        var rng = SplitMix64(seed: 0x5eed_0008)
        for round in 0..<200 {
            let cluster = FakeCluster.scenario()
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                _ = await cluster.run(budget: Int.random(in: 0...12, using: &rng))
            }
            _ = try await cluster.runToEnd()
            cluster.checkWhole(label: "round \(round)")
        }
    }

    /// A move of hbase:meta cut short at each step: the znode names the source as not open (before the
    /// close, or after it), or the target as opening (before the open, or after it). Recovery opens meta
    /// on the server the znode names, which is the only one that may hold it.
    @Test(arguments: [(false, true), (false, false), (true, false), (true, true)])
    func aMetaMoveCutShortEndsWithMetaOnOneServer(namesTarget: Bool, openThere: Bool) async throws {
        let cluster = FakeCluster.scenario()
        let source = FakeCluster.s3, target = FakeCluster.s4
        cluster.world.withLock { w in
            let named = namesTarget ? target : source
            w.metaZNode = (named, false)
            if openThere { w.open[named, default: []].insert(RegionInfo.firstMeta.encodedName) }
        }
        _ = try await cluster.runToEnd()
        cluster.checkWhole(label: "znode names \(namesTarget ? "target" : "source"), meta open there: \(openThere)")
        #expect(cluster.world.withLock { $0.metaZNode?.server } == (namesTarget ? target : source))
    }

    /// What `status` lists as in transition: regions mid-transition, and regions recorded open on a
    /// server that is gone; none once recovery is done.
    @Test func regionsInTransitionAreTheOnesNotAtRest() async throws {
        let cluster = FakeCluster.scenario()
        func inTransition() -> [String] {
            cluster.world.withLock { w in
                ClusterRecovery.inTransition(MetaSnapshot(regions: Array(w.rows.values), tableStates: w.tableStates), live: w.live)
                    .map { "\($0.region.table) \($0.state)" }.sorted()
            }
        }
        #expect(inTransition() == ["moving CLOSING", "moving OPENING", "on OPEN", "on OPEN", "on OPEN", "on OPEN"])
        _ = try await cluster.runToEnd()
        #expect(inTransition() == [])
    }

    /// A region server dies while the master recovers (at every step in turn; the one meta goes to, and
    /// the other): the run fails or ends without touching it, and the next run (the watch fires again)
    /// splits its WAL before any of its regions opens elsewhere.
    @Test(arguments: [FakeCluster.s3, FakeCluster.s4])
    func aServerDyingDuringRecoveryIsRecoveredByTheNextRun(dying: ServerName) async throws {
        let full = try await FakeCluster.scenario().runToEnd()
        for dieAfter in 0..<full.changes {
            let cluster = FakeCluster.scenario()
            cluster.killAfter(changes: dieAfter, server: dying)
            _ = try await cluster.runToEnd()
            // Its znode's removal fires the watch once more, whenever in the run it died.
            _ = try await cluster.runToEnd()
            #expect(!cluster.isLive(dying))
            cluster.checkWhole(label: "\(dying) died after change \(dieAfter)")
        }
    }
}

/// The cluster a master recovers: servers with their open regions and unflushed WAL edits, WAL
/// folders, meta's rows and `meta-region-server`. Each master run gets a budget of changes and dies
/// (throws `Crash`) when it is spent; anything the cluster sees go wrong is a violation.
final class FakeCluster: Sendable {
    static let s1 = ServerName(host: "h", port: 1, startCode: 1)
    static let s2 = ServerName(host: "h", port: 2, startCode: 1)
    static let s3 = ServerName(host: "h", port: 3, startCode: 1)
    static let s4 = ServerName(host: "h", port: 4, startCode: 1)

    struct Crash: Error, Equatable {}
    enum RunResult: Equatable { case finished, crashed, failed }

    struct World {
        var live: [ServerName] = []
        var open: [ServerName: Set<String>] = [:]
        /// WAL folder (server name) → whether a split began, and the regions with unflushed edits in it.
        var wals: [String: (splitting: Bool, edits: Set<String>)] = [:]
        /// Regions with split edits waiting to be replayed at their next open.
        var recovered: Set<String> = []
        var metaZNode: (server: ServerName, open: Bool)?
        var rows: [String: MetaRow.Location] = [:]
        var tableStates: [TableName: MetaRow.TableState] = [:]
        var changes = 0
        var budget: Int?
        var killAt: (changes: Int, server: ServerName)?
        var violations: [String] = []
    }

    let world = Mutex(World())

    /// Four servers, meta on s1. Table `on` is enabled over all of them, `going` was being disabled,
    /// `coming` enabled, `moving` has a region whose OPENING on s3 and one whose CLOSING on s4 a
    /// previous master left half done. Then s1 (meta's server) and s2 die.
    static func scenario() -> FakeCluster {
        let c = FakeCluster()
        c.world.withLock { w in
            w.live = [s1, s2, s3, s4]
            func place(_ table: String, _ n: Int, state: MetaRow.TableState, rowState: (Int) -> (RegionState, ServerName?, Bool)) {
                let t = try! TableName(table)
                w.tableStates[t] = state
                for i in 0..<n {
                    let region = RegionInfo(table: t, startKey: i == 0 ? [] : [UInt8(i)], endKey: i == n - 1 ? [] : [UInt8(i + 1)], regionId: 1)
                    let (st, server, isOpen) = rowState(i)
                    w.rows[region.encodedName] = .init(region: region, server: server, state: st, openSeqNum: 1)
                    if isOpen, let server { w.open[server, default: []].insert(region.encodedName) }
                }
            }
            let servers = [s1, s2, s3, s4]
            place("on", 8, state: .enabled) { (.open, servers[$0 % 4], true) }
            place("going", 4, state: .disabling) { $0 < 2 ? (.closed, servers[$0], false) : (.open, servers[$0], true) }
            place("coming", 3, state: .enabling) { $0 == 0 ? (.open, s3, true) : (.closed, servers[$0], false) }
            place("moving", 2, state: .enabled) { $0 == 0 ? (.opening, s3, false) : (.closing, s4, true) }
            w.open[s1, default: []].insert(RegionInfo.firstMeta.encodedName)
            w.metaZNode = (s1, true)
            for s in servers { w.wals[s.description] = (false, w.open[s] ?? []) }
            for s in [s1, s2] {
                w.live.removeAll { $0 == s }
                w.open[s] = nil
            }
        }
        return c
    }

    func isLive(_ s: ServerName) -> Bool { world.withLock { $0.live.contains(s) } }

    func killAfter(changes: Int, server: ServerName) { world.withLock { $0.killAt = (changes, server) } }

    /// One master run with at most `budget` changes.
    func run(budget: Int?) async -> RunResult {
        world.withLock { $0.budget = budget }
        let view = MasterView(cluster: self)
        do {
            _ = try await ClusterRecovery.run(view, logger: ClusterRecoveryTests.logger)
            return .finished
        } catch is Crash {
            return .crashed
        } catch {
            return .failed
        }
    }

    /// Runs masters (as the failover watch and its retries would) until one finishes.
    func runToEnd() async throws -> (changes: Int, runs: Int) {
        let before = world.withLock { $0.changes }
        for attempt in 1...10 where await run(budget: nil) == .finished {
            return (world.withLock { $0.changes } - before, attempt)
        }
        throw ServerError(.io, "recovery did not finish in 10 runs")
    }

    /// Counts a change; a spent budget kills the master first, and a scheduled server death happens.
    func change() throws {
        try world.withLock { w in
            if let budget = w.budget {
                guard budget > 0 else { throw Crash() }
                w.budget = budget - 1
            }
            w.changes += 1
            if let kill = w.killAt, w.changes > kill.changes {
                w.killAt = nil
                w.live.removeAll { $0 == kill.server }
                w.open[kill.server] = nil
            }
        }
    }

    func checkWhole(label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        world.withLock { w in
            #expect(w.violations.isEmpty, "\(label): \(w.violations)", sourceLocation: sourceLocation)
            let live = Set(w.live)
            for folder in w.wals.keys {
                #expect(live.contains(where: { $0.description == folder }), "\(label): the WAL of dead \(folder) is not split", sourceLocation: sourceLocation)
            }
            func holders(_ encoded: String) -> [ServerName] { w.open.filter { $0.value.contains(encoded) }.map(\.key) }
            let meta = RegionInfo.firstMeta.encodedName
            #expect(w.metaZNode?.open == true && w.metaZNode.map { live.contains($0.server) } == true, "\(label): meta znode \(String(describing: w.metaZNode))", sourceLocation: sourceLocation)
            #expect(holders(meta) == w.metaZNode.map { [$0.server] }, "\(label): meta is open on \(holders(meta))", sourceLocation: sourceLocation)
            for (encoded, loc) in w.rows.sorted(by: { $0.key < $1.key }) {
                let state = w.tableStates[loc.region.table]
                if state == .enabled {
                    #expect(loc.state == .open && loc.server.map(live.contains) == true, "\(label): \(loc.region.table) region \(loc.state) on \(String(describing: loc.server))", sourceLocation: sourceLocation)
                    #expect(holders(encoded) == loc.server.map { [$0] }, "\(label): open on \(holders(encoded)), meta says \(String(describing: loc.server))", sourceLocation: sourceLocation)
                    #expect(!w.recovered.contains(encoded), "\(label): recovered edits not replayed", sourceLocation: sourceLocation)
                } else {
                    #expect(state == .disabled && loc.state == .closed && holders(encoded).isEmpty, "\(label): \(loc.region.table) \(String(describing: state)) region \(loc.state) open on \(holders(encoded))", sourceLocation: sourceLocation)
                }
            }
        }
    }

    /// What one master sees: the cluster, through the calls the procedure makes.
    final class MasterView: RecoveryCluster {
        let cluster: FakeCluster
        let meta = Mutex<ServerName?>(nil)

        init(cluster: FakeCluster) { self.cluster = cluster }

        func walFolders() async throws -> [String] {
            cluster.world.withLock { w in w.wals.map { $0.value.splitting ? $0.key + "-splitting" : $0.key } }
        }

        func liveServers() async throws -> [ServerName] { cluster.world.withLock { $0.live } }

        func splitWAL(folder: String) async throws {
            let base = ClusterRecovery.server(ofWALFolder: folder)
            try cluster.change()
            try cluster.world.withLock { w in
                if w.live.contains(where: { $0.description == base }) { w.violations.append("split the WAL of live \(base)") }
                guard w.wals[base] != nil else { throw ServerError(.io, "no WAL folder \(folder)") }
                w.wals[base]?.splitting = true
            }
            try cluster.change()
            cluster.world.withLock { w in
                if let edits = w.wals.removeValue(forKey: base)?.edits { w.recovered.formUnion(edits) }
            }
        }

        func metaLocation() async throws -> (server: ServerName, open: Bool)? { cluster.world.withLock { $0.metaZNode } }

        func publishMetaLocation(_ server: ServerName, open: Bool) async throws {
            try cluster.change()
            cluster.world.withLock { $0.metaZNode = (server, open) }
        }

        func useMeta(on server: ServerName) { meta.withLock { $0 = server } }

        func openRegion(_ region: RegionInfo, on server: ServerName) async throws -> UInt64 {
            try cluster.change()
            let encoded = region.encodedName
            return try cluster.world.withLock { w in
                guard w.live.contains(server) else { throw ServerError(.io, "\(server) refused the connection") }
                for (folder, wal) in w.wals where wal.edits.contains(encoded) && folder != server.description {
                    w.violations.append("\(region.table) region opened on \(server) while the WAL of \(folder) still holds its edits")
                }
                for (other, regions) in w.open where other != server && regions.contains(encoded) {
                    w.violations.append("\(region.table) region opened on \(server) while open on \(other)")
                }
                w.open[server, default: []].insert(encoded)
                w.recovered.remove(encoded)
                w.wals[server.description]?.edits.insert(encoded)  // it takes writes from now on
                return 7
            }
        }

        func closeRegion(_ region: RegionInfo, on server: ServerName) async throws {
            try cluster.change()
            try cluster.world.withLock { w in
                guard w.live.contains(server) else { throw ServerError(.io, "\(server) refused the connection") }
                w.open[server]?.remove(region.encodedName)
                w.wals[server.description]?.edits.remove(region.encodedName)  // flushed on close
            }
        }

        /// Meta answers only on the server this master uses, if meta is open there.
        func metaServer(_ w: World) throws {
            guard let m = meta.withLock({ $0 }), w.live.contains(m), w.open[m]?.contains(RegionInfo.firstMeta.encodedName) == true else {
                throw ServerError(.notServingRegion, "meta is not served where this master looks")
            }
        }

        func readMeta() async throws -> MetaSnapshot {
            try cluster.world.withLock { w in
                try metaServer(w)
                return MetaSnapshot(regions: w.rows.values.sorted { $0.region.encodedName < $1.region.encodedName }, tableStates: w.tableStates)
            }
        }

        func recordInMeta(_ location: MetaRow.Location) async throws {
            try cluster.change()
            try cluster.world.withLock { w in
                try metaServer(w)
                w.rows[location.region.encodedName] = location
            }
        }

        func recordTableState(_ table: TableName, _ state: MetaRow.TableState) async throws {
            try cluster.change()
            try cluster.world.withLock { w in
                try metaServer(w)
                w.tableStates[table] = state
            }
        }

        func finishSplitsAndMerges() async throws {
            try cluster.world.withLock { try metaServer($0) }
        }
    }
}
