import BasaltCore
import BasaltTestSupport
import Foundation
import Testing
@testable import BasaltStorage

@Suite struct MemStoreTests {
    func cells(_ m: MemStore, readPoint: UInt64 = .max) -> [Cell] {
        let merged = MergingScanner(m.scanners(readPoint: readPoint), order: m.order)
        var out: [Cell] = []
        while let r = merged.peek {
            out.append(r.cell.toCell(sequenceId: r.sequenceId))
            do { try merged.next() } catch {
                Issue.record(error)
                break
            }
        }
        return out
    }

    @Test func keepsCellsInHBaseOrder() {
        let m = MemStore(pool: MemStoreChunkPool(chunkSize: 4096))
        var rng = SystemRandomNumberGenerator()
        var expected: [Cell] = []
        for i in 0..<2000 {
            let c = Cell(row: b("r\(Int.random(in: 0..<100, using: &rng))"), family: b("f"), qualifier: b("q\(Int.random(in: 0..<5, using: &rng))"),
                         timestamp: Int64.random(in: 0..<10, using: &rng), value: b("\(i)"), sequenceId: UInt64(i + 1))
            m.insert(c, timestamp: c.timestamp, sequenceId: c.sequenceId)
            expected.append(c)
        }
        #expect(cells(m) == expected.sorted())
        #expect(m.cellCount == 2000)
        #expect(m.dataSize == expected.reduce(0) { $0 + $1.encodedLength })
    }

    @Test func readPointHidesNewerCells() {
        let m = MemStore(pool: MemStoreChunkPool())
        for s in 1...5 { m.insert(Cell(row: b("r\(s)"), family: b("f"), qualifier: b("q"), timestamp: 1), timestamp: 1, sequenceId: UInt64(s)) }
        #expect(cells(m, readPoint: 3).map(\.row) == [b("r1"), b("r2"), b("r3")])
    }

    @Test func snapshotFreezesAndWritesContinue() {
        let pool = MemStoreChunkPool(chunkSize: 4096)
        let m = MemStore(pool: pool)
        m.insert(Cell(row: b("a"), family: b("f"), qualifier: b("q"), timestamp: 1), timestamp: 1, sequenceId: 1)
        #expect(m.snapshot())
        #expect(!m.snapshot())  // one snapshot at a time
        m.insert(Cell(row: b("b"), family: b("f"), qualifier: b("q"), timestamp: 1), timestamp: 1, sequenceId: 2)
        #expect(cells(m).map(\.row) == [b("a"), b("b")])
        #expect(m.snapshotDataSize > 0 && m.activeDataSize > 0)
        let snap = m.withSnapshotCells { $0.map { EncodedCell($0.0).toCell() } }
        #expect(snap?.map(\.row) == [b("a")])
        m.clearSnapshot()
        #expect(cells(m).map(\.row) == [b("b")])
    }

    @Test func chunksReturnToThePoolAndLargeCellsBypassIt() {
        let pool = MemStoreChunkPool(chunkSize: 4096, maxPooled: 8)
        do {
            let m = MemStore(pool: pool, maxAllocation: 1024)
            for i in 0..<100 { m.insert(Cell(row: b("r\(i)"), family: b("f"), qualifier: b("q"), timestamp: 1, value: [UInt8](repeating: 1, count: 100)), timestamp: 1, sequenceId: UInt64(i + 1)) }
            #expect(pool.counts.live > 1)
            let big = Cell(row: b("big"), family: b("f"), qualifier: b("q"), timestamp: 1, value: [UInt8](repeating: 7, count: 5000))
            let before = pool.counts.live
            m.insert(big, timestamp: 1, sequenceId: 200)
            #expect(pool.counts.live == before)
            #expect(cells(m).first { $0.row == b("big") }?.value == big.value)
        }
        #expect(pool.counts.live == 0)
        #expect(pool.counts.pooled > 0 && pool.counts.pooled <= 8)
    }
}

@Suite struct MVCCAndLockTests {
    @Test func readPointAdvancesOnlyOverCompletedWrites() {
        let mvcc = MVCC()
        let a = mvcc.begin(), b2 = mvcc.begin()
        #expect((a, b2) == (1, 2))
        #expect(mvcc.readPoint == 0)
        let done = DispatchSemaphore(value: 0)
        Thread { mvcc.complete(b2); done.signal() }.start()
        Thread.sleep(forTimeInterval: 0.05)
        #expect(mvcc.readPoint == 0)  // 2 is done, 1 is not: nothing visible yet
        mvcc.complete(a)
        done.wait()
        #expect(mvcc.readPoint == 2)
    }

    @Test func rowLockTimesOut() throws {
        let locks = RowLocks(timeout: .milliseconds(50))
        try locks.lock(b("r"))
        #expect(throws: StorageError.self) { try locks.lock(b("r")) }
        try locks.lock(b("other"))
        locks.unlock(b("r"))
        try locks.lock(b("r"))
    }
}
