import BasaltCore
import BasaltTestSupport
import Foundation
import Synchronization
import Testing
@testable import BasaltStorage

final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Each flush trigger fires in a running engine; the blocking ones hold writes and let them go.
@Suite struct StorageEngineTests {
    static func config(_ edit: (inout StorageEngine.Configuration) -> Void) -> StorageEngine.Configuration {
        var c = StorageEngine.Configuration()
        c.memory = 64 << 20
        c.flush.flushSize = 1 << 30
        c.flush.globalLimit = 1 << 30
        c.flush.globalLowerLimit = 1 << 29
        c.wakeFrequency = .seconds(3600)
        c.region.busyWaitDuration = .seconds(20)
        edit(&c)
        return c
    }

    static func region(_ engine: StorageEngine, _ name: String = "t") throws -> Region {
        let table = try TableName(name)
        return try engine.openRegion(RegionInfo(table: table, regionId: 1), descriptor: TableDescriptor(name: table, families: [.init("f")]))
    }

    /// Polls until `condition` holds (up to 20 s).
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<2000 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    static func fill(_ r: Region, from: Int, count: Int, size: Int = 200, durability: Durability = .useDefault) throws {
        for i in from..<(from + count) { try r.put(String(format: "k%06d", i), "f", "q", String(repeating: "v", count: size), durability: durability) }
    }

