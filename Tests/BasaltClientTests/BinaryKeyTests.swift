import BasaltClient
import BasaltCore
import BasaltServer
import BasaltTestSupport
import Foundation
import Testing

/// Binary row keys through the native client: every first byte, the keys around binary split points
/// (bytes below `,` among them, which meta's order by parts is for), and a randomized run of binary keys
/// and split points through splits, a merge and a restart, checked against the model store.
@Suite(.serialized) struct BinaryKeyTests {
    static let family = b("f")
    static let qualifier = b("q")

    static func value(_ row: [UInt8], _ n: Int = 0) -> [UInt8] { Array("v\(n)-".utf8) + row }

    static func sortedBytes(_ rows: some Sequence<[UInt8]>) -> [[UInt8]] { rows.sorted { RowOrder.bytes.compare($0, $1) < 0 } }

    /// The rows a user would try around binary split points: each split point, its prefixes, and its
    /// neighbours one byte either side.
    static func boundaryKeys(_ splits: [[UInt8]]) -> Set<[UInt8]> {
        var keys = Set<[UInt8]>()
        for s in splits {
            keys.insert(s)
            keys.insert(s + [0x00])
            keys.insert(s + [0xFF])
            for n in 1..<s.count { keys.insert(Array(s.prefix(n))) }
            if let last = s.last, last > 0 {
                keys.insert(Array(s.dropLast()) + [last - 1])
                keys.insert(Array(s.dropLast()) + [last - 1, 0xFF])
            }
        }
        keys.remove([])
        return keys
    }

