import BasaltCore
import BasaltTestSupport
import Foundation
import Logging
import Synchronization
import Testing
@testable import BasaltStorage

@Suite struct WALTests {
    let region = Array("0123456789abcdef0123456789abcdef".utf8)

    func append(_ wal: WAL, seq: UInt64, row: String, durability: Durability = .syncWAL) throws {
        let cell = Cell(row: b(row), family: b("f"), qualifier: b("q"), timestamp: 10, value: b("v\(seq)"))
        try wal.append(encodedRegionName: region, tableName: b("t"), sequenceId: seq, writeTime: 99, cellCount: 1, durability: durability) { buf in
            WALEntryEncoder.addCell(buf, cell)
        }
    }

    func readAll(_ fs: any FileSystem, _ wal: WAL) throws -> [WALEntry] {
        var out: [WALEntry] = []
        for p in try wal.filePaths() { try WALReader.read(fileSystem: fs, path: p) { out.append($0) } }
        return out
    }

    @Test func entriesRoundTrip() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "w")
        for i in 1...50 { try append(wal, seq: UInt64(i), row: "row\(i)") }
        let entries = try readAll(fs, wal)
        #expect(entries.count == 50)
        #expect(entries.map(\.sequenceId) == Array(1...50))
        #expect(entries[4].cells == [Cell(row: b("row5"), family: b("f"), qualifier: b("q"), timestamp: 10, value: b("v5"), sequenceId: 5)])
        #expect(entries[0].encodedRegionName == region)
        #expect(entries[0].writeTime == 99)
        try wal.close()
        #expect(throws: StorageError.self) { try append(wal, seq: 51, row: "x") }
    }

    /// The fence against two writers: a running server holds its WAL folder's lock, so a second writer
    /// cannot open it and the master cannot split it; once the process is gone (a crash drops the lock,
    /// as the kernel does) the split goes ahead and finds every acknowledged entry.
    @Test func aLiveWALCannotBeSplitOrOpenedTwice() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "root/WALs/rs1")
        for i in 1...10 { try append(wal, seq: UInt64(i), row: "row\(i)") }
        #expect(throws: StorageError.self) { try WAL(fileSystem: fs, directory: "root/WALs/rs1") }
        #expect(throws: StorageError.self) { try WALSplitter.split(fileSystem: fs, root: "root", serverDirectory: "rs1", logger: Logger(label: "t")) }
        #expect(fs.exists("root/WALs/rs1"))
        fs.crashProcess()
        let outcome = try WALSplitter.split(fileSystem: fs, root: "root", serverDirectory: "rs1", logger: Logger(label: "t"))
        #expect(outcome.entries == 10)
        #expect(!fs.exists("root/WALs/rs1") && !fs.exists("root/WALs/rs1-splitting"))
        // A clean close releases the lock too.
        let again = try WAL(fileSystem: fs, directory: "root/WALs/rs2")
        try again.close()
        _ = try WAL(fileSystem: fs, directory: "root/WALs/rs2")
    }

    @Test func rollsAtTheConfiguredSize() throws {
        let fs = MemoryFileSystem()
        var conf = WAL.Configuration()
        conf.rollSize = 1000
        let wal = try WAL(fileSystem: fs, directory: "w", configuration: conf)
        for i in 1...100 { try append(wal, seq: UInt64(i), row: "row\(i)") }
        let files = try wal.filePaths()
        #expect(files.count > 5)
        #expect(try readAll(fs, wal).map(\.sequenceId) == Array(1...100))
        for f in files.dropLast() { #expect(try fs.fileSize(f) < 1000 + 200) }
    }

    @Test func tornTailIsCutOffOnOpen() throws {
        let fs = MemoryFileSystem()
        var wal: WAL? = try WAL(fileSystem: fs, directory: "w")
        for i in 1...10 { try append(wal!, seq: UInt64(i), row: "row\(i)", durability: .fsyncWAL) }
        for i in 11...12 { try append(wal!, seq: UInt64(i), row: "row\(i)", durability: .syncWAL) }
        let path = try wal!.filePaths()[0]
        let synced = try fs.fileSize(path)
        wal = nil
        // Power loss keeps 30 bytes of the unsynced entries: a torn entry.
        fs.powerLoss { _, unsynced in min(30, unsynced) }
        let outcome = try WALReader.read(fileSystem: fs, path: path) { _ in }
        #expect(outcome.tornAt != nil)
        #expect(outcome.entries == 10)
        let reopened = try WAL(fileSystem: fs, directory: "w")
        #expect(try fs.fileSize(path) < synced + 30)
        #expect(try WALReader.read(fileSystem: fs, path: path) { _ in }.tornAt == nil)
        #expect(try readAll(fs, reopened).map(\.sequenceId) == Array(1...10))
        try append(reopened, seq: 13, row: "after")
        #expect(try readAll(fs, reopened).map(\.sequenceId) == Array(1...10) + [13])
    }

    @Test func zeroFilledTailIsTreatedAsTorn() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "w")
        for i in 1...3 { try append(wal, seq: UInt64(i), row: "r\(i)") }
        let path = try wal.filePaths()[0]
        try wal.close()
        let f = try fs.openForAppend(path)
        try [UInt8](repeating: 0, count: 100).withUnsafeBytes { try f.append($0) }
        let outcome = try WALReader.read(fileSystem: fs, path: path) { _ in }
        #expect(outcome.entries == 3)
        #expect(outcome.tornAt != nil)
    }

    @Test func corruptionInTheMiddleNamesFileAndOffset() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "w")
        for i in 1...5 { try append(wal, seq: UInt64(i), row: "row\(i)") }
        let path = try wal.filePaths()[0]
        try wal.close()
        // Flip a byte inside the second entry's payload.
        var offset = WALReader.fileHeaderLength
        var firstLength = 0
        try WALReader.read(fileSystem: fs, path: path) { e in
            if firstLength == 0 {
                var bytes: [UInt8] = []
                e.encode(into: &bytes)
                firstLength = bytes.count
            }
        }
        offset += firstLength
        fs.corrupt(path, at: offset + WALEntry.headerLength + 3)
        do {
            _ = try WALReader.read(fileSystem: fs, path: path) { _ in }
            Issue.record("expected corruption to be reported")
        } catch let e as StorageError {
            #expect(e.kind == .walCorrupt)
            #expect(e.message.contains(path))
            #expect(e.message.contains("offset \(offset)"))
        }
        #expect(throws: StorageError.self) { try WAL(fileSystem: fs, directory: "w") }
    }

    @Test func syncWALSurvivesAProcessCrashAndFsyncSurvivesPowerLoss() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "w")
        try append(wal, seq: 1, row: "synced", durability: .syncWAL)
        fs.crashProcess()
        #expect(try readAll(fs, try WAL(fileSystem: fs, directory: "w")).map(\.sequenceId) == [1])

        let fs2 = MemoryFileSystem()
        let wal2 = try WAL(fileSystem: fs2, directory: "w")
        try append(wal2, seq: 1, row: "fsynced", durability: .fsyncWAL)
        try append(wal2, seq: 2, row: "written", durability: .syncWAL)
        fs2.powerLoss()
        #expect(try readAll(fs2, try WAL(fileSystem: fs2, directory: "w")).map(\.sequenceId) == [1])
    }

    @Test func asyncEntriesAreWrittenWithinTheFlushInterval() throws {
        let fs = MemoryFileSystem()
        var conf = WAL.Configuration()
        conf.asyncFlushInterval = .milliseconds(20)
        let wal = try WAL(fileSystem: fs, directory: "w", configuration: conf)
        try append(wal, seq: 1, row: "a", durability: .asyncWAL)
        let path = try wal.filePaths()[0]
        let deadline = Date().addingTimeInterval(5)
        var entries = 0
        while Date() < deadline {
            entries = try WALReader.read(fileSystem: fs, path: path) { _ in }.entries
            if entries == 1 { break }
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(entries == 1)
    }

    @Test(arguments: [true, false]) func groupCommitSharesFsyncs(syncerThread: Bool) throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var conf = WAL.Configuration()
        conf.syncerThread = syncerThread
        let wal = try WAL(fileSystem: POSIXFileSystem(), directory: dir.path, configuration: conf)
        let threads = 8, perThread = 50
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            Thread {
                for i in 0..<perThread { try? append(wal, seq: UInt64(t * perThread + i + 1), row: "r\(t)-\(i)", durability: .fsyncWAL) }
                group.leave()
            }.start()
        }
        group.wait()
        let s = wal.statistics
        #expect(s.appends == threads * perThread)
        // Eight threads each waiting for an fsync: groups must form.
        #expect(s.syncs < s.appends)
        #expect(try readAll(POSIXFileSystem(), wal).count == threads * perThread)
        try wal.close()
    }

    /// Writers of every durability at once, several syncs in flight and rolls among them, and the power
    /// fails mid-run: every acknowledged FSYNC_WAL entry is back, and whatever else survived is whole.
    @Test(arguments: [(1, false), (3, false), (1, true)]) func concurrentSyncersLoseNoAcknowledgedFsync(syncers: Int, syncerThread: Bool) throws {
        let fs = MemoryFileSystem()
        fs.setSyncDelay(.microseconds(200))
        var conf = WAL.Configuration()
        conf.syncers = syncers
        conf.syncerThread = syncerThread
        conf.rollSize = 8 << 10
        let wal = try WAL(fileSystem: fs, directory: "w", configuration: conf)
        let threads = 6, perThread = 5000
        let acked = Mutex<[UInt64]>([])
        let group = DispatchGroup()
        for t in 0..<threads {
            group.enter()
            Thread {
                for i in 0..<perThread {
                    let seq = UInt64(t * perThread + i + 1)
                    let d: Durability = [.fsyncWAL, .fsyncWAL, .syncWAL, .asyncWAL][(t + i) % 4]
                    // After the power loss appends fail; until then each one must succeed.
                    guard (try? append(wal, seq: seq, row: "r\(seq)", durability: d)) != nil else { break }
                    if d == .fsyncWAL { acked.withLock { $0.append(seq) } }
                }
                group.leave()
            }.start()
        }
        let deadline = Date().addingTimeInterval(20)
        while acked.withLock({ $0.count }) < 500 && Date() < deadline { Thread.sleep(forTimeInterval: 0.001) }
        fs.powerLoss()
        group.wait()
        let ackedNow = acked.withLock { $0 }
        #expect(ackedNow.count > 100)
        let survived = try readAll(fs, try WAL(fileSystem: fs, directory: "w", configuration: conf))
        let seqs = Set(survived.map(\.sequenceId))
        let lost = ackedNow.filter { !seqs.contains($0) }
        #expect(lost.isEmpty, "acknowledged fsyncs lost: \(lost.prefix(10))")
        #expect(seqs.count == survived.count)
    }

    @Test func preallocatedFilesKeepZerosAheadAndTrimThemOnClose() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let fs = POSIXFileSystem()
        var conf = WAL.Configuration()
        conf.preallocationChunk = 4096
        let wal = try WAL(fileSystem: fs, directory: dir.path + "/w", configuration: conf)
        for i in 1...100 { try append(wal, seq: UInt64(i), row: "row-\(i)", durability: .fsyncWAL) }
        let path = try #require(try wal.filePaths().last)
        let physical = try fs.fileSize(path)
        #expect(physical % 4096 == 0)
        #expect(physical > wal.statistics.bytes)

        // A crash now leaves the zeros behind: a copy of the open file replays every entry.
        try fs.createDirectory(dir.path + "/crashed")
        try FileManager.default.copyItem(atPath: path, toPath: dir.path + "/crashed/" + URL(fileURLWithPath: path).lastPathComponent)
        let recovered = try WAL(fileSystem: fs, directory: dir.path + "/crashed", configuration: conf)
        var seqs: [UInt64] = []
        try recovered.replay(encodedRegionName: region) { seqs.append($0.sequenceId) }
        #expect(seqs == Array(1...100))
        try recovered.close()

        // A clean close trims the file to what was written.
        try wal.close()
        let outcome = try WALReader.read(fileSystem: fs, path: path) { _ in }
        #expect(outcome.tornAt == nil && outcome.entries == 100)
        #expect(try fs.fileSize(path) == outcome.validLength)
    }

    @Test func aFailedWriteStopsTheWAL() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "w")
        try append(wal, seq: 1, row: "ok")
        fs.failWrites(afterBytes: 10)
        #expect(throws: StorageError.self) { try append(wal, seq: 2, row: "fails") }
        fs.failWrites(afterBytes: nil)
        do {
            try append(wal, seq: 3, row: "still refused")
            Issue.record("a failed WAL must refuse later appends")
        } catch let e as StorageError {
            #expect(e.kind == .walFailed)
        }
    }
}

