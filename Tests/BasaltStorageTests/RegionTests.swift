import BasaltCore
import BasaltTestSupport
import Foundation
import Synchronization
import Testing
@testable import BasaltStorage

/// A clock tests can move.
final class TestClock: Sendable {
    let now = Atomic<Int64>(1_000_000)
    var function: @Sendable () -> Int64 { { [self] in self.now.load(ordering: .relaxed) } }
    func advance(_ ms: Int64) { now.add(ms, ordering: .relaxed) }
}

@Suite struct RegionWriteReadTests {
    func make(_ families: [ColumnFamilyDescriptor] = [ColumnFamilyDescriptor("f")], clock: TestClock = TestClock()) throws -> (TestRegionFactory, WAL, Region) {
        let factory = try TestRegionFactory(families: families)
        let (wal, region) = try factory.open(clock: clock.function)
        return (factory, wal, region)
    }

    func versions(_ n: Int) -> ColumnFamilyDescriptor {
        var f = ColumnFamilyDescriptor("f")
        f.maxVersions = n
        return f
    }

    @Test func putThenGet() throws {
        let (_, _, r) = try make()
        try r.put("row1", "f", "q", "v1")
        #expect(try r.value("row1", "f", "q") == b("v1"))
        #expect(try r.value("row2", "f", "q") == nil)
        let res = try r.get(Get(row: b("row1")))
        #expect(res.cells.count == 1)
        #expect(res.cells[0].timestamp == 1_000_000)  // the server's clock
    }

    /// HBase 2's scan ends: the start row may be left out and the stop row taken in, forward and reversed,
    /// from the MemStore and from a file.
    @Test func scansIncludeOrExcludeTheirStartAndStopRows() throws {
        let (_, _, r) = try make()
        for k in ["a", "b", "c", "d", "e"] { try r.put(k, "f", "q", "v") }
        func rows(_ start: String, _ stop: String, includeStart: Bool, includeStop: Bool, reversed: Bool = false) throws -> String {
            var scan = Scan(startRow: b(start), stopRow: b(stop))
            scan.includeStartRow = includeStart
            scan.includeStopRow = includeStop
            scan.reversed = reversed
            return try r.scanner(scan).all().map { String(decoding: $0.row, as: UTF8.self) }.joined()
        }
        for round in 0..<2 {
            #expect(try rows("b", "d", includeStart: true, includeStop: false) == "bc", "round \(round)")
            #expect(try rows("b", "d", includeStart: false, includeStop: false) == "c")
            #expect(try rows("b", "d", includeStart: false, includeStop: true) == "cd")
            #expect(try rows("b", "d", includeStart: true, includeStop: true) == "bcd")
            #expect(try rows("bb", "d", includeStart: false, includeStop: true) == "cd")
            #expect(try rows("d", "b", includeStart: true, includeStop: false, reversed: true) == "dc")
            #expect(try rows("d", "b", includeStart: false, includeStop: false, reversed: true) == "c")
            #expect(try rows("d", "b", includeStart: false, includeStop: true, reversed: true) == "cb")
            #expect(try rows("e", "", includeStart: false, includeStop: false, reversed: true) == "dcba")
            _ = try r.flush()
        }
    }

    @Test func versionsAreKeptUpToTheFamilyLimit() throws {
        let (_, _, r) = try make([versions(3)])
        for ts in 1...5 { try r.put("r", "f", "q", "v\(ts)", ts: Int64(ts)) }
        var g = Get(row: b("r"))
        g.maxVersions = 10
        #expect(try r.get(g).cells.map(\.timestamp) == [5, 4, 3])
        g.maxVersions = 2
        #expect(try r.get(g).cells.map(\.timestamp) == [5, 4])
        // Rewriting a version replaces it.
        try r.put("r", "f", "q", "new4", ts: 4)
        g.maxVersions = 3
        #expect(try r.get(g).cells.map { String(decoding: $0.value, as: UTF8.self) } == ["v5", "new4", "v3"])
    }

