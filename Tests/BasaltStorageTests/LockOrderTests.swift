import Testing
@testable import BasaltStorage

/// The run-time check of the lock order (docs/architecture.md, "Threads"); it exists in debug builds only.
#if DEBUG
/// Expectations compare with what the thread held before: a test elsewhere may have ended holding a row
/// lock on the same pool thread on purpose (the row-lock timeout tests do).
@Suite struct LockOrderTests {
    @Test func locksTakenInOrderAreTrackedAndReleased() {
        let before = LockOrder.heldByCurrentThread
        let store = Lock(rank: .store)
        let memStore = Lock(rank: .memStore)
        let wal = RankedCondition(rank: .wal)
        store.withLock {
            memStore.withLock {
                wal.withLock {
                    #expect(LockOrder.heldByCurrentThread == before + [.store, .memStore, .wal])
                }
            }
            #expect(LockOrder.heldByCurrentThread == before + [.store])
        }
        #expect(LockOrder.heldByCurrentThread == before)
    }

    @Test func aBatchHoldsSeveralRowLocksThenTakesInnerLocks() throws {
        let before = LockOrder.heldByCurrentThread
        let rows = RowLocks(timeout: .seconds(1))
        let updates = ReadWriteLock(rank: .regionUpdates)
        try rows.lock(rows: [[1], [2], [3]])
        updates.withReadLock {
            #expect(LockOrder.heldByCurrentThread == before + [.rowLock, .rowLock, .rowLock, .regionUpdates])
        }
        rows.unlock(rows: [[1], [2], [3]])
        #expect(LockOrder.heldByCurrentThread == before)
    }

    @Test func aTimedOutRowLockIsNotCountedAsHeld() throws {
        let before = LockOrder.heldByCurrentThread
        let rows = RowLocks(timeout: .milliseconds(20))
        try rows.lock([7])
        #expect(throws: StorageError.self) {
            // The same thread asking again waits out the timeout: the row is taken.
            try rows.lock([7])
        }
        #expect(LockOrder.heldByCurrentThread == before + [.rowLock])
        rows.unlock([7])
    }

    @Test func takingAnOuterLockInsideAnInnerOneStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let mvcc = Lock(rank: .mvcc)
            let wal = RankedCondition(rank: .wal)
            mvcc.withLock { wal.withLock {} }
        }
    }

    @Test func takingAnythingInsideALeafStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let leaf = Lock(rank: .leaf)
            let store = Lock(rank: .store)
            leaf.withLock { store.withLock {} }
        }
    }

    @Test func takingTheSameLockTwiceStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let outer = Lock(rank: .store)
            let inner = Lock(rank: .store)
            outer.withLock { inner.withLock {} }
        }
    }
}
#endif
