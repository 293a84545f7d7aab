import BasaltClient
import BasaltCore
import BasaltInfo
import BasaltServer
import BasaltTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// The info ports of a MiniCluster's master and region servers, read over HTTP: the status pages name the
/// tables, regions and servers; `/jmx` is JSON with HBase's beans whose counters move with load;
/// `/prometheus` moves with load; `/conf`, `/logLevel`, `/dump` and the 404 page answer as documented.
@Suite(.serialized) struct InfoServerTests {
    static func get(_ port: Int, _ path: String) async throws -> (status: Int, body: String, type: String) {
        let url = try #require(URL(string: "http://127.0.0.1:\(port)\(path)"))
        let (data, response) = try await URLSession.shared.data(from: url)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type") ?? "")
    }

    static func beans(_ json: String) throws -> [[String: Any]] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        return try #require(object["beans"] as? [[String: Any]])
    }

    @Test func pagesMetricsAndBeansOfARunningCluster() async throws {
        try await MiniCluster.run(regionServers: 2) { cluster, connection in
            let conf = BasaltConfiguration(["hbase.zookeeper.quorum": cluster.configuration["hbase.zookeeper.quorum"] ?? "", "basalt.test.key": "<x&y>"])
            let masterInfo = try await InfoServer.start(host: "127.0.0.1", port: 0, source: MasterInfo(master: cluster.master, configuration: conf))
            let rs = cluster.regionServers[0]
            let rsInfo = try await InfoServer.start(host: "127.0.0.1", port: 0, source: RegionServerInfo(server: rs, configuration: conf))

            let t = try TableName("info_t")
            let splits: [[UInt8]] = (1..<40).map { [UInt8($0 * 6)] } + [[0xFF, 0x00, 0x3C]]
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: splits)
            let regions = try await connection.admin().regions(of: t)
            #expect(regions.count == 41)

            let page = try await Self.get(masterInfo.port, "/")
            #expect(page.status == 200 && page.type.hasPrefix("text/html"))
            #expect(page.body.contains("info_t") && page.body.contains("hbase:meta"))
            #expect(regions.allSatisfy { page.body.contains($0.region.encodedName) }, "every region is listed")
            #expect(page.body.contains("\\xFF\\x00&lt;"), "binary keys are printed and escaped")
            for server in cluster.regionServers { #expect(page.body.contains(server.serverName?.description ?? "?")) }
            #expect(page.body.contains("(active)"))
            #expect(!page.body.contains("http://") && !page.body.contains("https://"), "nothing is fetched from elsewhere")
            #expect(try await Self.get(masterInfo.port, "/master-status").body.contains("info_t"))

            // Load on the first server's regions: the beans and the metrics count it.
            let mine = regions.filter { $0.server == rs.serverName }
            let before = try Self.beans(try await Self.get(rsInfo.port, "/jmx").body)
            let getsBefore = before.first { ($0["name"] as? String) == "Hadoop:service=HBase,name=RegionServer,sub=Server" }?["Get_num_ops"] as? Int ?? -1
            #expect(getsBefore >= 0)
            for location in mine.prefix(5) {
                var put = Put(row: location.region.startKey + [1])
                put.add(family: Array("f".utf8), qualifier: Array("q".utf8), value: [UInt8](repeating: 1, count: 1000))
                try await connection.table(t).put(put)
                _ = try await connection.table(t).get(Get(row: location.region.startKey + [1]))
            }
            let after = try Self.beans(try await Self.get(rsInfo.port, "/jmx").body)
            let server = try #require(after.first { ($0["name"] as? String) == "Hadoop:service=HBase,name=RegionServer,sub=Server" })
            #expect((server["Get_num_ops"] as? Int ?? 0) == getsBefore + min(5, mine.count))
            #expect((server["Put_num_ops"] as? Int ?? 0) >= min(5, mine.count))
            #expect((server["regionCount"] as? Int ?? 0) == (rs.engine?.onlineRegions.count ?? -1))
            #expect((server["memStoreSize"] as? Int ?? 0) > 0)
            #expect(after.contains { ($0["name"] as? String) == "Hadoop:service=HBase,name=RegionServer,sub=Regions" })
            let narrowed = try Self.beans(try await Self.get(rsInfo.port, "/jmx?qry=Hadoop:service=HBase,name=RegionServer,sub=Reg*").body)
            #expect(narrowed.count == 1)

            let prom = try await Self.get(rsInfo.port, "/prometheus")
            #expect(prom.type.hasPrefix("text/plain"))
            #expect(prom.body.contains("basalt_regionserver_request_duration_seconds_count{kind=\"get\"} \(getsBefore + min(5, mine.count))"))
            #expect(prom.body.contains("basalt_region_memstore_bytes{table=\"info_t\",region=\"\(mine[0].region.encodedName)\"}"))
            #expect(prom.body.contains("basalt_region_requests{table=\"info_t\",region=\"\(mine[0].region.encodedName)\",operation=\"get\"} 1.0"), "\(prom.body)")
            let regionsBean = try #require(after.first { ($0["name"] as? String) == "Hadoop:service=HBase,name=RegionServer,sub=Regions" })
            #expect(regionsBean["Namespace_default_table_info_t_region_\(mine[0].region.encodedName)_metric_putCount"] as? Int == 1)

            let masterBeans = try Self.beans(try await Self.get(masterInfo.port, "/jmx").body)
            let am = try #require(masterBeans.first { ($0["name"] as? String) == "Hadoop:service=HBase,name=Master,sub=AssignmentManager" })
            #expect(am["ritCount"] as? Int == 0)
            let ms = try #require(masterBeans.first { ($0["name"] as? String) == "Hadoop:service=HBase,name=Master,sub=Server" })
            #expect(ms["numRegionServers"] as? Int == 2)
            #expect(try await Self.get(masterInfo.port, "/prometheus").body.contains("basalt_master_operations_total{operation=\"create_table\"} 1"))

            let rsPage = try await Self.get(rsInfo.port, "/")
            #expect(mine.allSatisfy { rsPage.body.contains($0.region.encodedName) })
            #expect(rsPage.body.contains("Block cache") && rsPage.body.contains("WAL file"))

            let xml = try await Self.get(rsInfo.port, "/conf")
            #expect(xml.body.contains("<name>basalt.test.key</name><value>&lt;x&amp;y&gt;</value>"))
            #expect(xml.body.contains("<name>hbase.regionserver.handler.count</name>"))
            let json = try await Self.get(rsInfo.port, "/conf?format=json")
            #expect((try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])?["properties"] != nil)

            let set = try await Self.get(rsInfo.port, "/logLevel?log=basalt.infotest&level=debug")
            #expect(set.status == 200)
            #expect(LogLevels.shared.level(for: "basalt.infotest.child") == .debug)
            #expect(try await Self.get(rsInfo.port, "/logLevel?log=basalt.infotest&level=loud").status == 400)
            #expect(LogLevels.shared.level(for: "basalt.infotest") == .debug)

            let scanner = try connection.table(t).scanner(Scan(startRow: mine[0].region.startKey), caching: 1)
            _ = try await scanner.next()
            let dump = try await Self.get(rsInfo.port, "/dump")
            #expect(dump.body.contains("threads (") && dump.body.contains("scanner leases (1)"), "\(dump.body)")
            await scanner.close()

            let missing = try await Self.get(masterInfo.port, "/no/such/page")
            #expect(missing.status == 404 && missing.body.contains("<html"))

            await masterInfo.stop()
            await rsInfo.stop()
            await #expect(throws: (any Error).self) { _ = try await Self.get(rsInfo.port, "/") }
        }
    }

    @Test func aTakenPortIsAClearError() async throws {
        try await MiniCluster.run(regionServers: 1) { cluster, _ in
            let first = try await InfoServer.start(host: "127.0.0.1", port: 0, source: MasterInfo(master: cluster.master, configuration: .init()))
            await #expect(throws: InfoServerError.self) {
                _ = try await InfoServer.start(host: "127.0.0.1", port: first.port, source: MasterInfo(master: cluster.master, configuration: .init()))
            }
            await first.stop()
        }
    }
}
