import BasaltClient
import BasaltCore
import BasaltServer
import BasaltTestSupport
import Foundation
import Testing

/// Region servers dying while the cluster runs: the master sees the `rs/` znode go, splits the dead
/// server's WAL, reopens its regions (meta first) on the live servers, and the client's retries carry
/// reads and writes across. Every acknowledged row comes back.
@Suite(.serialized) struct RegionServerFailoverTests {
    func conf() -> BasaltConfiguration {
        BasaltConfiguration([
            "hbase.zookeeper.property.clientPort": "0", "hbase.master.port": "0", "hbase.regionserver.port": "0",
            "hbase.regionserver.handler.count": "4", "basalt.memory": "\(64 << 20)", "tickTime": "200", "hbase.client.pause": "20",
        ])
    }

    func put(_ i: Int) -> Put {
        var p = Put(row: b(String(format: "%c%05d", 97 + i % 26, i)))
        p.add(family: b("f"), qualifier: b("q"), value: b("v\(i)"))
        p.durability = .syncWAL
        return p
    }

    /// Waits until every region of `table` is open on a live server; returns how long that took.
    func waitForRegions(_ cluster: LocalCluster, _ connection: Connection, _ table: TableName, within seconds: Double = 20) async throws -> Duration {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < .seconds(seconds) {
            let live = Set(cluster.regionServers.compactMap(\.serverName))
            if let d = try? await connection.admin().describe(table), d.regions.allSatisfy({ $0.server.map(live.contains) ?? false }),
               let meta = cluster.master.metaServer, live.contains(meta) {
                return ContinuousClock.now - start
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw ClientError(.io, message: "regions of \(table) not all open within \(seconds) s", retryable: false, exceptionName: "IOException")
    }

    @Test func deadRegionServersRegionsComeBackWithEveryAcknowledgedEdit() async throws {
        let dir = try TemporaryDirectory(prefix: "basalt-failover")
        defer { dir.remove() }
        let t = try TableName("survive")
        var conf = conf()
        conf["hbase.regionserver.hlog.blocksize"] = "8192"  // WAL files roll at 4 KB
        let cluster = try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 4)
        try await cluster.withConnection(stopFlushing: false) { connection in
            try await connection.admin().createTable(
                try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: ["e", "j", "o", "t"].map(b))
            let table = connection.table(t)
            var written = 0
            for round in 0..<2 {
                // Unflushed edits on every server, then the busiest server dies without flushing.
                try await table.put((written..<(written + 500)).map(put))
                written += 500
                let regions = try await connection.admin().describe(t).regions
                var counts: [ServerName: Int] = [:]
                for r in regions { if let s = r.server { counts[s, default: 0] += 1 } }
                // Round 0 kills the busiest server; round 1 the one holding hbase:meta.
                let victim = round == 0 ? counts.max { ($0.value, $0.key.description) < ($1.value, $1.key.description) }?.key : cluster.master.metaServer
                guard let victim, let rs = cluster.regionServers.first(where: { $0.serverName == victim }) else {
                    Issue.record("no server to stop")
                    return
                }
                try await cluster.stopRegionServer(rs, flush: false)
                let recovery = try await waitForRegions(cluster, connection, t)
                #expect(recovery < .seconds(10), "recovery took \(recovery)")
                // `status` names the dead server; nothing is left in transition.
                let settled = await pollUntil(10) {
                    guard let s = try? await connection.admin().clusterStatus() else { return false }
                    return s.deadServers.contains(victim) && s.deadServers.count == round + 1 && s.regionsInTransition.isEmpty
                }
                #expect(settled != nil, "the master reports the dead server and nothing in transition")
                // Small WAL files: the dead server left several, and the live servers split them between them.
                let splitters = cluster.regionServers.filter { $0.walFilesSplit > 0 }
                #expect(splitters.count >= 2, "WAL files split per live server: \(cluster.regionServers.map(\.walFilesSplit))")
                // The client writes and reads across the move.
                try await table.put((written..<(written + 100)).map(put))
                written += 100
                let rows = try await table.scanAll(Scan())
                #expect(rows.count == written)
                #expect(Set(rows.map(\.row)).count == rows.count)
                for i in stride(from: 0, to: written, by: 37) {
                    #expect(try await table.get(Get(row: put(i).row)).value(family: b("f"), qualifier: b("q")) == b("v\(i)"))
                }
            }
            // The dead servers' WAL folders were split and archived.
            let wals = (try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/WALs")) ?? []
            #expect(wals.count == 2, "\(wals)")
        }
    }

    /// The new server's share comes from the balancer run on the join, or, with that turned off, from
    /// the periodic balancer chore.
    @Test(arguments: [true, false]) func aJoiningRegionServerGetsItsShare(balanceOnJoin: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "basalt-join")
        defer { dir.remove() }
        let t = try TableName("spread")
        var conf = conf()
        conf["basalt.master.balance.on.join"] = "\(balanceOnJoin)"
        conf["hbase.balancer.period"] = balanceOnJoin ? "0" : "300"
        let cluster = try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 1)
        try await cluster.withConnection(stopFlushing: false) { connection in
            try await connection.admin().createTable(
                try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: ["c", "f", "j", "o", "t"].map(b))
            try await connection.table(t).put((0..<300).map(put))
            let joined = try await cluster.addRegionServer()
            let deadline = ContinuousClock.now + .seconds(20)
            var held = 0
            while ContinuousClock.now < deadline {
                held = try await connection.admin().describe(t).regions.filter { $0.server == joined.serverName }.count
                if held == 3 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(held == 3, "the new server holds \(held) of 6 regions")
            #expect(try await connection.table(t).scanAll(Scan()).count == 300)
        }
    }

    @Test func aDecommissionedServerHandsItsRegionsOver() async throws {
        let dir = try TemporaryDirectory(prefix: "basalt-decommission")
        defer { dir.remove() }
        let t = try TableName("handover")
        var configuration = conf()
        configuration["basalt.master.balance.on.join"] = "false"
        let cluster = try await LocalCluster.start(root: dir.path, configuration: configuration, regionServers: 2)
        try await cluster.withConnection(stopFlushing: false) { connection in
            try await connection.admin().createTable(
                try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: ["f", "m", "t"].map(b))
            try await connection.table(t).put((0..<200).map(put))
            // The server holding hbase:meta leaves: meta moves too, last.
            guard let leaving = cluster.regionServers.first(where: { $0.serverName == cluster.master.metaServer }),
                  let name = leaving.serverName else {
                Issue.record("no server holds meta")
                return
            }
            #expect(try await connection.admin().describe(t).regions.contains { $0.server == name }, "the leaving server holds no user region")
            await leaving.decommission()
            let regions = try await connection.admin().describe(t).regions
            #expect(!regions.contains { $0.server == name }, "regions left on the decommissioned server")
            #expect(leaving.engine?.onlineRegions.isEmpty == true)
            #expect(cluster.master.metaServer != name && cluster.master.metaServer != nil)
            #expect(try await connection.admin().coordinationSnapshot().metaServer == cluster.master.metaServer)
            try await cluster.stopRegionServer(leaving, flush: true)
            #expect(try await connection.table(t).scanAll(Scan()).count == 200)
            // Meta took its rows along: DDL and new clients work.
            try await connection.table(t).put((200..<250).map(put))
            #expect(try await connection.admin().describe(t).regions.count == 4)
            #expect(try await connection.table(t).scanAll(Scan()).count == 250)
        }
    }
}