    @Test func everyFirstByteAndTheKeysAroundBinarySplitPointsAreFound() async throws {
        try await MiniCluster.run(regionServers: 2) { _, connection in
            let t = try TableName("bk")
            let splits = Self.sortedBytes([[0x00, 0x80], [0x10], Array("+".utf8), Array("a".utf8), [0x2C], [0x00, 0x2C, 0x00], [0xFF]])
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: splits)
            var rows = Self.boundaryKeys(splits)
            for byte in 0...255 {
                rows.insert([UInt8(byte)])
                rows.insert([UInt8(byte), 0x00])
                rows.insert([UInt8(byte), UInt8(ascii: "k")])
            }
            rows.insert([0x00, 0x00])
            let table = connection.table(t)
            // Half one put at a time, half in one batch.
            let all = Self.sortedBytes(rows)
            for (i, row) in all.enumerated() where i % 2 == 0 {
                var p = Put(row: row)
                p.add(family: Self.family, qualifier: Self.qualifier, value: Self.value(row))
                try await table.put(p)
            }
            try await table.put(all.enumerated().filter { $0.offset % 2 == 1 }.map { _, row in
                var p = Put(row: row)
                p.add(family: Self.family, qualifier: Self.qualifier, value: Self.value(row))
                return p
            })
            let locator = connection.regionLocator(t)
            for row in all {
                let got = try await table.get(Get(row: row))
                #expect(got.value(family: Self.family, qualifier: Self.qualifier) == Self.value(row), "row \(Bytes.toStringBinary(row))")
                let location = try await locator.location(row: row)
                #expect(location.region.contains(row: row), "row \(Bytes.toStringBinary(row)) located in \(location.region)")
            }
            #expect(try await locator.allLocations().count == splits.count + 1)
            let scanned = try await table.scanAll(Scan()).map(\.row)
            #expect(scanned == all)
            var reversed = Scan()
            reversed.reversed = true
            #expect(try await table.scanAll(reversed).map(\.row) == all.reversed())
            // A scan starting at each split point begins exactly there, forward and back.
            for s in splits {
                let forward = try await table.scanner(Scan(startRow: s), caching: 3).next()?.row
                #expect(forward == s)
                var back = Scan(startRow: s)
                back.reversed = true
                let backward = try await table.scanner(back, caching: 3).next()?.row
                #expect(backward == s)
            }
        }
    }

    /// Random binary rows and split points; random puts, deletes, gets and scans (forward and reversed),
    /// with a split at a random binary row, a merge and a restart of the whole cluster on the way; every
    /// read is compared with the model.
    @Test(arguments: [UInt64.random(in: 1...UInt64.max / 2)])
    func randomBinaryKeysMatchTheModelThroughSplitsMergesAndARestart(seed: UInt64) async throws {
        var rng = SplitMix64(seed: seed)
        func randomRow() -> [UInt8] {
            let pool: [UInt8] = [0x00, 0x01, 0x2B, 0x2C, 0x2D, 0x61, 0x7F, 0x80, 0xFF]
            return (0..<(1 + Int(rng.next() % 4))).map { _ in
                rng.next() % 3 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : pool[Int(rng.next() % UInt64(pool.count))]
            }
        }
        let t = try TableName("rk")
        var splitSet = Set<[UInt8]>()
        while splitSet.count < 6 { splitSet.insert(randomRow()) }
        let splits = Self.sortedBytes(splitSet)
        let dir = try TemporaryDirectory(prefix: "basalt-binary-keys")
        defer { dir.remove() }
        let conf = MiniCluster.testConfiguration()
        var model = ModelStore(maxVersions: [Self.family: 1])
        var ts: Int64 = 1_000
        var seq: UInt64 = 0

        func step(_ table: Table, _ n: Int) async throws {
            for _ in 0..<n {
                let row = randomRow()
                ts += 1
                seq += 1
                switch rng.next() % 10 {
                case 0...4:
                    var p = Put(row: row, timestamp: ts)
                    p.add(family: Self.family, qualifier: Self.qualifier, value: Self.value(row, Int(ts)))
                    try await table.put(p)
                    model.apply([Cell(row: row, family: Self.family, qualifier: Self.qualifier, timestamp: ts, type: .put, value: Self.value(row, Int(ts)), sequenceId: seq)])
                case 5:
                    try await table.delete(Delete(row: row, timestamp: ts))
                    model.apply([Cell(row: row, family: Self.family, qualifier: [], timestamp: ts, type: .deleteFamily, sequenceId: seq)])
                case 6, 7:
                    let got = try await table.get(Get(row: row))
                    #expect(got.cells.map(\.value) == model.row(row).map(\.value), "seed \(seed): get \(Bytes.toStringBinary(row))")
                default:
                    var scan = Scan(startRow: row)
                    scan.reversed = rng.next() % 2 == 0
                    let expected = model.rows().filter { scan.reversed ? RowOrder.bytes.compare($0, row) <= 0 : RowOrder.bytes.compare($0, row) >= 0 }
                    let got = try await table.scanner(scan, caching: 4).next()?.row
                    #expect(got == (scan.reversed ? expected.last : expected.first), "seed \(seed): scan from \(Bytes.toStringBinary(row)) reversed \(scan.reversed)")
                }
            }
        }

        func checkAll(_ table: Table) async throws {
            let rows = try await table.scanAll(Scan())
            #expect(rows.map(\.row) == model.rows(), "seed \(seed): full scan")
            for r in rows { #expect(r.cells.map(\.value) == model.row(r.row).map(\.value), "seed \(seed): row \(Bytes.toStringBinary(r.row))") }
        }

        try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 2).withConnection(stopFlushing: false) { connection in
            let admin = connection.admin()
            try await admin.createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: splits)
            let table = connection.table(t)
            try await step(table, 300)
            // A split at a random binary row inside a region (not at its start).
            var at = randomRow()
            while splitSet.contains(at) { at = randomRow() }
            try await admin.flush(t)
            _ = try await admin.split(t, at: at)
            try await step(table, 150)
            try await checkAll(table)
            // Merge the first two regions (once the daughters have compacted away their shared files).
            try await admin.compact(t, major: true)
            try await ClientSplitTests.eventually("merge") {
                let regions = try await admin.regions(of: t)
                _ = try await admin.mergeRegions(regions[0].region.encodedName, regions[1].region.encodedName)
            }
            try await step(table, 150)
            try await checkAll(table)
        }
        // A restart, as after a crash: nothing flushed, the WALs are split and replayed.
        try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 1).withConnection(stopFlushing: false) { connection in
            let table = connection.table(t)
            try await checkAll(table)
            try await step(table, 200)
            try await checkAll(table)
        }
    }
}
