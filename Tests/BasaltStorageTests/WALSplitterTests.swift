import BasaltCore
import BasaltTestSupport
import Foundation
import Logging
import Testing
@testable import BasaltStorage

/// Splitting a dead server's WAL into per-region recovered edits: a torn tail ends the last file
/// without failing the split, and edits for a region that has since split (or merged) away are left
/// out while its daughters get theirs.
@Suite struct WALSplitterTests {
    static let table = try! TableName("w")
    static let descriptor = try! TableDescriptor(name: table, families: [.init("f")])
    static let logger = Logger(label: "test.split")

    static func engine(_ fs: MemoryFileSystem) throws -> StorageEngine {
        var c = StorageEngine.Configuration()
        c.memory = 64 << 20
        c.wakeFrequency = .seconds(3600)
        return try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: c)
    }

    static func key(_ i: Int) -> String { String(format: "k%04d", i) }

    @Test func aTornTailEndsTheSplitAndEverySyncedEditComesBack() throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let info = RegionInfo(table: Self.table, regionId: 1)
        let r = try engine.openRegion(info, descriptor: Self.descriptor)
        var synced: [Int] = []
        for i in 0..<400 {
            let d: Durability = i % 3 == 0 ? .fsyncWAL : .asyncWAL
            try r.put(Self.key(i), "f", "q", "v\(i)", durability: d)
            if d == .fsyncWAL { synced.append(i) }
        }
        // Power fails part way through an unsynced entry: the last file ends in a torn entry.
        fs.powerLoss { _, unsynced in unsynced > 12 ? unsynced / 2 + 5 : 0 }

        let outcome = try WALSplitter.split(fileSystem: fs, root: "root", serverDirectory: "rs1", logger: Self.logger)
        #expect(outcome.regions == 1 && outcome.entries >= synced.count)
        #expect(!fs.exists("root/WALs/rs1") && !fs.exists("root/WALs/rs1-splitting"))
        let edits = try WALSplitter.recoveredEdits(fileSystem: fs, regionDirectory: RegionFiles.directory(root: "root", region: info))
        #expect(edits.count == 1)

        let again = try Self.engine(fs)
        let reopened = try again.openRegion(info, descriptor: Self.descriptor)
        for i in synced { #expect(try reopened.value(Self.key(i), "f", "q") == Bytes.of("v\(i)")) }
        // Whatever else survived is whole.
        for row in try reopened.scanner(Scan()).all() {
            let i = try #require(Int(String(decoding: row.row.dropFirst(), as: UTF8.self)))
            #expect(row.value(family: Bytes.of("f"), qualifier: Bytes.of("q")) == Bytes.of("v\(i)"))
        }
        // The edits were replayed, flushed and deleted at open.
        #expect(try WALSplitter.recoveredEdits(fileSystem: fs, regionDirectory: RegionFiles.directory(root: "root", region: info)).isEmpty)
        try again.close()
    }

    /// A split stopped by a crash (or a power loss) after every one of its file operations, then run
    /// again from the start as the next master does: every edit comes back, once.
    @Test func aSplitCrashedAtEveryStepAndRunAgainLosesNothing() throws {
        var budget = 0
        while true {
            let fs = MemoryFileSystem()
            let engine = try Self.engine(fs)
            let info = RegionInfo(table: Self.table, regionId: 1)
            let r = try engine.openRegion(info, descriptor: Self.descriptor)
            for i in 0..<200 {
                try r.put(Self.key(i), "f", "q", "v\(i)", durability: .fsyncWAL)
                if i == 100 { try engine.wal.roll() }
            }
            fs.crashProcess()
            fs.failOperations(after: budget)
            let finished = (try? WALSplitter.split(fileSystem: fs, root: "root", serverDirectory: "rs1", logger: Self.logger)) != nil
            fs.failOperations(after: nil)
            if budget % 2 == 0 { fs.powerLoss() } else { fs.crashProcess() }
            try WALSplitter.split(fileSystem: fs, root: "root", serverDirectory: "rs1", logger: Self.logger)
            #expect(!fs.exists("root/WALs/rs1") && !fs.exists("root/WALs/rs1-splitting"), "budget \(budget)")
            let again = try Self.engine(fs)
            let reopened = try again.openRegion(info, descriptor: Self.descriptor)
            let rows = try reopened.scanner(Scan()).all()
            #expect(rows.count == 200, "budget \(budget)")
            for i in 0..<200 { #expect(try reopened.value(Self.key(i), "f", "q") == Bytes.of("v\(i)"), "budget \(budget), row \(i)") }
            try again.close()
            if finished {
                #expect(budget > 6)
                return
            }
            budget += 1
        }
    }

    @Test func editsOfARegionThatHasSinceSplitGoToNobodyAndItsDaughtersGetTheirs() throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let parent = RegionInfo(table: Self.table, regionId: 1)
        let p = try engine.openRegion(parent, descriptor: Self.descriptor)
        for i in 0..<200 { try p.put(Self.key(i), "f", "q", "parent\(i)") }
        // The split: the parent closes with a flush, its daughters link its files, its folder goes.
        try engine.closeRegion(parent.encodedName)
        let mid = Bytes.of(Self.key(100))
        let a = RegionInfo(table: Self.table, startKey: [], endKey: mid, regionId: 2)
        let b = RegionInfo(table: Self.table, startKey: mid, endKey: [], regionId: 2)
        for d in [a, b] { try RegionSplitter.shareFiles(fileSystem: fs, root: "root", from: [parent], to: d, families: Self.descriptor.families) }
        try RegionSplitter.removeRegionFiles(fileSystem: fs, root: "root", region: parent)
        let ra = try engine.openRegion(a, descriptor: Self.descriptor)
        let rb = try engine.openRegion(b, descriptor: Self.descriptor)
        // The daughters write into the same WAL, after the parent's entries; then the server dies.
        for i in stride(from: 0, to: 200, by: 2) {
            try (i < 100 ? ra : rb).put(Self.key(i), "f", "q", "daughter\(i)", durability: .syncWAL)
        }
        fs.crashProcess()

        let outcome = try WALSplitter.split(fileSystem: fs, root: "root", serverDirectory: "rs1", logger: Self.logger)
        #expect(outcome.regions == 2)
        #expect(outcome.skippedRegions == 1)
        #expect(!fs.exists(RegionFiles.directory(root: "root", region: parent)), "no folder is made for the split parent")
        for d in [a, b] {
            #expect(try WALSplitter.recoveredEdits(fileSystem: fs, regionDirectory: RegionFiles.directory(root: "root", region: d)).count == 1)
        }

        let again = try Self.engine(fs)
        let ra2 = try again.openRegion(a, descriptor: Self.descriptor)
        let rb2 = try again.openRegion(b, descriptor: Self.descriptor)
        for i in 0..<200 {
            let expected = i % 2 == 0 ? "daughter\(i)" : "parent\(i)"
            #expect(try (i < 100 ? ra2 : rb2).value(Self.key(i), "f", "q") == Bytes.of(expected), "row \(i)")
        }
        #expect(try ra2.scanner(Scan()).all().count == 100)
        #expect(try rb2.scanner(Scan()).all().count == 100)
        try again.close()
    }

    /// A dead server's WAL in several files, split file by file at the same time (as live region servers
    /// do for the master): each region gets an edits file per WAL file, replayed in sequence order, so
    /// a later write to a cell wins; the folder goes only once every file is split.
    @Test func filesSplitInParallelReplayInSequenceOrder() async throws {
        let fs = MemoryFileSystem()
        let engine = try Self.engine(fs)
        let regions = [
            RegionInfo(table: Self.table, startKey: [], endKey: Bytes.of("k0500"), regionId: 1),
            RegionInfo(table: Self.table, startKey: Bytes.of("k0500"), endKey: [], regionId: 1),
        ]
        let open = try regions.map { try engine.openRegion($0, descriptor: Self.descriptor) }
        for round in 0..<4 {
            for i in stride(from: round, to: 1000, by: 3) {
                try open[i < 500 ? 0 : 1].put(Self.key(i), "f", "q", "r\(round)v\(i)", durability: .syncWAL)
            }
            try engine.wal.roll()
        }
        fs.crashProcess()

        let (folder, files) = try WALSplitter.prepare(fileSystem: fs, root: "root", serverDirectory: "rs1")
        #expect(folder == "rs1-splitting" && files.count >= 4)
        #expect(throws: StorageError.self) { try WALSplitter.finish(fileSystem: fs, root: "root", folder: folder) }
        #expect(throws: StorageError.self) { try WALSplitter.splitFile(fileSystem: fs, root: "root", folder: "../x-splitting", file: files[0], logger: Self.logger) }
        let entries = try await withThrowingTaskGroup(of: Int.self) { group in
            for f in files {
                group.addTask { try WALSplitter.splitFile(fileSystem: fs, root: "root", folder: folder, file: f, logger: Self.logger).entries }
            }
            return try await group.reduce(0, +)
        }
        #expect(entries > 0)
        // A repeated file split finds the file archived: nothing to do.
        #expect(try WALSplitter.splitFile(fileSystem: fs, root: "root", folder: folder, file: files[0], logger: Self.logger).files == 0)
        try WALSplitter.finish(fileSystem: fs, root: "root", folder: folder)
        #expect(!fs.exists("root/WALs/rs1-splitting"))
        for r in regions {
            #expect(try WALSplitter.recoveredEdits(fileSystem: fs, regionDirectory: RegionFiles.directory(root: "root", region: r)).count >= 2)
        }

        let again = try Self.engine(fs)
        let reopened = try regions.map { try again.openRegion($0, descriptor: Self.descriptor) }
        for i in 0..<1000 {
            let last = (0..<4).last { round in stride(from: round, to: 1000, by: 3).contains(i) }
            let expected = last.map { "r\($0)v\(i)" }
            #expect(try reopened[i < 500 ? 0 : 1].value(Self.key(i), "f", "q") == expected.map(Bytes.of), "row \(i)")
        }
        try again.close()
    }
}