    @Test func everyDeleteKind() throws {
        let (_, _, r) = try make([versions(5)])
        for ts in 1...4 {
            try r.put("r", "f", "a", "a\(ts)", ts: Int64(ts))
            try r.put("r", "f", "b", "b\(ts)", ts: Int64(ts))
        }
        var g = Get(row: b("r"))
        g.maxVersions = 5
        func stamps(_ q: String) throws -> [Int64] { try r.get(g).cells.filter { $0.qualifier == b(q) }.map(\.timestamp) }

        var d = Delete(row: b("r"))
        d.addColumn(family: b("f"), qualifier: b("a"))  // the latest version only
        try r.delete(d)
        #expect(try stamps("a") == [3, 2, 1])

        d = Delete(row: b("r"))
        d.addColumn(family: b("f"), qualifier: b("a"), timestamp: 2)  // exactly version 2
        try r.delete(d)
        #expect(try stamps("a") == [3, 1])

        d = Delete(row: b("r"))
        d.addFamilyVersion(family: b("f"), timestamp: 3)  // version 3 of every column
        try r.delete(d)
        #expect(try stamps("a") == [1])
        #expect(try stamps("b") == [4, 2, 1])

        d = Delete(row: b("r"))
        d.addColumns(family: b("f"), qualifier: b("b"), timestamp: 2)  // b at or below 2
        try r.delete(d)
        #expect(try stamps("b") == [4])

        try r.put("r", "f", "c", "c9", ts: 9)
        d = Delete(row: b("r"))
        d.addFamily(family: b("f"), timestamp: 5)  // the family at or below 5
        try r.delete(d)
        #expect(try r.get(g).cells.map(\.timestamp) == [9])

        try r.delete(Delete(row: b("r")))  // the whole row, at the server's time
        #expect(try r.get(g).isEmpty)

        // A put older than a marker stays hidden; a newer one shows.
        try r.put("r", "f", "a", "old", ts: 3)
        #expect(try r.get(g).isEmpty)
        try r.put("r", "f", "a", "new", ts: 2_000_000)
        #expect(try r.value("r", "f", "a") == b("new"))
    }

    @Test func ttlHidesExpiredCells() throws {
        var f = ColumnFamilyDescriptor("f")
        f.timeToLive = 10
        let clock = TestClock()
        let (_, _, r) = try make([f], clock: clock)
        try r.put("r", "f", "q", "v")
        clock.advance(9_000)
        #expect(try r.value("r", "f", "q") == b("v"))
        clock.advance(2_000)
        #expect(try r.value("r", "f", "q") == nil)
    }

    @Test func timeRangeAndColumnSelection() throws {
        let (_, _, r) = try make([versions(5), ColumnFamilyDescriptor("g")])
        for ts in [10, 20, 30] { try r.put("r", "f", "q", "v\(ts)", ts: Int64(ts)) }
        try r.put("r", "f", "other", "o", ts: 15)
        try r.put("r", "g", "x", "gx", ts: 15)
        var g = Get(row: b("r"))
        g.timeRange = try TimeRange(minimum: 15, maximum: 30)
        g.maxVersions = 5
        #expect(try r.get(g).cells.map(\.timestamp) == [15, 20, 15])  // f:other, f:q, g:x
        g = Get(row: b("r"))
        g.columns.addFamily(b("g"))
        #expect(try r.get(g).cells.map(\.value) == [b("gx")])
        g = Get(row: b("r"))
        g.columns.addColumn(family: b("f"), qualifier: b("other"))
        #expect(try r.get(g).cells.map(\.value) == [b("o")])
        g.columns.addColumn(family: b("nope"), qualifier: b("x"))
        #expect(throws: StorageError.self) { try r.get(g) }
    }

