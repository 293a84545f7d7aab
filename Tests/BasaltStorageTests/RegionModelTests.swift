import BasaltCore
import BasaltTestSupport
import Foundation
import Testing
@testable import BasaltStorage

/// Random puts, deletes, increments, batches, gets, scans, flushes, minor and major compactions and
/// reopens against `ModelStore`.
/// The seed is printed on failure; set BASALT_TEST_SEED to replay one.
@Suite struct RegionModelTests {
    static func seeds() -> [UInt64] {
        if let s = ProcessInfo.processInfo.environment["BASALT_TEST_SEED"], let v = UInt64(s) { return [v] }
        return (0..<4).map { _ in UInt64.random(in: 1...UInt64.max / 2) }
    }

    @Test(arguments: seeds())
    func randomOperationsMatchTheModel(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var f1 = ColumnFamilyDescriptor("f1")
        f1.maxVersions = 3
        let f2 = ColumnFamilyDescriptor("f2")
        var factory = try TestRegionFactory(fileSystem: MemoryFileSystem(), families: [f1, f2])
        factory.regionConfiguration.compaction.minFiles = 2
        factory.regionConfiguration.compaction.minCompactSize = 1024
        let clock = TestClock()
        var (wal, region) = try factory.open(clock: clock.function)
        var model = ModelStore(maxVersions: [b("f1"): 3, b("f2"): 1])
        var seq: UInt64 = 0
        let families = [b("f1"), b("f2")]
        func row() -> [UInt8] { b("r\(Int.random(in: 0..<30, using: &rng))") }
        func qual() -> [UInt8] { b("q\(Int.random(in: 0..<4, using: &rng))") }
        func ts() -> Int64? { Bool.random(using: &rng) ? nil : Int64.random(in: 1...20, using: &rng) }
        func describe(_ cells: [Cell]) -> [String] {
            cells.map { "\(String(decoding: $0.row, as: UTF8.self))/\(String(decoding: $0.family, as: UTF8.self)):\(String(decoding: $0.qualifier, as: UTF8.self))@\($0.timestamp)=\(String(decoding: $0.value, as: UTF8.self))" }
        }

        for step in 0..<1500 {
            clock.advance(1)
            let now = clock.now.load(ordering: .relaxed)
            let op = Int.random(in: 0..<100, using: &rng)
            let context = Comment(rawValue: "seed \(seed), step \(step)")
            switch op {
            case 0..<35:
                var p = Put(row: row())
                let n = Int.random(in: 1...3, using: &rng)
                for _ in 0..<n { p.add(family: families.randomElement(using: &rng)!, qualifier: qual(), value: b("v\(step)"), timestamp: ts()) }
                try region.put(p)
                seq += 1
                model.apply(p.cells.map { var c = $0; c.timestamp = c.timestamp == Cell.latestTimestamp ? now : c.timestamp; c.sequenceId = seq; return c })
            case 35..<50:
                var d = Delete(row: row(), timestamp: ts() ?? Cell.latestTimestamp)
                let fam = families.randomElement(using: &rng)!
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: d.addColumn(family: fam, qualifier: qual(), timestamp: ts())
                case 1: d.addColumns(family: fam, qualifier: qual(), timestamp: ts())
                case 2: d.addFamily(family: fam, timestamp: ts())
                case 3: d.addFamilyVersion(family: fam, timestamp: Int64.random(in: 1...20, using: &rng))
                default: break  // whole row
                }
                // Resolve "latest version" markers the way the server does, from the model.
                let markers = model.markers(for: d, families: families, now: now)
                try region.delete(d)
                seq += 1
                model.apply(markers.map { var c = $0; c.sequenceId = seq; return c })
            case 50..<55:
                var inc = Increment(row: b("counter\(Int.random(in: 0..<3, using: &rng))"))
                inc.add(family: b("f2"), qualifier: b("n"), amount: Int64.random(in: -5...5, using: &rng))
                let old = model.versions(row: inc.row, family: b("f2"), qualifier: b("n")).first
                let result = try region.increment(inc)
                seq += 1
                let expected = (old.flatMap { Bytes.toInt64($0.value) } ?? 0) + inc.columns[0].amount
                #expect(Bytes.toInt64(result.cells[0].value) == expected, context)
                model.apply(result.cells.map { var c = $0; c.sequenceId = seq; return c })
            case 55..<62:
                var muts: [Mutation] = []
                var cells: [Cell] = []
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    var p = Put(row: row())
                    p.add(family: b("f1"), qualifier: qual(), value: b("batch\(step)"), timestamp: ts())
                    muts.append(.put(p))
                    cells += p.cells.map { var c = $0; c.timestamp = c.timestamp == Cell.latestTimestamp ? now : c.timestamp; return c }
                }
                try region.mutateRows(muts)
                seq += 1
                model.apply(cells.map { var c = $0; c.sequenceId = seq; return c })
            case 62..<80:
                let r = row()
                var g = Get(row: r)
                g.maxVersions = Int.random(in: 1...3, using: &rng)
                let got = try region.get(g).cells
                #expect(describe(got) == describe(model.row(r, versions: g.maxVersions)), context)
            case 80..<88:
                var scan = Scan()
                scan.reversed = Bool.random(using: &rng)
                if Bool.random(using: &rng) {
                    let a = row(), z = row()
                    let (lo, hi) = CellComparator.compareBytes(a, z) <= 0 ? (a, z) : (z, a)
                    scan = scan.reversed ? { var s = Scan(startRow: hi, stopRow: lo); s.reversed = true; return s }() : Scan(startRow: lo, stopRow: hi)
                }
                let got = try region.scanner(scan).all().map(\.row)
                var expected = model.rows().filter { r in
                    if scan.reversed {
                        return (scan.startRow.isEmpty || CellComparator.compareBytes(r, scan.startRow) <= 0)
                            && (scan.stopRow.isEmpty || CellComparator.compareBytes(r, scan.stopRow) > 0)
                    }
                    return CellComparator.compareBytes(r, scan.startRow) >= 0 && (scan.stopRow.isEmpty || CellComparator.compareBytes(r, scan.stopRow) < 0)
                }
                if scan.reversed { expected.reverse() }
                #expect(got == expected, context)
            case 88..<92:
                try region.flush()
            case 92..<94:
                try region.compact(major: false)
            case 94..<96:
                try region.flush()
                try region.compact(major: true)
                model.majorCompact()
            default:
                region.close()
                try wal.close()
                (wal, region) = try factory.open(clock: clock.function)
                seq = region.maxSequenceId
            }
        }
        for r in model.rows() {
            var g = Get(row: r)
            g.maxVersions = 3
            #expect(describe(try region.get(g).cells) == describe(model.row(r, versions: 3)), "seed \(seed), final check")
        }
    }
}
