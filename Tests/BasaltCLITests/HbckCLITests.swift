import BasaltClient
import BasaltCore
import BasaltMeta
import BasaltProtocol
import BasaltTestSupport
import Foundation
import Testing

/// `basalt hbck` against a MiniCluster with inconsistencies injected by hand: a hole, an overlap, an orphan
/// folder, a region open on no server and one open on two, a table state that disagrees with its regions;
/// each is reported, the fix-ups mend the assignment ones, and a clean cluster is reported clean.
@Suite(.serialized) struct HbckCLITests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    func create(_ name: String, _ splits: [String], _ connection: Connection) async throws -> (TableName, TableDescriptor, [RegionLocation]) {
        let t = try TableName(name)
        let d = try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")])
        try await connection.admin().createTable(d, splitKeys: splits.map { Array($0.utf8) })
        return (t, d, try await connection.admin().regions(of: t))
    }

    @Test func findsWhatWasInjectedAndTheFixUpsMendIt() async throws {
        try await MiniCluster.run(regionServers: 2) { cluster, connection in
            let quorum = ["-D", "hbase.zookeeper.quorum=" + (cluster.configuration["hbase.zookeeper.quorum"] ?? "")]
            let root = ["--root", cluster.cluster.root]
            func hbck(_ args: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
                try await basalt.runInBackground(["hbck"] + args + quorum)
            }

            let (okTable, _, _) = try await create("hbck_ok", ["g", "p"], connection)
            var put = Put(row: Array("h".utf8))
            put.add(family: Array("f".utf8), qualifier: Array("q".utf8), value: Array("v".utf8))
            try await connection.table(okTable).put(put)
            let clean = try await hbck(root)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(clean.stdout.contains("hbck: 0 inconsistencies"), "\(clean.stdout)")

            // A hole: the middle region's meta row is gone (its folder stays, and its server still holds it).
            let (_, _, holeRegions) = try await create("hbck_hole", ["b", "d"], connection)
            let middle = try #require(holeRegions.first { $0.region.startKey == Array("b".utf8) })
            let holeTable = try TableName("hbck_hole")
            var inMiddle = Put(row: Array("c".utf8))
            inMiddle.add(family: Array("f".utf8), qualifier: Array("q".utf8), value: Array("kept".utf8))
            try await connection.table(holeTable).put(inMiddle)
            try await connection.table(.meta).delete(Delete(row: middle.region.regionName))
            // A hole whose region is gone for good: closed, its folder and its meta row removed.
            let (plugTable, _, plugRegions) = try await create("hbck_plug", ["b", "d"], connection)
            let gone = try #require(plugRegions.first { $0.region.startKey == Array("b".utf8) })
            try #require(cluster.regionServer(gone.server)?.engine).closeRegion(gone.region.encodedName)
            try FileManager.default.removeItem(atPath: cluster.cluster.root + "/data/default/hbck_plug/" + gone.region.encodedName)
            try await connection.table(.meta).delete(Delete(row: gone.region.regionName))
            // An overlap: a region [c, x) that meta lists beside [.., m) and [m, ..).
            let (overlapTable, _, overlapRegions) = try await create("hbck_overlap", ["m"], connection)
            let fake = RegionInfo(table: overlapTable, startKey: Array("c".utf8), endKey: Array("x".utf8), regionId: Int64(Date().timeIntervalSince1970 * 1000) + 7)
            try await connection.table(.meta).put(try MetaRow.put(.init(region: fake, server: overlapRegions[0].server, state: .open)))
            // An orphan folder.
            _ = try await create("hbck_orphan", [], connection)
            let orphan = "0123456789abcdef0123456789abcdef"
            try FileManager.default.createDirectory(atPath: cluster.cluster.root + "/data/default/hbck_orphan/" + orphan, withIntermediateDirectories: true)
            // A region open on no server: its server closes it behind the master's back.
            let (_, _, undeployed) = try await create("hbck_undeployed", [], connection)
            let lonely = undeployed[0]
            try #require(cluster.regionServer(lonely.server)?.engine).closeRegion(lonely.region.encodedName)
            // A region open on two servers.
            let (_, twiceDescriptor, twiceRegions) = try await create("hbck_twice", [], connection)
            let twice = twiceRegions[0]
            let other = try #require(cluster.regionServers.first { $0.serverName != twice.server })
            _ = try #require(other.engine).openRegion(twice.region, descriptor: twiceDescriptor)

            // A split whose parent's folder came back (as a split stopped half way would leave it).
            let (splitTable, _, splitRegions) = try await create("hbck_split", [], connection)
            for row in ["a", "k", "t"] {
                var p = Put(row: Array(row.utf8))
                p.add(family: Array("f".utf8), qualifier: Array("q".utf8), value: Array("v".utf8))
                try await connection.table(splitTable).put(p)
            }
            let parent = splitRegions[0].region
            let daughters = try await connection.admin().split(splitTable, at: Array("m".utf8))
            #expect(daughters.count == 2)
            try FileManager.default.createDirectory(atPath: cluster.cluster.root + "/data/default/hbck_split/" + parent.encodedName, withIntermediateDirectories: true)

            // WALs of a server that is not live (and so not split by anyone yet).
            let deadWALs = cluster.cluster.root + "/WALs/127.0.0.1,1,1"
            try FileManager.default.createDirectory(atPath: deadWALs, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: deadWALs + "/wal.1", contents: Data([1, 2, 3]))

            let report = try await hbck(root)
            #expect(report.status == 1)
            let out = report.stdout
            #expect(out.contains("HOLE  hbck_hole: no region covers ['b', 'd')"), "\(out)")
            #expect(out.contains("ORPHAN_FOLDER  hbck_hole \(middle.region.encodedName): data/default/hbck_hole/\(middle.region.encodedName) is not in hbase:meta (its .regioninfo says ['b', 'd'))"), "\(out)")
            #expect(out.contains("fix:   basalt hbck fixHoles hbck_hole --root DIR gives it its meta row back"), "\(out)")
            #expect(out.contains("HOLE  hbck_plug: no region covers ['b', 'd')"), "\(out)")
            #expect(out.contains("OPEN_NOT_IN_META  hbck_hole \(middle.region.encodedName)"), "\(out)")
            #expect(out.contains("OVERLAP  hbck_overlap \(fake.encodedName)"), "\(out)")
            #expect(out.contains("NO_FOLDER  hbck_overlap \(fake.encodedName)"), "\(out)")
            #expect(out.contains("ORPHAN_FOLDER  hbck_orphan \(orphan)"), "\(out)")
            #expect(out.contains("NOT_DEPLOYED  hbck_undeployed \(lonely.region.encodedName)"), "\(out)")
            #expect(out.contains("MULTIPLY_DEPLOYED  hbck_twice \(twice.region.encodedName)"), "\(out)")
            #expect(out.contains("UNSPLIT_WALS  -: WALs/127.0.0.1,1,1 belongs to 127.0.0.1,1,1, which is not live"), "\(out)")
            #expect(out.contains("LEFTOVER_SPLIT_PARENT  hbck_split \(parent.encodedName): its folder is still there"), "\(out)")
            #expect(!out.contains("  hbck_ok"), "the clean table has nothing to report: \(out)")
            #expect(out.contains("fix:   basalt hbck assigns \(lonely.region.encodedName)"))

            let json = try await hbck(root + ["--json", "hbck_twice"])
            let objects = json.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect(objects.count == 1 && objects[0]["kind"] as? String == "MULTIPLY_DEPLOYED" && objects[0]["fix"] is String, "\(json.stdout)")

            // fixHoles: the orphan folder gets its row back with its data; the lost region becomes an empty one.
            let fixed = try await hbck(["fixHoles", "hbck_hole", "hbck_plug"] + root)
            #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
            #expect(fixed.stdout.contains("hbck_hole: re-adopted \(middle.region.encodedName) ['b', 'd')"), "\(fixed.stdout)")
            #expect(fixed.stdout.contains("hbck_plug: created"), "\(fixed.stdout)")
            let mended = try await hbck(root + ["hbck_hole", "hbck_plug"])
            #expect(mended.status == 0, "\(mended.stdout)")
            #expect(try await connection.table(holeTable).get(Get(row: Array("c".utf8))).cells.first?.value == Array("kept".utf8))
            var intoPlug = Put(row: Array("c".utf8))
            intoPlug.add(family: Array("f".utf8), qualifier: Array("q".utf8), value: Array("new".utf8))
            try await connection.table(plugTable).put(intoPlug)
            #expect(try await connection.table(plugTable).get(Get(row: Array("c".utf8))).cells.count == 1)

            // The fix-ups: each region ends up open on exactly one server.
            let assigned = try await hbck(["assigns", lonely.region.encodedName, twice.region.encodedName])
            #expect(assigned.status == 0, "\(assigned.stdout)\(assigned.stderr)")
            try FileManager.default.removeItem(atPath: deadWALs)
            let after = try await hbck(root + ["hbck_undeployed", "hbck_twice"])
            #expect(after.status == 0, "\(after.stdout)")
            var get = Get(row: Array("h".utf8))
            get.columns.addFamily(Array("f".utf8))
            #expect(try await connection.table(okTable).get(get).cells.count == 1)

            // A table state that disagrees with its regions, written by hand, then put back.
            let disabled = try await hbck(["setTableState", "hbck_ok", "DISABLED"])
            #expect(disabled.status == 0, "\(disabled.stderr)")
            let open = try await hbck(["hbck_ok"])
            #expect(open.status == 1 && open.stdout.contains("OPEN_IN_DISABLED_TABLE  hbck_ok"), "\(open.stdout)")
            #expect(try await hbck(["setTableState", "hbck_ok", "ENABLED"]).status == 0)
            #expect(try await hbck(["hbck_ok"]).status == 0)
            // No state row at all (meta's row keyed by the bare table name), then written again.
            try await connection.table(.meta).delete(Delete(row: Array("hbck_ok".utf8)))
            let stateless = try await hbck(["hbck_ok"])
            #expect(stateless.status == 1 && stateless.stdout.contains("NO_TABLE_STATE  hbck_ok"), "\(stateless.stdout)")
            #expect(try await hbck(["setTableState", "hbck_ok", "ENABLED"]).status == 0)
            #expect(try await hbck(["hbck_ok"]).status == 0)

            // Unassigns closes a region wherever it is and meta records it closed: hbck then says so.
            let target = try #require(try await connection.admin().regions(of: okTable).first)
            #expect(try await hbck(["unassigns", target.region.encodedName]).status == 0)
            let closed = try await hbck(["hbck_ok"])
            #expect(closed.stdout.contains("NOT_DEPLOYED  hbck_ok \(target.region.encodedName): meta says CLOSED"), "\(closed.stdout)")
            #expect(try await hbck(["assigns", target.region.encodedName]).status == 0)
            #expect(try await hbck(["hbck_ok"]).status == 0)

            // Bad input is refused at once.
            let bad = try await hbck(["assigns", "not-a-region"])
            #expect(bad.status != 0 && bad.stderr.contains("encoded region name"))
            let badState = try await hbck(["setTableState", "hbck_ok", "SLEEPING"])
            #expect(badState.status != 0 && badState.stderr.contains("not a table state"))
        }
    }
}