/// The newest WAL file of a dead writer, read for splitting: past its last sync its pages reached the
/// storage in any order (seen on CephFS), so a damaged entry there ends the file; elsewhere it is corruption.
@Suite struct WALUnsyncedTailTests {
    let region = Array("0123456789abcdef0123456789abcdef".utf8)

    @Test func aDamagedEntryEndsTheNewestFileOfADeadWriterButIsCorruptionElsewhere() throws {
        let fs = MemoryFileSystem()
        let wal = try WAL(fileSystem: fs, directory: "w")
        var lengths: [Int] = []
        for i in 1...6 {
            let cell = Cell(row: b("row\(i)"), family: b("f"), qualifier: b("q"), timestamp: 10, value: b("v\(i)"))
            try wal.append(encodedRegionName: region, tableName: b("t"), sequenceId: UInt64(i), writeTime: 99, cellCount: 1, durability: .syncWAL) { buf in
                WALEntryEncoder.addCell(buf, cell)
            }
        }
        let path = try wal.filePaths()[0]
        try wal.close()
        try WALReader.read(fileSystem: fs, path: path) { e in
            var bytes: [UInt8] = []
            e.encode(into: &bytes)
            lengths.append(bytes.count)
        }
        // Damage the fourth entry's payload; the fifth and sixth stay intact after it.
        let fourth = WALReader.fileHeaderLength + lengths[0..<3].reduce(0, +)
        fs.corrupt(path, at: fourth + WALEntry.headerLength + 2)
        #expect(throws: StorageError.self) { try WALReader.read(fileSystem: fs, path: path) { _ in } }
        var seen: [UInt64] = []
        let outcome = try WALReader.read(fileSystem: fs, path: path, unsyncedTail: true) { seen.append($0.sequenceId) }
        #expect(seen == [1, 2, 3])
        #expect(outcome.tornAt == fourth)
    }