    @Test func forwardAndReversedScans() throws {
        let (_, _, r) = try make([ColumnFamilyDescriptor("f"), ColumnFamilyDescriptor("g")])
        for i in 0..<20 {
            let row = String(format: "row%02d", i)
            try r.put(row, "f", "q", "f\(i)")
            if i % 2 == 0 { try r.put(row, "g", "q", "g\(i)") }
        }
        try r.delete(Delete(row: b("row05")))
        let rows = { (s: Scan) throws -> [String] in try r.scanner(s).all().map { String(decoding: $0.row, as: UTF8.self) } }
        let all = try rows(Scan())
        #expect(all.count == 19 && !all.contains("row05"))
        #expect(try r.scanner(Scan()).all().first { $0.row == b("row04") }?.cells.map(\.family) == [b("f"), b("g")])
        #expect(try rows(Scan(startRow: b("row03"), stopRow: b("row07"))) == ["row03", "row04", "row06"])
        var rev = Scan(startRow: b("row07"), stopRow: b("row03"))
        rev.reversed = true
        #expect(try rows(rev) == ["row07", "row06", "row04"])
        rev = Scan()
        rev.reversed = true
        rev.limit = 3
        #expect(try rows(rev) == ["row19", "row18", "row17"])
        rev = Scan(startRow: b("row055"))
        rev.reversed = true
        rev.limit = 2
        #expect(try rows(rev) == ["row04", "row03"])
        #expect(try rows(Scan.prefix(b("row1"))).count == 10)
        var onlyG = Scan()
        onlyG.columns.addFamily(b("g"))
        #expect(try rows(onlyG).count == 10)  // rows with no matching cell are left out
    }

    @Test func rawScanShowsMarkers() throws {
        let (_, _, r) = try make()
        try r.put("r", "f", "q", "v", ts: 5)
        var d = Delete(row: b("r"))
        d.addColumns(family: b("f"), qualifier: b("q"), timestamp: 5)
        try r.delete(d)
        #expect(try r.scanner(Scan()).all().isEmpty)
        var raw = Scan()
        raw.raw = true
        raw.maxVersions = 10
        #expect(try r.scanner(raw).all().first?.cells.map(\.type) == [.deleteColumn, .put])
    }

    /// Counters and appends updated many times within one millisecond, then overwritten by a put at the
    /// server's time: the put is what reads see, and the next increment starts from it (happybase's
    /// `counter_set` after a burst of `counter_inc`). Then across a flush, the same.
    @Test func aPutAfterABurstOfIncrementsInOneMillisecondIsSeen() throws {
        let clock = TestClock()
        let (_, _, r) = try make(clock: clock)
        for round in 0..<2 {
            for _ in 0..<5 {
                var inc = Increment(row: b("c"))
                inc.add(family: b("f"), qualifier: b("n"), amount: 1)
                _ = try r.increment(inc)
                var app = Append(row: b("c"))
                app.add(family: b("f"), qualifier: b("s"), value: b("x"))
                _ = try r.append(app)
            }
            var put = Put(row: b("c"))
            put.add(family: b("f"), qualifier: b("n"), value: Bytes.fromInt64(3))
            put.add(family: b("f"), qualifier: b("s"), value: b("set"))
            try r.put(put)
            #expect(try r.value("c", "f", "n") == Bytes.fromInt64(3), "round \(round)")
            #expect(try r.value("c", "f", "s") == b("set"), "round \(round)")
            var inc = Increment(row: b("c"))
            inc.add(family: b("f"), qualifier: b("n"), amount: 0)
            #expect(Bytes.toInt64(try r.increment(inc).cells[0].value) == 3, "round \(round)")
            _ = try r.flush()
        }
    }

