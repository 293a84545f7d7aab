import BasaltCore
import BasaltTestSupport
import Foundation
import Testing
@testable import BasaltStorage

/// Split and merge at the file level: daughters share the parent's files through links, read only their
/// own rows, and their first compaction rewrites the shared files down to those rows.
@Suite struct RegionSplitterTests {
    static let table = try! TableName("s")
    static let descriptor = try! TableDescriptor(name: table, families: [.init("f"), .init("g")])

    static func engine(_ fs: any FileSystem, root: String = "root") throws -> StorageEngine {
        var c = StorageEngine.Configuration()
        c.memory = 64 << 20
        c.wakeFrequency = .seconds(3600)
        return try StorageEngine(fileSystem: fs, root: root, serverName: "rs1", configuration: c)
    }

    static func key(_ i: Int) -> String { String(format: "r%05d", i) }

    static func rows(_ r: Region, reversed: Bool = false) throws -> [String] {
        var scan = Scan()
        scan.reversed = reversed
        return try r.scanner(scan).all().map { String(decoding: $0.row, as: UTF8.self) }
    }

    /// Writes rows 0..<n in two flushes (two files per family) plus a MemStore tail, and a delete.
    static func fill(_ r: Region, _ n: Int) throws {
        for i in 0..<n {
            try r.put(key(i), "f", "q", "v\(i)")
            if i % 3 == 0 { try r.put(key(i), "g", "q", "w\(i)") }
            if i == n / 2 { try r.flush() }
        }
        try r.delete(Delete(row: Bytes.of(key(7))))
    }

    @Test func daughtersShareTheFilesAndEachSeesOnlyItsRows() throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let parent = RegionInfo(table: Self.table, regionId: 1)
        let r = try engine.openRegion(parent, descriptor: Self.descriptor)
        try Self.fill(r, 2000)
        try engine.closeRegion(parent.encodedName)

        let inspected = try RegionSplitter.inspect(fileSystem: fs, root: "root", region: parent, descriptor: Self.descriptor)
        #expect(!inspected.shared)
        let mid = try #require(inspected.midRow)
        let midIndex = try #require(Int(String(decoding: mid.dropFirst(), as: UTF8.self)))
        #expect(midIndex > 200 && midIndex < 1800, "the mid row \(Bytes.toStringBinary(mid)) is near the middle")

