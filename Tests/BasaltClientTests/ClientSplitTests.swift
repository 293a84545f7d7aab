import BasaltClient
import BasaltCore
import BasaltMeta
import BasaltProtocol
import BasaltServer
import BasaltTestSupport
import Foundation
import Synchronization
import Testing

/// Region splits and merges through the client: manual and automatic splits, merges, meta's rows for
/// them, and no acknowledged row lost or served twice while writers and scanners run.
@Suite(.serialized) struct ClientSplitTests {
    /// What the writer has had acknowledged, and when the background tasks should stop.
    final class Progress: Sendable {
        let acked: Mutex<Set<Int>>
        private let stopFlag = Atomic<Bool>(false)
        init(acked: Set<Int>) { self.acked = Mutex(acked) }
        var stopped: Bool { stopFlag.load(ordering: .relaxed) }
        func stop() { stopFlag.store(true, ordering: .relaxed) }
    }

    static let family = b("f")

    static func key(_ i: Int) -> [UInt8] { b(String(format: "k%05d", i)) }

    static func put(_ i: Int) -> Put {
        var p = Put(row: key(i))
        p.add(family: family, qualifier: b("q"), value: b("v\(i)"))
        return p
    }

    /// Retries `body` while the cluster is still settling (a daughter compacting away its shared files).
    static func eventually<T: Sendable>(_ what: String, _ body: () async throws -> T) async throws -> T {
        var last: (any Error)?
        for _ in 0..<100 {
            do { return try await body() } catch { last = error }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw last ?? ClientError.invalidArgument("\(what) never succeeded")
    }

    @Test func splitsAndMergesUnderConcurrentWritesAndScans() async throws {
        try await MiniCluster.run(regionServers: 2) { cluster, connection in
            let t = try TableName("splitting")
            let admin = connection.admin()
            try await admin.createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            let table = connection.table(t)
            try await table.put((0..<1000).map(Self.put))
            let progress = Progress(acked: Set(0..<1000))

            // A writer through a buffered mutator, and two scanners that check each pass is in order with
            // no row twice; both run on their own connections so their location caches go stale.
            let writerConnection = try await cluster.connect()
            let writer = Task {
                let mutator = writerConnection.bufferedMutator(t)
                var i = 1000
                while !progress.stopped && i < 6000 {
                    let batch = (i..<(i + 50)).map { Mutation.put(Self.put($0)) }
                    try await mutator.mutate(batch)
                    try await mutator.flush()
                    progress.acked.withLock { $0.formUnion(i..<(i + 50)) }
                    i += 50
                }
                try await mutator.close()
            }
            let scanConnection = try await cluster.connect()
            let scanners = (0..<2).map { n in
                Task {
                    var passes = 0
                    while !progress.stopped {
                        var scan = Scan()
                        scan.reversed = n == 1
                        let before = progress.acked.withLock { $0 }
                        let rows = try await scanConnection.table(t).scanAll(scan, caching: 97).map(\.row)
                        let ordered = n == 1 ? Array(rows.reversed()) : rows
                        #expect(zip(ordered, ordered.dropFirst()).allSatisfy { CellComparator.compareBytes($0, $1) < 0 }, "scan \(n) out of order or with a row twice")
                        let seen = Set(ordered)
                        let missing = before.filter { !seen.contains(Self.key($0)) }.sorted()
                        #expect(missing.isEmpty, "scan \(n) missed \(missing.count) acknowledged rows, first \(missing.prefix(3)) last \(missing.suffix(3)) of \(rows.count)")
                        passes += 1
                    }
                    return passes
                }
            }

            // Split at a key, then each half at its mid row, then merge two neighbours back.
            let first = try await admin.split(t, at: Self.key(500))
            #expect(first.map(\.startKey) == [[], Self.key(500)])
            try await Task.sleep(for: .milliseconds(300))
            for location in try await admin.regions(of: t) {
                _ = try await Self.eventually("mid-row split") { try await admin.splitRegion(encodedName: location.region.encodedName) }
            }
            let regions = try await admin.regions(of: t)
            #expect(regions.count == 4)
            try await Task.sleep(for: .milliseconds(300))
            // Fresh daughters refuse to merge until their compaction rewrote the files they share.
            let merged = try await Self.eventually("merge") { try await admin.mergeRegions(regions[2].region.encodedName, regions[1].region.encodedName) }
            #expect(merged.startKey == regions[1].region.startKey && merged.endKey == regions[2].region.endKey)
            try await Task.sleep(for: .milliseconds(300))

            progress.stop()
            try await writer.value
            for s in scanners { #expect(try await s.value > 0) }
            await writerConnection.close()
            await scanConnection.close()

            let after = try await admin.regions(of: t)
            #expect(after.count == 3)
            #expect(after.map(\.region.startKey) == [[], regions[1].region.startKey, regions[3].region.startKey])
            let expected = progress.acked.withLock { $0 }.sorted()
            let rows = try await table.scanAll(Scan())
            #expect(rows.map(\.row) == expected.map(Self.key), "every acknowledged row exactly once")
            #expect(rows.allSatisfy { $0.cells.count == 1 })
            var reversed = Scan()
            reversed.reversed = true
            #expect(try await table.scanAll(reversed).map(\.row) == expected.reversed().map(Self.key))
            // A limit holds across region boundaries, both ways.
            reversed.limit = 2500
            #expect(try await table.scanAll(reversed, caching: 300).map(\.row) == expected.reversed().prefix(2500).map(Self.key))
            var limited = Scan()
            limited.limit = 2500
            #expect(try await table.scanAll(limited, caching: 300).map(\.row) == expected.prefix(2500).map(Self.key))
            #expect(try await table.get(Get(row: Self.key(expected.last ?? 0))).cells.count == 1)

            // Meta: the first parent stays as an offline split parent naming its daughters.
            let meta = try await connection.table(.meta).scanAll(Scan.prefix(t.nameBytes + b(",")))
            let parents = try meta.compactMap { try MetaRow.parse($0) }.filter { $0.split && $0.offline }
            #expect(parents.count == 3)
            #expect(parents.allSatisfy { $0.daughters.count == 2 && $0.state == .split })
            #expect(meta.contains { $0.value(family: MetaRow.infoFamily, qualifier: MetaRow.splitAQualifier) != nil })
            let open = try meta.compactMap { try MetaRow.parse($0) }.filter { !$0.offline }
            #expect(open.count == 3 && open.allSatisfy { $0.state == .open && $0.server != nil && $0.mergeParents.isEmpty })
        }
    }

    @Test func badSplitsAndMergesAreRefused() async throws {
        try await MiniCluster.run(regionServers: 1) { cluster, connection in
            let t = try TableName("refuse")
            let admin = connection.admin()
            try await admin.createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: [b("g"), b("p")])
            try await connection.table(t).put([Self.put(1)])
            let regions = try await admin.regions(of: t)
            func code(_ body: () async throws -> Void) async -> ClientErrorCode? {
                do {
                    try await body()
                    return nil
                } catch let e as ClientError {
                    return e.errorCode
                } catch {
                    return ClientErrorCode(rawValue: "\(error)")
                }
            }
            // At a region's own start key; not adjacent; with itself; unknown names; an empty region.
            #expect(await code { try await admin.splitRegion(encodedName: regions[1].region.encodedName, at: b("g")) } == .invalidArgument)
            #expect(await code { try await admin.mergeRegions(regions[0].region.encodedName, regions[2].region.encodedName) } == .invalidArgument)
            #expect(await code { try await admin.mergeRegions(regions[0].region.encodedName, regions[0].region.encodedName) } == .invalidArgument)
            #expect(await code { try await admin.splitRegion(encodedName: "0123456789abcdef0123456789abcdef") } == .invalidArgument)
            #expect(await code { try await admin.splitRegion(encodedName: regions[2].region.encodedName) } == .invalidArgument)
            #expect(await code { try await admin.split(t, at: []) } == .invalidArgument)
            #expect(await code { try await admin.split(.meta, at: b("x")) } != nil)
            // Nothing changed.
            #expect(try await admin.regions(of: t).map(\.region) == regions.map(\.region))
            #expect(try await connection.table(t).get(Get(row: Self.key(1))).cells.count == 1)
            // A disabled table's regions neither split nor merge.
            try await admin.disableTable(t)
            #expect(await code { try await admin.mergeRegions(regions[0].region.encodedName, regions[1].region.encodedName) } != nil)
        }
    }

    @Test func aRegionSplitsOnItsOwnAtTwiceTheFlushSize() async throws {
        var conf = BasaltConfiguration()
        conf["hbase.hregion.memstore.flush.size"] = "\(64 << 10)"
        try await MiniCluster.run(regionServers: 1, configuration: conf) { cluster, connection in
            let t = try TableName("growing")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            let mutator = connection.bufferedMutator(t)
            let value = [UInt8](repeating: 0x61, count: 200)
            for i in 0..<3000 {
                var p = Put(row: Self.key(i))
                p.add(family: Self.family, qualifier: b("q"), value: value)
                try await mutator.mutate(.put(p))
            }
            try await mutator.close()
            // 600 KB passes 2 × 64 KB: the region server asks the master, which splits.
            let regions = try await Self.eventually("automatic split") {
                let r = try await connection.admin().regions(of: t)
                guard r.count >= 2 else { throw ClientError.invalidArgument("still \(r.count) region") }
                return r
            }
            #expect(regions.first?.region.startKey == [] && regions.last?.region.endKey == [])
            let rows = try await connection.table(t).scanAll(Scan())
            #expect(rows.map(\.row) == (0..<3000).map(Self.key))
        }
    }

    @Test func aSplitCutShortBeforeMetaIsRolledBackAtRestart() async throws {
        let dir = try TemporaryDirectory(prefix: "basalt-split-restart")
        defer { dir.remove() }
        var conf = BasaltConfiguration([
            "hbase.zookeeper.property.clientPort": "0", "hbase.master.port": "0", "hbase.regionserver.port": "0",
            "hbase.regionserver.handler.count": "4", "basalt.memory": "\(64 << 20)", "tickTime": "200", "hbase.client.pause": "20",
        ])
        conf["hbase.client.retries.number"] = "30"
        let t = try TableName("halfway")
        let daughter = RegionInfo(table: t, startKey: b("k00050"), endKey: [], regionId: Int64(Date().timeIntervalSince1970 * 1000) + 5)
        try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 1).withConnection(stopFlushing: true) { connection in
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            try await connection.table(t).put((0..<100).map(Self.put))
            // What a master that died after closing the parent and linking files leaves: the parent
            // SPLITTING with its daughters named, and a daughter folder.
            let loc = try #require(try await connection.admin().regions(of: t).first)
            var row = MetaRow.Location(region: loc.region, server: loc.server, state: .splitting, openSeqNum: loc.openSeqNum)
            row.daughters = [RegionInfo(table: t, startKey: [], endKey: b("k00050"), regionId: daughter.regionId), daughter]
            try await connection.table(.meta).put(try MetaRow.put(row))
            try FileManager.default.createDirectory(atPath: "\(dir.path)/data/default/halfway/\(daughter.encodedName)/f", withIntermediateDirectories: true)
        }
        try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 1).withConnection { connection in
            let regions = try await connection.admin().regions(of: t)
            #expect(regions.count == 1)
            #expect(try await connection.table(t).scanAll(Scan()).count == 100)
            let meta = try await connection.table(.meta).scanAll(Scan.prefix(t.nameBytes + b(",")))
            #expect(meta.count == 1)
            #expect(meta.first?.value(family: MetaRow.infoFamily, qualifier: MetaRow.splitAQualifier) == nil)
            #expect(!FileManager.default.fileExists(atPath: "\(dir.path)/data/default/halfway/\(daughter.encodedName)"))
        }
    }
}