    @Test func incrementAppendAndCheckAndMutate() throws {
        let clock = TestClock()
        let (_, _, r) = try make(clock: clock)
        var inc = Increment(row: b("c"))
        inc.add(family: b("f"), qualifier: b("n"), amount: 5)
        #expect(Bytes.toInt64(try r.increment(inc).cells[0].value) == 5)
        inc = Increment(row: b("c"))
        inc.add(family: b("f"), qualifier: b("n"), amount: -7)
        #expect(Bytes.toInt64(try r.increment(inc).cells[0].value) == -2)
        #expect(try r.value("c", "f", "n") == Bytes.fromInt64(-2))
        try r.put("c", "f", "s", "abc")
        inc = Increment(row: b("c"))
        inc.add(family: b("f"), qualifier: b("s"), amount: 1)
        #expect(throws: StorageError.self) { try r.increment(inc) }

        var app = Append(row: b("c"))
        app.add(family: b("f"), qualifier: b("s"), value: b("def"))
        #expect(try r.append(app).cells[0].value == b("abcdef"))
        #expect(try r.value("c", "f", "s") == b("abcdef"))

        var put = Put(row: b("c"))
        put.add(family: b("f"), qualifier: b("x"), value: b("1"))
        #expect(try r.checkAndMutate(CheckAndMutate(row: b("c"), family: b("f"), qualifier: b("s"), expected: b("nope"), mutations: [.put(put)])) == false)
        #expect(try r.value("c", "f", "x") == nil)
        #expect(try r.checkAndMutate(CheckAndMutate(row: b("c"), family: b("f"), qualifier: b("s"), expected: b("abcdef"), mutations: [.put(put)])))
        #expect(try r.value("c", "f", "x") == b("1"))
        // nil expected: the cell must not exist.
        #expect(try r.checkAndMutate(CheckAndMutate(row: b("c"), family: b("f"), qualifier: b("missing"), expected: nil, mutations: [.put(put)])))
        // Increments and appends write at max(now, old + 1): move the clock past them before deleting the row.
        clock.advance(100)
        // HBase's reading: expected OP current, so "abc" GREATER "abcdef" fails and LESS holds.
        #expect(try r.checkAndMutate(CheckAndMutate(row: b("c"), family: b("f"), qualifier: b("s"), compareOperator: .greater, expected: b("abc"), mutations: [.delete(Delete(row: b("c")))])) == false)
        #expect(try r.checkAndMutate(CheckAndMutate(row: b("c"), family: b("f"), qualifier: b("s"), compareOperator: .less, expected: b("abc"), mutations: [.delete(Delete(row: b("c")))])))
        #expect(try r.get(Get(row: b("c"))).isEmpty)
    }

    @Test func badInputIsRefusedAndChangesNothing() throws {
        let (_, _, r) = try make()
        func refused(_ body: () throws -> Void, _ code: StorageError.Code) {
            do {
                try body()
                Issue.record("expected \(code)")
            } catch let e as StorageError {
                #expect(e.kind == code, "\(e)")
            } catch { Issue.record("unexpected \(error)") }
        }
        refused({ try r.put("", "f", "q", "v") }, .invalidArgument)
        refused({ try r.put(String(repeating: "x", count: 32_768), "f", "q", "v") }, .invalidArgument)
        refused({ try r.put("r", "nope", "q", "v") }, .noSuchColumnFamily)
        refused({ try r.put("r", "f", "q", "v", ts: -1) }, .invalidArgument)
        var big = Put(row: b("r"))
        big.add(family: b("f"), qualifier: b("q"), value: [UInt8](repeating: 0, count: 10 * 1024 * 1024 + 1))
        refused({ try r.put(big) }, .invalidArgument)
        // A batch with one bad mutation applies none of them.
        var good = Put(row: b("good"))
        good.add(family: b("f"), qualifier: b("q"), value: b("v"))
        var bad = Put(row: b("bad"))
        bad.add(family: b("nope"), qualifier: b("q"), value: b("v"))
        refused({ try r.mutateRows([.put(good), .put(bad)]) }, .noSuchColumnFamily)
        #expect(try r.scanner(Scan()).all().isEmpty)
        try r.put(String(repeating: "x", count: 32_767), "f", "q", "max-length row is fine")
    }

