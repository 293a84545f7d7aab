import BasaltCoordination
import BasaltCore
import BasaltMeta
import BasaltProtocol
import BasaltServer
import BasaltTestSupport
import Crypto
import Foundation
import Testing

/// A master and two region servers in this process, around an embedded ZooKeeper-protocol server.
@Suite struct MasterTests {
    @Test func createTableRecordsHBaseMetaRowsAndAssignsRegions() async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let zk = try await EmbeddedZooKeeperServer.start(.init(port: 0, tickTime: .milliseconds(200)))
        let coordination = try await ZooKeeperCoordination.connect(configuration: BasaltConfiguration(["hbase.zookeeper.quorum": zk.connectString]))
        try await coordination.ensureLayout()
        var servers: [RegionServer] = []
        for _ in 0..<2 {
            var conf = RegionServer.Configuration(root: dir.path)
            conf.port = 0
            conf.handlers = 4
            conf.engine.memory = 32 << 20
            let rs = RegionServer(configuration: conf, coordination: coordination)
            try await rs.start()
            servers.append(rs)
        }
        var masterConf = Master.Configuration(root: dir.path)
        masterConf.port = 0
        let master = Master(configuration: masterConf, coordination: coordination)
        do {
            try await master.start()
            // meta-region-server names the server hosting meta, in HBase's framing.
            let znode = try #require(try await coordination.read(coordination.layout.metaRegionServer))
            #expect(znode.data.first == 0xFF)
            let metaServer = try PBUFCodec.metaServer(from: znode.data)
            #expect(servers.compactMap(\.serverName).contains(metaServer))

            let t1 = try TableName("t1")
            let regions = try await master.createTable(try TableDescriptor(name: t1, families: [ColumnFamilyDescriptor("f")]), splitKeys: [Bytes.of("m")])
            #expect(regions.count == 2)

            // Meta holds one row per region, keyed `t1,<start>,<regionid>.<md5>.`, with HBase's columns.
            let locations = try await master.regions(of: t1)
            #expect(locations.map(\.region) == regions)
            for loc in locations {
                let r = loc.region
                let base = "t1,\(String(decoding: r.startKey, as: UTF8.self)),\(r.regionId)"
                let md5 = Insecure.MD5.hash(data: Array(base.utf8)).map { String(format: "%02x", $0) }.joined()
                #expect(String(decoding: r.regionName, as: UTF8.self) == "\(base).\(md5).")
                #expect(loc.state == .open)
                #expect(loc.openSeqNum >= 1)
                let server = try #require(loc.server)
                let host = try #require(servers.first { $0.serverName == server })
                #expect(host.engine?.region(r.encodedName) != nil)
            }
            // Both servers got a region of t1 (meta went to one of them too).
            #expect(Set(locations.compactMap(\.server)).count == 2)
            #expect(try await master.tableState(t1) == .enabled)

            // The raw meta row carries every column HBase writes.
            let row = try #require(try await Self.metaRow(regions[0].regionName, master: master, metaServer: metaServer))
            for q in ["regioninfo", "server", "serverstartcode", "seqnumDuringOpen", "state", "sn"] {
                #expect(row.value(family: Bytes.of("info"), qualifier: Bytes.of(q)) != nil, "info:\(q) missing")
            }
            #expect(row.value(family: Bytes.of("info"), qualifier: Bytes.of("regioninfo"))?.prefix(4).elementsEqual(Bytes.of("PBUF")) == true)

            // Creating it again fails clearly and changes nothing.
            await #expect { try await master.createTable(try TableDescriptor(name: t1, families: [ColumnFamilyDescriptor("g")])) } throws: {
                ($0 as? ServerError)?.exceptionName == "TableExistsException"
            }
            #expect(try await master.regions(of: t1).map(\.region) == regions)
        } catch {
            Issue.record("cluster test failed: \(error)")
        }
        await master.stop()
        for rs in servers { try? await rs.stop() }
        await coordination.close()
        await zk.stop()
    }

    /// One meta row read through the BasaltClientService of the server hosting meta.
    static func metaRow(_ key: [UInt8], master: Master, metaServer: ServerName) async throws -> RowResult? {
        let connections = ServerConnections()
        var req = Basalt_GetRequest()
        req.region.regionName = Data(RegionInfo.firstMeta.regionName)
        req.get = Basalt_Get(Get(row: key))
        let r: Basalt_Result
        do {
            r = try await connections.data(metaServer).get(req).result
        } catch {
            await connections.closeAll()
            throw error
        }
        await connections.closeAll()
        return r.cells.isEmpty ? nil : try r.toRowResult()
    }
}
