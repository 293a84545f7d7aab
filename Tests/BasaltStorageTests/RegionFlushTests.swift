import BasaltCore
import BasaltTestSupport
import Foundation
import Synchronization
import Testing
@testable import BasaltStorage

/// Flush and compaction of one region: reads across MemStore and HFiles, WAL archiving, crashes at every
/// step, readers holding compacted files, damaged files.
@Suite struct RegionFlushTests {
    func rows(_ r: Region, _ scan: Scan = Scan()) throws -> [String] {
        try r.scanner(scan).all().map { String(decoding: $0.row, as: UTF8.self) }
    }

    func key(_ i: Int) -> String { String(format: "row%04d", i) }

    @Test func readsMergeMemStoreAndFiles() throws {
        let f = try TestRegionFactory(families: [.init("f"), .init("g")])
        let (wal, r) = try f.open()
        defer { try? wal.close() }
        for i in 0..<50 { try r.put(key(i), "f", "a", "v\(i)") }
        #expect(try r.flush())
        for i in 25..<75 { try r.put(key(i), "g", "b", "w\(i)") }
        var d = Delete(row: b(key(10)))
        d.addColumns(family: b("f"), qualifier: b("a"))
        try r.delete(d)
        #expect(try r.flush())
        try r.put(key(99), "f", "a", "mem")
        try r.put(key(11), "f", "a", "newer")
        #expect(try r.value(key(3), "f", "a") == b("v3"))
        #expect(try r.value(key(30), "g", "b") == b("w30"))
        #expect(try r.value(key(10), "f", "a") == nil)
        #expect(try r.value(key(11), "f", "a") == b("newer"))
        let all = try rows(r)
        #expect(all.count == 75)  // 0..<75 plus 99, minus row 10 (only f:a, deleted)
        #expect(all.first == key(0) && all.last == key(99))
        var rev = Scan()
        rev.reversed = true
        #expect(try rows(r, rev) == all.reversed())
        var range = Scan(startRow: b(key(40)), stopRow: b(key(20)))
        range.reversed = true
        #expect(try rows(r, range) == (21...40).map(key).reversed())
        #expect(r.stores.map(\.fileCount) == [2, 1])
        #expect(r.memStoreSize > 0)
    }

    @Test func flushArchivesWALFilesAndReopenReplaysNothing() throws {
        let fs = MemoryFileSystem()
        var f = try TestRegionFactory(fileSystem: fs)
        f.walConfiguration.rollSize = 4096
        var (wal, r) = try f.open()
        for i in 0..<400 { try r.put(key(i), "f", "q", String(repeating: "x", count: 50)) }
        #expect(wal.fileCount > 3)
        try r.flush()
        #expect(wal.fileCount == 1)
        #expect(wal.statistics.archivedFiles > 2)
        #expect(try fs.list("oldWALs").count == wal.statistics.archivedFiles)
        r.close()
        try wal.close()
        (wal, r) = try f.open()
        #expect(r.memStoreSize == 0)
        #expect(try rows(r).count == 400)
        #expect(r.flushedSequenceId == 400)
        try r.put(key(1000), "f", "q", "after")
        #expect(r.maxSequenceId == 401)
        try wal.close()
    }

    /// Fails the HFile write at many byte offsets, crashes the process, reopens: every acknowledged write
    /// is there exactly once, and the next flush succeeds.
    @Test func crashAtEveryStepOfAFlushLosesNothing() throws {
        var budget = 0
        var sawSuccess = false
        while !sawSuccess {
            let fs = MemoryFileSystem()
            let f = try TestRegionFactory(fileSystem: fs)
            var (wal, r) = try f.open()
            for i in 0..<120 { try r.put(key(i), "f", "q", "v\(i)") }
            try r.flush()
            for i in 100..<220 { try r.put(key(i), "f", "q", "w\(i)") }
            fs.failWrites(afterBytes: budget)
            do {
                try r.flush()
                sawSuccess = true
            } catch {
                #expect(r.memStoreSize > 0)
            }
            fs.failWrites(afterBytes: nil)
            fs.crashProcess()
            (wal, r) = try f.open()
            for i in 0..<220 {
                var g = Get(row: b(key(i)))
                g.maxVersions = 5
                let cells = try r.get(g).cells
                #expect(cells.count == 1, "budget \(budget), row \(i)")
                #expect(cells.first?.value == b(i < 100 ? "v\(i)" : "w\(i)"), "budget \(budget), row \(i)")
            }
            try r.flush()
            #expect(try rows(r).count == 220)
            try wal.close()
            budget += 700
        }
        #expect(budget > 2000)
    }