        let a = RegionInfo(table: Self.table, startKey: [], endKey: mid, regionId: 2)
        let b = RegionInfo(table: Self.table, startKey: mid, endKey: [], regionId: 2)
        let linked = try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [parent], to: a, families: Self.descriptor.families)
        #expect(linked == 4)
        try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [parent], to: b, families: Self.descriptor.families)
        try RegionSplitter.removeRegionFiles(fileSystem: fs, root: "root", region: parent)
        #expect(!fs.exists(RegionFiles.directory(root: "root", region: parent)))
        #expect(try RegionSplitter.inspect(fileSystem: fs, root: "root", region: a, descriptor: Self.descriptor).shared)

        let ra = try engine.openRegion(a, descriptor: Self.descriptor)
        let rb = try engine.openRegion(b, descriptor: Self.descriptor)
        let expected = (0..<2000).filter { $0 != 7 }.map(Self.key)
        let lower = expected.filter { $0 < String(decoding: mid, as: UTF8.self) }
        let upper = expected.filter { $0 >= String(decoding: mid, as: UTF8.self) }
        // A's compaction may already be running; the rows are the same either way.
        #expect(try Self.rows(ra) == lower)
        #expect(try Self.rows(rb) == upper)
        #expect(try Self.rows(rb, reversed: true) == upper.reversed())
        #expect(try ra.value(Self.key(3), "g", "q") == Bytes.of("w3"))
        #expect(try ra.value(Self.key(7), "f", "q") == nil)
        #expect(throws: StorageError.self) { try ra.get(Get(row: Bytes.of(Self.key(1999)))) }

        // Compaction rewrites the shared files to the daughter's own rows.
        try ra.compact(major: true)
        try rb.compact(major: true)
        #expect(!ra.hasReferences && !rb.hasReferences)
        #expect(try Self.rows(ra) == lower)
        #expect(try Self.rows(rb) == upper)
        #expect(try ra.splitPoint() != nil)

        // Writes go on in each daughter; a reopen (WAL replay under the daughter's name) keeps them.
        try ra.put(Self.key(1), "f", "q", "new")
        try engine.dropRegion(a.encodedName)
        let again = try engine.openRegion(a, descriptor: Self.descriptor)
        #expect(try again.value(Self.key(1), "f", "q") == Bytes.of("new"))
        try engine.close()
    }

    /// The master's file work of a split, stopped by a crash after every one of its file operations and
    /// then run again (as a restarted master does): the daughters end up with the parent's rows, no more.
    @Test func linkingDaughtersSurvivesACrashAtEveryStep() throws {
        var budget = 0
        while true {
            let fs = MemoryFileSystem()
            let engine = try Self.engine(fs)
            let parent = RegionInfo(table: Self.table, regionId: 1)
            try Self.fill(try engine.openRegion(parent, descriptor: Self.descriptor), 300)
            try engine.closeRegion(parent.encodedName)
            try engine.close()
            let mid = Bytes.of(Self.key(150))
            let a = RegionInfo(table: Self.table, startKey: [], endKey: mid, regionId: 2)
            let b = RegionInfo(table: Self.table, startKey: mid, endKey: [], regionId: 2)
            fs.failOperations(after: budget)
            var finished = true
            do {
                for d in [a, b] { try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [parent], to: d, families: Self.descriptor.families) }
            } catch {
                finished = false
            }
            fs.failOperations(after: nil)
            fs.powerLoss()
            for d in [a, b] { try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [parent], to: d, families: Self.descriptor.families) }
            let again = try Self.engine(fs)
            let left = try Self.rows(try again.openRegion(a, descriptor: Self.descriptor))
            let right = try Self.rows(try again.openRegion(b, descriptor: Self.descriptor))
            #expect(left == (0..<150).filter { $0 != 7 }.map(Self.key), "budget \(budget)")
            #expect(right == (150..<300).map(Self.key), "budget \(budget)")
            try again.close()
            if finished {
                #expect(budget > 10)
                return
            }
            budget += 1
        }
    }

    @Test func mergedRegionReadsBothParents() throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let a = RegionInfo(table: Self.table, startKey: [], endKey: Bytes.of(Self.key(500)), regionId: 1)
        let b = RegionInfo(table: Self.table, startKey: Bytes.of(Self.key(500)), endKey: [], regionId: 1)
        let ra = try engine.openRegion(a, descriptor: Self.descriptor)
        let rb = try engine.openRegion(b, descriptor: Self.descriptor)
        for i in 0..<1000 { try (i < 500 ? ra : rb).put(Self.key(i), "f", "q", "v\(i)") }
        try engine.closeRegion(a.encodedName)
        try engine.closeRegion(b.encodedName)
        let merged = RegionInfo(table: Self.table, regionId: 2)
        #expect(try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [a, b], to: merged, families: Self.descriptor.families) == 2)
        let rm = try engine.openRegion(merged, descriptor: Self.descriptor)
        #expect(try Self.rows(rm) == (0..<1000).map(Self.key))
        #expect(!rm.hasReferences, "adjacent parents' files all lie inside the merged range")
        try engine.close()
    }

    /// Daughters merged back after only one of them compacted: the compacted one's output names the
    /// shared files it replaced, and the merged region must not drop the other's copies of them.
    @Test func mergingSiblingsAfterOneCompactedKeepsEveryRow() throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let parent = RegionInfo(table: Self.table, regionId: 1)
        let r = try engine.openRegion(parent, descriptor: Self.descriptor)
        for i in 0..<100 { try r.put("a\(i)", "f", "q", "v") }
        try r.flush()
        for i in 0..<100 { try r.put("z\(i)", "f", "q", "v") }
        try engine.closeRegion(parent.encodedName)
        let a = RegionInfo(table: Self.table, startKey: [], endKey: Bytes.of("m"), regionId: 2)
        let b = RegionInfo(table: Self.table, startKey: Bytes.of("m"), endKey: [], regionId: 2)
        for d in [a, b] { try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [parent], to: d, families: Self.descriptor.families) }
        // Opened without an engine, so nothing compacts unless asked: only B does.
        let pool = MemStoreChunkPool()
        func open(_ info: RegionInfo) throws -> Region {
            try Region(info: info, descriptor: Self.descriptor, wal: nil, pool: pool, files: RegionFiles(fileSystem: fs, directory: RegionFiles.directory(root: "root", region: info), blockCache: nil))
        }
        let rb = try open(b)
        try rb.compact(major: true)
        rb.close()
        #expect(try open(a).hasReferences)
        let merged = RegionInfo(table: Self.table, regionId: 3)
        try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [a, b], to: merged, families: Self.descriptor.families)
        #expect(try Self.rows(try open(merged)).count == 200)
        try engine.close()
    }

    @Test func aRegionTooSmallOrSharedHasNoSplitPoint() throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let r = try engine.openRegion(RegionInfo(table: Self.table, regionId: 1), descriptor: Self.descriptor)
        #expect(try r.splitPoint() == nil, "no files")
        try r.put("only", "f", "q", "v")
        try r.flush()
        #expect(try r.splitPoint() == nil, "one row: nothing on one side")
        let info = RegionInfo(table: Self.table, startKey: Bytes.of("b"), endKey: Bytes.of("d"), regionId: 1)
        #expect(info.acceptableSplitRow(Bytes.of("c")) == Bytes.of("c"))
        #expect(info.acceptableSplitRow(Bytes.of("b")) == nil)
        #expect(info.acceptableSplitRow(Bytes.of("d")) == nil)
        #expect(info.acceptableSplitRow(Bytes.of("a")) == nil)
        try engine.close()
    }

    @Test func deleteTreeRemovesNestedFolders() throws {
        let fs = MemoryFileSystem()
        try fs.createDirectory("x/y/z")
        let f = try fs.openForAppend("x/y/file")
        try f.close()
        #expect(throws: StorageError.self) { try fs.delete("x/y") }
        try fs.deleteTree("x")
        #expect(!fs.exists("x") && !fs.exists("x/y/file") && !fs.exists("x/y/z"))
        try fs.deleteTree("missing")
    }

    @Test func steppingPolicySplitsTheFirstRegionAtTwiceTheFlushSize() throws {
        var p = SplitPolicy()
        p.flushSize = 100
        p.maxFileSize = 10_000
        #expect(!p.shouldSplit(largestStore: 200, tableRegionsOnServer: 1))
        #expect(p.shouldSplit(largestStore: 201, tableRegionsOnServer: 1))
        #expect(!p.shouldSplit(largestStore: 5_000, tableRegionsOnServer: 2))
        #expect(p.shouldSplit(largestStore: 10_001, tableRegionsOnServer: 2))
        var disabled = SplitPolicy()
        disabled.kind = .disabled
        #expect(!disabled.shouldSplit(largestStore: .max, tableRegionsOnServer: 1))
    }
}