    @Test func outOfRangeRowsAreRefused() throws {
        let fs = MemoryFileSystem()
        let table = try TableName("t")
        let info = RegionInfo(table: table, startKey: b("m"), endKey: b("t"), regionId: 5)
        let wal = try WAL(fileSystem: fs, directory: "w")
        let r = try Region(info: info, descriptor: TableDescriptor(name: table, families: [.init("f")]), wal: wal, pool: MemStoreChunkPool())
        #expect(throws: StorageError.self) { try r.put("a", "f", "q", "v") }
        try r.put("n", "f", "q", "v")
    }

    @Test func aBatchIsNeverSeenHalfApplied() throws {
        let (_, _, r) = try make()
        let stop = Atomic<Bool>(false)
        let torn = Atomic<Int>(0)
        let reader = Thread {
            while !stop.load(ordering: .relaxed) {
                let rows = (try? r.scanner(Scan()).all()) ?? []
                let values = Set(rows.compactMap { $0.value(family: b("f"), qualifier: b("q")) })
                if values.count > 1 { torn.add(1, ordering: .relaxed) }
            }
        }
        reader.start()
        for round in 0..<300 {
            let muts = (0..<10).map { i -> Mutation in
                var p = Put(row: b("row\(i)"))
                p.add(family: b("f"), qualifier: b("q"), value: b("round\(round)"))
                return .put(p)
            }
            try r.mutateRows(muts)
        }
        stop.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.05)
        #expect(torn.load(ordering: .relaxed) == 0)
    }

    @Test func concurrentIncrementsAreAtomic() throws {
        let (_, _, r) = try make()
        let group = DispatchGroup()
        for _ in 0..<8 {
            group.enter()
            Thread {
                for _ in 0..<100 {
                    var inc = Increment(row: b("counter"))
                    inc.add(family: b("f"), qualifier: b("n"), amount: 1)
                    _ = try? r.increment(inc)
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(try r.value("counter", "f", "n") == Bytes.fromInt64(800))
    }

    @Test func closedRegionRefusesWork() throws {
        let (_, _, r) = try make()
        r.close()
        #expect(throws: StorageError.self) { try r.put("r", "f", "q", "v") }
        #expect(throws: StorageError.self) { try r.get(Get(row: b("r"))) }
    }
}

@Suite struct RegionRecoveryTests {
    @Test func reopeningReplaysTheWAL() throws {
        let factory = try TestRegionFactory()
        do {
            let (_, r) = try factory.open()
            for i in 0..<100 { try r.put("row\(i)", "f", "q", "v\(i)") }
            var d = Delete(row: b("row7"))
            d.addColumns(family: b("f"), qualifier: b("q"))
            try r.delete(d)
            try r.put("skipped", "f", "q", "gone", durability: .skipWAL)
        }
        let (_, r) = try factory.open()
        #expect(try r.value("row42", "f", "q") == b("v42"))
        #expect(try r.value("row7", "f", "q") == nil)
        #expect(try r.value("skipped", "f", "q") == nil)  // SKIP_WAL: lost without a flush, as documented
        #expect(r.maxSequenceId >= 101)
        try r.put("row42", "f", "q", "newer")
        #expect(try r.value("row42", "f", "q") == b("newer"))
    }

    @Test func everyAcknowledgedSyncWriteSurvivesAProcessCrash() throws {
        let fs = MemoryFileSystem()
        let factory = try TestRegionFactory(fileSystem: fs)
        let (_, r) = try factory.open()
        var acked: [Int] = []
        for i in 0..<500 {
            try r.put("row\(i)", "f", "q", "v\(i)", durability: .syncWAL)
            acked.append(i)
        }
        fs.crashProcess()
        let (_, r2) = try factory.open()
        for i in acked { #expect(try r2.value("row\(i)", "f", "q") == b("v\(i)")) }
    }

    @Test func everyAcknowledgedFsyncWriteSurvivesPowerLoss() throws {
        let fs = MemoryFileSystem()
        let factory = try TestRegionFactory(fileSystem: fs)
        let (_, r) = try factory.open()
        var rng = SystemRandomNumberGenerator()
        var fsynced: [Int] = []
        for i in 0..<300 {
            let d: Durability = [.fsyncWAL, .syncWAL, .asyncWAL].randomElement(using: &rng)!
            try r.put("row\(i)", "f", "q", "v\(i)", durability: d)
            if d == .fsyncWAL { fsynced.append(i) }
        }
        fs.powerLoss { _, unsynced in Int.random(in: 0...unsynced) }  // a torn tail, any length
        let (_, r2) = try factory.open()
        for i in fsynced { #expect(try r2.value("row\(i)", "f", "q") == b("v\(i)")) }
        // Whatever survived is whole: every row present has its own value.
        for row in try r2.scanner(Scan()).all() {
            let i = String(decoding: row.row.dropFirst(3), as: UTF8.self)
            #expect(row.value(family: b("f"), qualifier: b("q")) == b("v\(i)"))
        }
    }

    /// Many writers at once, with and without the syncer thread: sequence ids follow the order of the
    /// entries in the WAL (the id is taken under the WAL's lock), and every writer reads its own write as
    /// soon as its put returns (the thread that synced it completed its MVCC entry before waking it).
    @Test(arguments: [true, false]) func concurrentWritersSeeTheirWritesAndIdsFollowTheWAL(syncerThread: Bool) throws {
        let fs = MemoryFileSystem()
        fs.setSyncDelay(.microseconds(100))
        var factory = try TestRegionFactory(fileSystem: fs)
        factory.walConfiguration.syncerThread = syncerThread
        let (wal, r) = try factory.open()
        let threads = 8, perThread = 150
        let misses = Mutex<[String]>([])
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            Thread {
                for i in 0..<perThread {
                    let row = "t\(t)-\(i)"
                    let d: Durability = i % 3 == 0 ? .syncWAL : .fsyncWAL
                    do {
                        try r.put(row, "f", "q", "v\(i)", durability: d)
                        if try r.value(row, "f", "q") != b("v\(i)") { misses.withLock { $0.append(row) } }
                    } catch {
                        misses.withLock { $0.append("\(row): \(error)") }
                    }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(misses.withLock { $0 }.isEmpty, "writes not visible to their writer: \(misses.withLock { $0.prefix(5) })")
        #expect(r.readPoint == UInt64(threads * perThread))
        try wal.sync(fsync: true)
        var ids: [UInt64] = []
        for path in try wal.filePaths() { try WALReader.read(fileSystem: fs, path: path) { ids.append($0.sequenceId) } }
        #expect(ids.count == threads * perThread)
        let inversions = zip(ids, ids.dropFirst()).filter { $0.0 > $0.1 }
        #expect(inversions.isEmpty, "\(inversions.count) sequence ids out of WAL order, first \(inversions.prefix(3))")
        try wal.close()
    }

    @Test func aWALFailureFailsTheWriteAndHidesIt() throws {
        let fs = MemoryFileSystem()
        let factory = try TestRegionFactory(fileSystem: fs)
        let (_, r) = try factory.open()
        try r.put("before", "f", "q", "v")
        fs.failWrites(afterBytes: 0)
        #expect(throws: StorageError.self) { try r.put("during", "f", "q", "v") }
        #expect(try r.value("during", "f", "q") == nil)
        #expect(try r.value("before", "f", "q") == b("v"))
        // The region now refuses writes of any durability, and flushes; reads go on.
        #expect { try r.put("after", "f", "q", "v", durability: .skipWAL) } throws: { ($0 as? StorageError)?.kind == .walFailed }
        #expect(throws: StorageError.self) { try r.flush() }
        #expect(try r.scanner(Scan()).all().map(\.row) == [b("before")])
    }
}