    @Test func minorCompactionKeepsDeletesAndMajorDropsThem() throws {
        var f = try TestRegionFactory(families: [{ var c = ColumnFamilyDescriptor("f"); c.maxVersions = 2; return c }()])
        f.regionConfiguration.compaction.minCompactSize = 0
        f.regionConfiguration.compaction.ratio = 100
        let (wal, r) = try f.open()
        defer { try? wal.close() }
        for v in 1...3 { try r.put("a", "f", "q", "a\(v)", ts: Int64(v)) }
        try r.put("b", "f", "q", "b1", ts: 1)
        try r.flush()
        try r.put("c", "f", "q", "c1", ts: 1)
        try r.flush()
        var d = Delete(row: b("b"))
        d.addColumns(family: b("f"), qualifier: b("q"))
        try r.delete(d)
        try r.flush()
        #expect(r.stores[0].fileCount == 3)
        #expect(try r.compact(major: false) == 1)
        #expect(r.stores[0].fileCount == 1)
        var raw = Scan()
        raw.raw = true
        raw.maxVersions = 10
        let before = try r.scanner(raw).all().flatMap(\.cells)
        #expect(before.contains { $0.type == .deleteColumn })
        #expect(before.filter { $0.row == b("a") }.count == 3)
        #expect(try r.value("b", "f", "q") == nil)
        #expect(try r.compact(major: true) == 1)
        let after = try r.scanner(raw).all().flatMap(\.cells)
        #expect(!after.contains { $0.type != .put })
        #expect(after.map { String(decoding: $0.value, as: UTF8.self) } == ["a3", "a2", "c1"])
        #expect(r.stores[0].storeFiles[0].info.majorCompacted)
    }

    /// A major compaction asked for while another compaction holds the store waits for it, then takes
    /// every file (it used to return 0 and do nothing).
    @Test func aMajorCompactionWaitsForTheRunningOne() throws {
        let f = try TestRegionFactory()
        let (wal, r) = try f.open()
        defer { try? wal.close() }
        for i in 0..<3 {
            try r.put("r\(i)", "f", "q", "v\(i)")
            try r.flush()
        }
        let store = r.stores[0]
        let claimed = try #require(store.beginCompaction { Array($0.prefix(1)) })
        let result = Mutex<Int?>(nil)
        let major = Thread {
            let n = try? r.compact(major: true)
            result.withLock { $0 = n }
        }
        major.start()
        usleep(100_000)
        #expect(result.withLock { $0 } == nil, "the major compaction waits while the store is claimed")
        store.endCompaction(inputs: claimed, output: nil)
        for _ in 0..<500 where result.withLock({ $0 }) == nil { usleep(10_000) }
        #expect(result.withLock { $0 } == 1)
        #expect(store.fileCount == 1)
        #expect(store.storeFiles[0].info.majorCompacted)
        #expect(try r.value("r2", "f", "q") == b("v2"))
    }

    @Test func compactedFilesAreDeletedOnlyWhenNoReaderUsesThem() throws {
        let fs = MemoryFileSystem()
        let f = try TestRegionFactory(fileSystem: fs)
        let (wal, r) = try f.open()
        defer { try? wal.close() }
        for round in 0..<3 {
            for i in 0..<20 { try r.put(key(round * 20 + i), "f", "q", "v") }
            try r.flush()
        }
        let dir = f.files.familyDirectory(f.descriptor.families[0])
        let old = try fs.list(dir)
        #expect(old.count == 3)
        var scanner: RegionScanner? = try r.scanner(Scan())
        #expect(try scanner?.next()?.row == b(key(0)))
        try r.compact(major: true)
        #expect(Set(old).isSubset(of: Set(try fs.list(dir))))
        var seen = 1
        while try scanner?.next() != nil { seen += 1 }
        #expect(seen == 60)
        scanner = nil
        let now = try fs.list(dir)
        #expect(now.count == 1)
        #expect(Set(now).isDisjoint(with: Set(old)))
        #expect(try rows(r).count == 60)
    }

    @Test func crashAtEveryStepOfACompactionLosesNothing() throws {
        var budget = 0
        var sawSuccess = false
        while !sawSuccess {
            let fs = MemoryFileSystem()
            let f = try TestRegionFactory(fileSystem: fs)
            var (wal, r) = try f.open()
            for round in 0..<3 {
                for i in 0..<60 { try r.put(key(i * 3 + round), "f", "q", "v\(round)") }
                var d = Delete(row: b(key(round)))
                d.addFamily(family: b("f"))
                try r.delete(d)
                try r.flush()
            }
            fs.failWrites(afterBytes: budget)
            do {
                try r.compact(major: true)
                sawSuccess = true
            } catch {}
            fs.failWrites(afterBytes: nil)
            fs.crashProcess()
            (wal, r) = try f.open()
            let got = try rows(r)
            #expect(got.count == 177, "budget \(budget)")
            #expect(!got.contains(key(0)) && !got.contains(key(1)) && !got.contains(key(2)))
            #expect(r.stores[0].fileCount == (sawSuccess ? 1 : 3), "budget \(budget)")
            try wal.close()
            budget += 900
        }
    }

