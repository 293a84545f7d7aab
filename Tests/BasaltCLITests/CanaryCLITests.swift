import BasaltClient
import BasaltCore
import BasaltTestSupport
import Foundation
import Testing

/// `basalt canary` against a MiniCluster: every region of every user table is read and reported, binary
/// start keys included; a region stuck in transition and a missing table are failures with status 1.
@Suite(.serialized) struct CanaryCLITests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    @Test func everyRegionIsReadAndAStuckRegionFails() async throws {
        try await MiniCluster.run(regionServers: 2) { cluster, connection in
            let quorum = "hbase.zookeeper.quorum=" + (cluster.configuration["hbase.zookeeper.quorum"] ?? "")
            let t = try TableName("canary")
            let splits: [[UInt8]] = [[0x00, 0xFF], Array("m".utf8), [0xC3, 0x28]]
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: splits)
            var put = Put(row: Array("n-row".utf8))
            put.add(family: Array("f".utf8), qualifier: Array("q".utf8), value: [UInt8](repeating: 7, count: 100_000))
            try await connection.table(t).put(put)

            // A disabled table is left out of a run over every table.
            let off = try TableName("canary_off")
            try await connection.admin().createTable(try TableDescriptor(name: off, families: [ColumnFamilyDescriptor("f")]))
            try await connection.admin().disableTable(off)

            let ok = try await basalt.runInBackground(["canary", "-D", quorum])
            #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
            #expect(ok.stdout.contains("canary: 4 regions, 0 failed"), "\(ok.stdout)")
            #expect(ok.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("ok ") && $0.contains("canary ") }.count == 4)
            #expect(!ok.stdout.contains("canary_off"))
            #expect(ok.stdout.contains("start=\\x00\\xFF") && ok.stdout.contains("start=\\xC3("), "\(ok.stdout)")

            let json = try await basalt.runInBackground(["canary", "--json", "canary", "hbase:meta", "-D", quorum])
            #expect(json.status == 0, "\(json.stderr)")
            let objects = json.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(objects.count == 5)
            #expect(objects.allSatisfy { $0["ms"] is Double && $0["error"] == nil })

            // One region looks stuck in transition in meta: the canary says which and exits 1, quickly.
            let stuck = try #require(try await connection.admin().regions(of: t).first { $0.region.startKey == Array("m".utf8) })
            var opening = Put(row: stuck.region.regionName)
            opening.add(family: Array("info".utf8), qualifier: Array("state".utf8), value: Array(RegionState.opening.rawValue.utf8))
            try await connection.table(.meta).put(opening)
            let started = ContinuousClock.now
            let failed = try await basalt.runInBackground(["canary", "canary", "-D", quorum])
            #expect(failed.status == 1)
            #expect(failed.stdout.contains("canary: 4 regions, 1 failed"), "\(failed.stdout)")
            #expect(failed.stdout.contains("FAILED  canary \(stuck.region.encodedName) start=m"), "\(failed.stdout)")
            #expect(ContinuousClock.now - started < .seconds(30))

            let missing = try await basalt.runInBackground(["canary", "nosuch", "-D", quorum])
            #expect(missing.status == 1)
            #expect(missing.stdout.contains("FAILED  nosuch"), "\(missing.stdout)")
            let bad = try await basalt.runInBackground(["canary", "bad name!", "-D", quorum])
            #expect(bad.status != 0 && !bad.stderr.isEmpty)
        }
    }
}