    @Test func theSplitterReadsOnlyTheNewestFileLeniently() throws {
        let fs = MemoryFileSystem()
        let logger = Logger(label: "test")
        for damaged in ["older", "newest"] {
            let root = "root-\(damaged)"
            let dir = joinPath(root, "WALs", "h,1,1")
            var config = WAL.Configuration()
            config.rollSize = 4096
            let wal = try WAL(fileSystem: fs, directory: dir, configuration: config)
            for i in 1...40 {
                let cell = Cell(row: b("row\(i)"), family: b("f"), qualifier: b("q"), timestamp: 10, value: [UInt8](repeating: 7, count: 300))
                try wal.append(encodedRegionName: region, tableName: b("t"), sequenceId: UInt64(i), writeTime: 99, cellCount: 1, durability: .syncWAL) { buf in
                    WALEntryEncoder.addCell(buf, cell)
                }
            }
            let files = try wal.filePaths()
            #expect(files.count >= 2)
            try wal.close()
            let target = damaged == "newest" ? files[files.count - 1] : files[0]
            // Damage the first entry's payload, with intact entries after it.
            fs.corrupt(target, at: WALReader.fileHeaderLength + WALEntry.headerLength + 2)
            if damaged == "newest" {
                #expect(throws: Never.self) { try WALSplitter.split(fileSystem: fs, root: root, serverDirectory: "h,1,1", logger: logger) }
            } else {
                #expect(throws: StorageError.self) { try WALSplitter.split(fileSystem: fs, root: root, serverDirectory: "h,1,1", logger: logger) }
            }
        }
    }
}