    @Test func corruptBlockFailsOnlyTheReadsThatNeedIt() throws {
        let fs = MemoryFileSystem()
        let f = try TestRegionFactory(fileSystem: fs)
        var (wal, r) = try f.open()
        for i in 0..<200 { try r.put("a\(key(i))", "f", "q", String(repeating: "x", count: 500)) }
        try r.flush()
        for i in 0..<200 { try r.put("b\(key(i))", "f", "q", "y") }
        try r.flush()
        let first = r.stores[0].storeFiles[0]
        #expect(first.info.firstKey.count > 0)
        r.close()
        try wal.close()
        fs.corrupt(first.path, at: 100)
        (wal, r) = try f.open()
        defer { try? wal.close() }
        #expect {
            _ = try r.value("a\(key(0))", "f", "q")
        } throws: { e in
            guard let e = e as? StorageError else { return false }
            return e.kind == .corruptFile && e.message.contains(first.path) && e.message.contains("offset 0")
        }
        #expect(try r.value("a\(key(150))", "f", "q") == b(String(repeating: "x", count: 500)))
        #expect(try r.value("b\(key(0))", "f", "q") == b("y"))
        #expect(try rows(r, Scan(startRow: b("b"))).count == 200)
    }

    @Test func truncatedFileIsSetAsideAndTheOthersStillRead() throws {
        let fs = MemoryFileSystem()
        let f = try TestRegionFactory(fileSystem: fs)
        var (wal, r) = try f.open()
        for i in 0..<50 { try r.put("a\(key(i))", "f", "q", "x") }
        try r.flush()
        for i in 0..<50 { try r.put("b\(key(i))", "f", "q", "y") }
        try r.flush()
        let first = r.stores[0].storeFiles[0]
        r.close()
        try wal.close()
        try fs.truncate(first.path, to: 100)
        (wal, r) = try f.open()
        defer { try? wal.close() }
        #expect(r.stores[0].corruptFiles == [first.name])
        #expect(fs.exists(joinPath(f.files.directory, ".corrupt", "f", first.name)))
        #expect(try rows(r).count == 50)
        #expect(try r.value("b\(key(7))", "f", "q") == b("y"))
    }

    @Test func timeRangeAndBloomSkipFiles() throws {
        let f = try TestRegionFactory()
        let (wal, r) = try f.open()
        defer { try? wal.close() }
        for i in 0..<30 { try r.put(key(i), "f", "q", "old", ts: 100) }
        try r.flush()
        for i in 0..<30 { try r.put(key(i), "f", "q", "new", ts: 200) }
        try r.flush()
        var g = Get(row: b(key(5)))
        g.timeRange = try TimeRange(minimum: 0, maximum: 150)
        #expect(try r.get(g).cells.first?.value == b("old"))
        let files = r.stores[0].storeFiles
        #expect(!files[1].mayContain(timeRange: g.timeRange))
        #expect(files[0].mayContain(timeRange: g.timeRange))
        #expect(!b("zzz").withUnsafeBytes { files[0].mayContain(row: $0, qualifiers: nil) })
    }

    /// A crash after the compaction's output is in place but before its inputs are deleted: on open the
    /// store deletes the inputs (named in the output's file info) instead of reading them twice.
    @Test func inputsLeftByACrashAfterCompactionAreDeletedOnOpen() throws {
        let fs = MemoryFileSystem()
        let f = try TestRegionFactory(fileSystem: fs)
        var (wal, r) = try f.open()
        for round in 0..<3 {
            for i in 0..<20 { try r.put(key(i), "f", "q", "v\(round)") }
            try r.flush()
        }
        let dir = f.files.familyDirectory(f.descriptor.families[0])
        let saved = try fs.list(dir).map { ($0, try fs.readAll(joinPath(dir, $0))) }
        try r.compact(major: true)
        r.close()
        try wal.close()
        for (name, bytes) in saved {
            let w = try fs.openForAppend(joinPath(dir, name), truncate: true)
            try bytes.withUnsafeBytes { try w.append($0) }
            try w.close()
        }
        #expect(try fs.list(dir).count == 4)
        (wal, r) = try f.open()
        defer { try? wal.close() }
        #expect(r.stores[0].fileCount == 1)
        #expect(try fs.list(dir).count == 1)
        var g = Get(row: b(key(3)))
        g.maxVersions = 5
        #expect(try r.get(g).cells.map(\.value) == [b("v2")])
    }
}
