import BasaltClient
import BasaltCoordination
import BasaltCore
import BasaltProtocol
import BasaltStorage
import BasaltTestSupport
import Foundation
import Testing

/// Distributed mode with real processes: Apache ZooKeeper, two `basalt master`s and three
/// `basalt regionserver`s sharing one root folder, under a SYNC_WAL load through BufferedMutator that logs
/// each acknowledged key. Region servers (the busiest, then meta's) and the active master are killed
/// with SIGKILL; the load carries on, the backup master takes over, and every acknowledged row reads back,
/// none twice.
@Suite(.serialized) struct DistributedClusterTests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    /// A child process whose output goes to files (a pipe nobody drains would stall a chatty server).
    struct Child {
        let process: Process
        let stdout: String

        func firstLine() -> String {
            (try? String(contentsOfFile: stdout, encoding: .utf8))?.split(separator: "\n").first.map(String.init) ?? ""
        }

        func kill9() {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    func launch(_ arguments: [String], name: String, in dir: String) throws -> Child {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: basalt.binary)
        p.arguments = arguments
        let out = "\(dir)/\(name).out", err = "\(dir)/\(name).log"
        FileManager.default.createFile(atPath: out, contents: nil)
        FileManager.default.createFile(atPath: err, contents: nil)
        p.standardOutput = FileHandle(forWritingAtPath: out)
        p.standardError = FileHandle(forWritingAtPath: err)
        try p.run()
        return Child(process: p, stdout: out)
    }

    func lines(_ path: String) -> [Substring] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    /// Starts a SYNC_WAL `bench load` (2 tasks) into a new pre-split table, logging acknowledged keys to
    /// `acks`, and waits until it is under way.
    func startLoad(table: String, regions: Int, quorum: String, acks: String, in dir: String) async throws -> Child {
        let load = try launch(["bench", "load", "-D", quorum, "-D", "zookeeper.session.timeout=3000", "--table", table, "--regions", "\(regions)",
                               "--rows", "50000000", "--threads", "2", "--durability", "SYNC_WAL", "--ack-log", acks], name: "load", in: dir)
        #expect(await pollUntil(60) { lines(acks).count > 2000 } != nil, "the load never got going")
        return load
    }

    /// Stops the load, then checks that every key it acknowledged is in a full scan and that no row
    /// appears twice.
    func stopLoadAndCheck(_ load: Child, acks: String, table: TableName, connection: Connection) async throws {
        load.kill9()
        let loadProcess = load.process
        try await BasaltProcess.offPool { loadProcess.waitUntilExit() }
        let acked = Set(lines(acks).map { Array($0.utf8) })
        let rows = try await connection.table(table).scanAll(Scan(), caching: 5000)
        let present = Set(rows.map(\.row))
        #expect(present.count == rows.count, "a row appeared twice in a full scan")
        let missing = acked.filter { !present.contains($0) }
        #expect(missing.isEmpty, "\(missing.count) of \(acked.count) acknowledged rows are missing")
    }

    @Test func killedServersAndMasterLoseNoAcknowledgedRow() async throws {
        #expect(ApacheZooKeeper.isInstalled, "Apache ZooKeeper is needed (scripts/test installs Debian's zookeeper)")
        guard ApacheZooKeeper.isInstalled else { return }
        // Starting ZooKeeper blocks while it waits for the JVM: off the cooperative pool.
        let zk = try await BasaltProcess.offPool { try ApacheZooKeeper(size: 1, tickMs: 500) }
        let dir = try TemporaryDirectory(prefix: "basalt-distributed")
        var children: [Child] = []
        defer {
            for c in children { c.kill9() }
            zk.stop()
            dir.remove()
        }
        let quorum = "hbase.zookeeper.quorum=\(zk.connectString)"
        let common = ["--root", dir.path + "/root", "-D", quorum, "-D", "zookeeper.session.timeout=3000", "-D", "basalt.memory=\(128 << 20)"]
        var servers: [Child] = []
        func startServer() throws -> Child {
            let c = try launch(["regionserver"] + common + ["-D", "hbase.regionserver.port=0", "-D", "hbase.regionserver.info.port=0"], name: "rs\(servers.count)", in: dir.path)
            servers.append(c)
            children.append(c)
            return c
        }
        for _ in 0..<3 { _ = try startServer() }
        var masters: [Child] = []
        func startMaster() throws -> Child {
            let c = try launch(["master"] + common + ["-D", "hbase.master.port=0", "-D", "hbase.master.info.port=0"], name: "master\(masters.count)", in: dir.path)
            masters.append(c)
            children.append(c)
            return c
        }
        let first = try startMaster()
        #expect(await pollUntil(60) { first.firstLine().contains("active") } != nil, "the master never became active")
        // The master znode carries the info port, as HBase's does.
        let session = try await ZooKeeperCoordination.connect(configuration: BasaltConfiguration(["hbase.zookeeper.quorum": zk.connectString]))
        let znode = try #require(try await session.activeMaster())
        #expect(try PBUFCodec.decodeZNode(HBaseMaster.self, from: znode).infoPort > 0)
        await session.close()
        _ = try startMaster()

        let acks = dir.path + "/acks"
        let load = try await startLoad(table: "fo", regions: 6, quorum: quorum, acks: acks, in: dir.path)
        children.append(load)

        let connection = try await Connection.connect(BasaltConfiguration(["hbase.zookeeper.quorum": zk.connectString, "zookeeper.session.timeout": "3000"]))
        let admin = connection.admin()
        let table = try TableName("fo")
        /// Every region of the table and meta open on a live server.
        func allOpen() async -> Bool {
            guard let snap = try? await admin.coordinationSnapshot(), let d = try? await admin.describe(table) else { return false }
            let live = Set(snap.regionServers)
            return snap.metaServer.map { live.contains($0.description) } == true
                && d.regions.allSatisfy { $0.server.map { live.contains($0.description) } ?? false }
        }
        func process(serving name: ServerName) -> Child? { servers.first { $0.firstLine().hasSuffix(name.description) } }

        var recoveries: [String] = []
        for cycle in 1...2 {
            for victim in ["busiest", "meta"] {
                let name: ServerName?
                if victim == "meta" {
                    name = try await admin.coordinationSnapshot().metaServer
                } else {
                    var counts: [ServerName: Int] = [:]
                    for r in try await admin.describe(table).regions { if let s = r.server { counts[s, default: 0] += 1 } }
                    name = counts.max { ($0.value, $0.key.description) < ($1.value, $1.key.description) }?.key
                }
                guard let name, let child = process(serving: name) else {
                    Issue.record("no process serves the \(victim) server")
                    return
                }
                let before = lines(acks).count
                child.kill9()
                let took = await pollUntil(30) {
                    guard await allOpen(), let d = try? await admin.describe(table) else { return false }
                    return !d.regions.contains { $0.server == name }
                }
                #expect(took != nil, "cycle \(cycle): regions of the killed \(victim) server never came back")
                recoveries.append("cycle \(cycle), \(victim) server: regions open again \(took.map { "\($0)" } ?? "never") after the kill")
                #expect(await pollUntil(30) { lines(acks).count > before + 1000 } != nil, "the load stalled after killing the \(victim) server")
                _ = try startServer()
            }

            // The active master dies: the backup takes over, and a new backup joins.
            guard let active = try await admin.coordinationSnapshot().activeMaster,
                  let activeChild = masters.first(where: { $0.firstLine().hasSuffix(active.description) }) else {
                Issue.record("no process is the active master")
                return
            }
            activeChild.kill9()
            let takeover = await pollUntil(30) {
                masters.contains { $0.stdout != activeChild.stdout && $0.process.isRunning && $0.firstLine().contains("active") }
            }
            #expect(takeover != nil, "cycle \(cycle): the backup master never took over")
            recoveries.append("cycle \(cycle), master: backup active \(takeover.map { "\($0)" } ?? "never") after the kill")
            let before = lines(acks).count
            #expect(await pollUntil(30) { lines(acks).count > before + 1000 } != nil, "the load stalled after the master failover")
            _ = try startMaster()
        }

        FileHandle.standardError.write(Data(("distributed failover: " + recoveries.joined(separator: "; ") + "\n").utf8))
        try await stopLoadAndCheck(load, acks: acks, table: table, connection: connection)
        // Values, on a sample of the log: `bench verify` recomputes each value from its key.
        let sample = dir.path + "/sample"
        try lines(acks).enumerated().filter { $0.offset % 97 == 0 }.map { $0.element + "\n" }.joined().write(toFile: sample, atomically: true, encoding: .utf8)
        let verify = try await basalt.runInBackground(["bench", "verify", "-D", quorum, "--table", "fo", "--rows", "50000000", "--ack-log", sample])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        await connection.close()
    }

    /// A region server partitioned from ZooKeeper (its connection goes through a proxy that is cut)
    /// while the master, the other server and the clients still reach everything. Its session expires
    /// while it still runs; the master sees it gone, but cannot split its WAL while the server holds the
    /// WAL's lock. The server stops serving and exits 1 once it has been cut off for a session timeout,
    /// and only then do its regions open elsewhere: when they do, nothing listens on its port any more.
    /// Every write acknowledged under a SYNC_WAL load, before and during the partition, reads back.
    @Test func aRegionServerPartitionedFromZooKeeperStopsBeforeItsRegionsMove() async throws {
        #expect(ApacheZooKeeper.isInstalled, "Apache ZooKeeper is needed (scripts/test installs Debian's zookeeper)")
        guard ApacheZooKeeper.isInstalled else { return }
        let zk = try await BasaltProcess.offPool { try ApacheZooKeeper(size: 1, tickMs: 500) }
        let dir = try TemporaryDirectory(prefix: "basalt-partition")
        var children: [Child] = []
        defer {
            for c in children { c.kill9() }
            zk.stop()
            dir.remove()
        }
        let proxy = try TCPProxy(targetPort: try #require(zk.members.first).clientPort)
        let quorum = "hbase.zookeeper.quorum=\(zk.connectString)"
        let common = ["--root", dir.path + "/root", "-D", "zookeeper.session.timeout=3000", "-D", "basalt.memory=\(128 << 20)"]
        let cutOff = try launch(["regionserver", "-D", "hbase.zookeeper.quorum=127.0.0.1:\(proxy.port)", "-D", "hbase.regionserver.port=0", "-D", "hbase.regionserver.info.port=0"] + common,
                                name: "rs-cut", in: dir.path)
        let other = try launch(["regionserver", "-D", quorum, "-D", "hbase.regionserver.port=0", "-D", "hbase.regionserver.info.port=0"] + common, name: "rs-other", in: dir.path)
        let master = try launch(["master", "-D", quorum, "-D", "hbase.master.port=0", "-D", "hbase.master.info.port=0"] + common, name: "master", in: dir.path)
        children += [cutOff, other, master]
        #expect(await pollUntil(60) { master.firstLine().contains("active") && cutOff.firstLine().contains("serving") && other.firstLine().contains("serving") } != nil,
                "the cluster never started")
        let cutName = try ServerName(parsing: String(cutOff.firstLine().split(separator: " ").last ?? ""))

        let acks = dir.path + "/acks"
        let load = try await startLoad(table: "pt", regions: 4, quorum: quorum, acks: acks, in: dir.path)
        children.append(load)
        let connection = try await Connection.connect(BasaltConfiguration(["hbase.zookeeper.quorum": zk.connectString, "zookeeper.session.timeout": "3000"]))
        let admin = connection.admin()
        let table = try TableName("pt")
        let before = try await admin.describe(table).regions.filter { $0.server == cutName }.count
        #expect(before > 0, "the server to cut off holds none of the table's regions")

        proxy.cut()
        let cutAt = ContinuousClock.now
        var stoppedAfter: Duration?
        var movedAfter: Duration?
        while ContinuousClock.now - cutAt < .seconds(40), movedAfter == nil {
            if stoppedAfter == nil, !cutOff.process.isRunning { stoppedAfter = ContinuousClock.now - cutAt }
            if let d = try? await admin.describe(table), d.regions.allSatisfy({ $0.server != nil && $0.server != cutName }) {
                movedAfter = ContinuousClock.now - cutAt
                // The moment its regions serve elsewhere, the partitioned server takes no connection.
                #expect(!TCPProxy.accepts(port: cutName.port), "the partitioned server still listens while its regions are open elsewhere")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(movedAfter != nil, "the partitioned server's regions never opened elsewhere")
        #expect(await pollUntil(20) { !cutOff.process.isRunning } != nil, "the partitioned server kept running")
        if !cutOff.process.isRunning { #expect(cutOff.process.terminationStatus == 1, "a fenced server exits 1") }
        let after = lines(acks).count
        #expect(await pollUntil(30) { lines(acks).count > after + 1000 } != nil, "the load stalled after the partition")
        FileHandle.standardError.write(Data("partition: server stopped \(stoppedAfter.map { "\($0)" } ?? "later") and its regions open elsewhere \(movedAfter.map { "\($0)" } ?? "never") after the cut\n".utf8))

        try await stopLoadAndCheck(load, acks: acks, table: table, connection: connection)
        await connection.close()
    }
}