    @Test func trigger1RegionSizeFlushes() throws {
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config { $0.flush.flushSize = 64 << 10 })
        let r = try Self.region(engine)
        try Self.fill(r, from: 0, count: 1000)
        #expect(Self.eventually { engine.counters.flushes >= 2 })
        #expect(engine.counters.flushesByReason[.size, default: 0] >= 2)
        #expect(r.stores[0].fileCount >= 1)
        #expect(try r.value("k000500", "f", "q")?.count == 200)
        try engine.close()
    }

    @Test func trigger2WritesWaitAtTheMultiplierAndResume() throws {
        let fs = MemoryFileSystem()
        let engine = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: Self.config {
            $0.flush.flushSize = 32 << 10
            $0.flush.blockMultiplier = 2
            $0.region.busyWaitDuration = .seconds(1)
        })
        let r = try Self.region(engine)
        fs.failWrites(afterBytes: 0)  // flushes fail: memory cannot be freed (writes skip the WAL)
        var tooBusy: StorageError?
        do { try Self.fill(r, from: 0, count: 2000, durability: .skipWAL) } catch let e as StorageError { tooBusy = e }
        #expect(tooBusy?.kind == .regionTooBusy)
        #expect(tooBusy?.isRetryable == true)
        #expect(r.memStoreSize >= 64 << 10)
        // A writer now waits; once flushes work again it goes through.
        let done = Flag()
        let t = Thread {
            do { try r.put("late", "f", "q", "v", durability: .skipWAL) } catch {}
            done.set()
        }
        t.start()
        usleep(100_000)
        fs.failWrites(afterBytes: nil)
        #expect(Self.eventually { done.isSet })
        #expect(try r.value("late", "f", "q") == b("v"))
        #expect(Self.eventually { r.memStoreSize < 64 << 10 })
        #expect(engine.counters.blockedWrites >= 2)
        try engine.close()
    }

    @Test func trigger3GlobalMemoryFlushesLargestRegions() throws {
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config {
            $0.flush.globalLimit = 200 << 10
            $0.flush.globalLowerLimit = 190 << 10
        })
        let big = try Self.region(engine, "big")
        let small = try Self.region(engine, "small")
        try Self.fill(small, from: 0, count: 100)
        try Self.fill(big, from: 0, count: 1500)
        #expect(Self.eventually { engine.counters.flushesByReason[.global, default: 0] >= 1 })
        #expect(Self.eventually { engine.globalMemStoreSize < 200 << 10 })
        #expect(big.stores[0].fileCount >= 1)
        #expect(try big.value("k000001", "f", "q") != nil)
        try engine.close()
    }

    @Test func trigger4TooManyWALFilesFlushTheRegionsHoldingTheOldest() throws {
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config {
            $0.wal.rollSize = 8 << 10
            $0.flush.maxLogs = 2
        })
        let a = try Self.region(engine, "a")
        let b = try Self.region(engine, "b")
        try Self.fill(a, from: 0, count: 10)
        try Self.fill(b, from: 0, count: 400)
        #expect(engine.wal.fileCount > 3)
        engine.runChoresOnce()
        #expect(Self.eventually { engine.counters.flushesByReason[.wal, default: 0] >= 1 && a.stores[0].fileCount == 1 })
        #expect(Self.eventually { engine.wal.fileCount < 4 || b.stores[0].fileCount > 0 })
        try engine.close()
    }

    @Test func trigger5OldEditsFlushPeriodically() throws {
        let clock = TestClock()
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config { $0.flush.periodicFlushInterval = 60_000 }, clock: clock.function)
        let r = try Self.region(engine)
        try r.put("a", "f", "q", "v")
        engine.runChoresOnce()
        usleep(200_000)
        #expect(r.stores[0].fileCount == 0)
        clock.advance(61_000)
        engine.runChoresOnce()
        #expect(Self.eventually { r.stores[0].fileCount == 1 })
        #expect(engine.counters.flushesByReason[.periodic] == 1)
        #expect(r.oldestUnflushedEditTime == nil)
        try engine.close()
    }

    @Test func trigger6ManualFlushAndCompactionAfterFlushes() throws {
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config { $0.region.compaction.minCompactSize = 0 })
        let r = try Self.region(engine)
        for round in 0..<3 {
            try Self.fill(r, from: round * 10, count: 10)
            #expect(try r.flush())
        }
        #expect(!(try r.flush()))
        #expect(Self.eventually { engine.counters.compactions >= 1 && r.stores[0].fileCount == 1 })
        #expect(try r.scanner(Scan()).all().count == 30)
        try engine.close()
    }

    @Test func periodicMajorCompaction() throws {
        let clock = TestClock()
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config {
            $0.region.compaction.majorPeriod = 3_600_000
            $0.region.compaction.minFiles = 10
        }, clock: clock.function)
        let r = try Self.region(engine)
        try Self.fill(r, from: 0, count: 10)
        try r.flush()
        var d = Delete(row: b("k000003"))
        d.addFamily(family: b("f"))
        try r.delete(d)
        try r.flush()
        engine.runChoresOnce()
        usleep(200_000)
        #expect(r.stores[0].fileCount == 2)
        clock.advance(3_600_001)
        engine.runChoresOnce()
        #expect(Self.eventually { engine.counters.majorCompactions == 1 && r.stores[0].fileCount == 1 })
        #expect(r.stores[0].storeFiles.first?.info.deleteCount == 0)
        #expect(try r.scanner(Scan()).all().count == 9)
        try engine.close()
    }

    @Test func writesWaitForACompactionWhileAStoreHasTooManyFiles() throws {
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "root", serverName: "rs1", configuration: Self.config {
            $0.region.compaction.blockingStoreFiles = 4
            $0.region.compaction.minFiles = 5  // no minor compaction can help
            $0.region.blockingWaitTime = .seconds(30)
        })
        let r = try Self.region(engine)
        for round in 0..<4 {
            try Self.fill(r, from: round * 10, count: 10)
            try r.flush()
        }
        let done = Flag()
        let t = Thread {
            do { try r.put("late", "f", "q", "v") } catch {}
            done.set()
        }
        t.start()
        usleep(300_000)
        #expect(!done.isSet)
        engine.requestCompaction(r, major: true)
        #expect(Self.eventually { done.isSet })
        #expect(r.stores[0].fileCount == 1)
        try engine.close()
    }

    @Test func reopenAfterCloseFindsEverythingInFiles() throws {
        let fs = MemoryFileSystem()
        var engine = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: Self.config { _ in })
        var r = try Self.region(engine)
        try Self.fill(r, from: 0, count: 100)
        try engine.close()
        engine = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: Self.config { _ in })
        r = try Self.region(engine)
        #expect(r.memStoreSize == 0)
        #expect(try r.scanner(Scan()).all().count == 100)
        #expect(try fs.list("root/oldWALs").count == 1)
        try engine.close()
    }

    /// A region closed while writes keep arriving (a move, a split): every write acknowledged before the
    /// close refused them is in its HFiles, so another server opens it without this server's WAL.
    @Test func closeKeepsEveryWriteAcknowledgedWhileItFlushed() throws {
        let fs = MemoryFileSystem()
        let a = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: Self.config { _ in })
        let r = try Self.region(a)
        let acked = Mutex<[Int]>([])
        let writer = Thread {
            var i = 0
            while true {
                do { try r.put(String(format: "k%06d", i), "f", "q", "v") } catch { return }
                acked.withLock { $0.append(i) }
                i += 1
            }
        }
        writer.start()
        #expect(Self.eventually { acked.withLock { $0.count } > 2000 })
        try a.closeRegion(r.info.encodedName)
        #expect(Self.eventually { r.isClosed })
        usleep(50_000)
        let written = acked.withLock { $0 }
        let b = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs2", configuration: Self.config { _ in })
        let again = try Self.region(b)
        #expect(try again.scanner(Scan()).all().count == written.count)
        try b.close()
        try a.close()
    }
}
