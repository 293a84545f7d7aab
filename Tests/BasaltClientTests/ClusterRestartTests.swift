import BasaltClient
import BasaltCore
import BasaltServer
import BasaltTestSupport
import Foundation
import Testing

/// A cluster stopped (cleanly, or as by a crash: nothing flushed) and started again on the same folder
/// brings back every table and acknowledged row: the new master splits the old servers' WALs.
@Suite(.serialized) struct ClusterRestartTests {
    func conf() -> BasaltConfiguration {
        BasaltConfiguration([
            "hbase.zookeeper.property.clientPort": "0", "hbase.master.port": "0", "hbase.regionserver.port": "0",
            "hbase.regionserver.handler.count": "4", "basalt.memory": "\(64 << 20)", "tickTime": "200", "hbase.client.pause": "20",
        ])
    }

    func roundTrip(flush: Bool) async throws {
        let dir = try TemporaryDirectory(prefix: "basalt-restart")
        defer { dir.remove() }
        let t = try TableName("kept")
        try await LocalCluster.start(root: dir.path, configuration: conf(), regionServers: 2).withConnection(stopFlushing: flush) { connection in
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: [b("m")])
            var puts: [Put] = []
            for i in 0..<200 {
                var p = Put(row: b(String(format: "%c%03d", 97 + i % 26, i)))
                p.add(family: b("f"), qualifier: b("q"), value: b("v\(i)"))
                p.durability = .syncWAL
                puts.append(p)
            }
            try await connection.table(t).put(puts)
        }
        let cluster = try await LocalCluster.start(root: dir.path, configuration: conf(), regionServers: 1)
        try await cluster.withConnection { connection in
            let rows = try await connection.table(t).scanAll(Scan())
            #expect(rows.count == 200)
            #expect(try await connection.admin().isTableEnabled(t))
            if !flush {
                // The old servers' WAL folders were split and archived.
                let wals = (try? FileManager.default.contentsOfDirectory(atPath: dir.path + "/WALs")) ?? []
                #expect(wals.count == 1)
            }
        }
    }

    @Test func cleanStopAndRestart() async throws { try await roundTrip(flush: true) }
    @Test func crashAndRestartReplaysTheWAL() async throws { try await roundTrip(flush: false) }
}
