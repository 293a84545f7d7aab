import Foundation
import Synchronization

/// Multi-version concurrency control for one region: hands out write numbers (which are also the region's
/// WAL sequence ids) and advances the read point only over a contiguous run of completed writes, so a
/// reader never sees a write half applied, nor a later write without an earlier one.
///
/// Safe to share across threads: the queue sits behind a condition lock, the read point in an atomic.
package final class MVCC: @unchecked Sendable {
    /// What `cond` guards.
    private struct State {
        var nextWriteNumber: UInt64
        /// Write numbers begun and not yet passed by the read point, with whether each is complete.
        var queue: [(number: UInt64, done: Bool)] = []
        var queueHead = 0
        /// Writers waiting for the read point to reach their number, each on its own semaphore.
        var waiters: [(number: UInt64, semaphore: DispatchSemaphore)] = []
        /// Once set, the read point never reaches this number (a write that must stay hidden), and nobody
        /// waits for it any more.
        var frozenAt: UInt64 = .max
    }

    private let cond = RankedCondition(rank: .mvcc)
    private var state: State
    /// Moved only with `cond` held; read without it.
    private let readPointAtomic: Atomic<UInt64>

    /// Starts with everything up to `sequenceId` visible.
    package init(startingAfter sequenceId: UInt64 = 0) {
        state = State(nextWriteNumber: sequenceId + 1)
        readPointAtomic = Atomic(sequenceId)
    }

    /// Writes with a number at or below this are visible.
    package var readPoint: UInt64 { readPointAtomic.load(ordering: .acquiring) }

    /// The highest number handed out so far.
    package var highestIssued: UInt64 { cond.withLock { state.nextWriteNumber - 1 } }

    /// Begins a write: returns its number (its sequence id).
    package func begin() -> UInt64 {
        cond.lock()
        defer { cond.unlock() }
        let n = state.nextWriteNumber
        state.nextWriteNumber += 1
        state.queue.append((n, false))
        return n
    }

    /// Completes a write and waits until the read point covers it, so the writer reads its own write.
    package func complete(_ number: UInt64) {
        if let mine = markDone(number, waitingSemaphore: true) { mine.wait() }
    }

    /// Completes a write without waiting for the read point (the WAL's syncer does this for the writers
    /// its sync satisfied, so that they find their write visible when they wake). True when the read
    /// point now covers it.
    @discardableResult
    package func completeWithoutWaiting(_ number: UInt64) -> Bool {
        markDone(number, waitingSemaphore: false)
        return readPoint >= number
    }

    /// Marks `number` done, advances the read point over the completed run and wakes the writers it
    /// passed; returns a semaphore to wait on when asked for one and the point does not cover `number`.
    private func markDone(_ number: UInt64, waitingSemaphore: Bool) -> DispatchSemaphore? {
        cond.lock()
        if let i = state.queue[state.queueHead...].firstIndex(where: { $0.number == number }) {
            state.queue[i].done = true
        } else {
            assert(number <= readPointAtomic.load(ordering: .relaxed) || number >= state.frozenAt,
                   "MVCC: completing write \(number), which was never begun")
        }
        var point = readPointAtomic.load(ordering: .relaxed)
        let before = point
        while state.queueHead < state.queue.count && state.queue[state.queueHead].done && state.queue[state.queueHead].number < state.frozenAt {
            point = state.queue[state.queueHead].number
            state.queueHead += 1
        }
        var wake: [DispatchSemaphore] = []
        if point != before {
            readPointAtomic.store(point, ordering: .releasing)
            if state.queueHead > 1024 && state.queueHead * 2 > state.queue.count {
                state.queue.removeFirst(state.queueHead)
                state.queueHead = 0
            }
            if !state.waiters.isEmpty {
                state.waiters.removeAll { w in
                    guard w.number <= point else { return false }
                    wake.append(w.semaphore)
                    return true
                }
            }
        }
        var mine: DispatchSemaphore?
        if waitingSemaphore && point < number && number < state.frozenAt {
            let s = DispatchSemaphore(value: 0)
            state.waiters.append((number, s))
            mine = s
        }
        cond.unlock()
        for s in wake { s.signal() }
        return mine
    }

    /// Stops the read point below `number` for good: that write (and any after it) stays invisible.
    /// Writers waiting for a point it will now never reach return at once.
    package func freeze(below number: UInt64) {
        cond.lock()
        state.frozenAt = min(state.frozenAt, number)
        let frozenAt = state.frozenAt
        var wake: [DispatchSemaphore] = []
        state.waiters.removeAll { w in
            guard w.number >= frozenAt else { return false }
            wake.append(w.semaphore)
            return true
        }
        cond.unlock()
        for s in wake { s.signal() }
    }

    /// Moves the next write number past `sequenceId` (after WAL replay found higher ids).
    package func advance(to sequenceId: UInt64) {
        cond.lock()
        defer { cond.unlock() }
        if state.queueHead == state.queue.count, sequenceId >= state.nextWriteNumber {
            state.nextWriteNumber = sequenceId + 1
            readPointAtomic.store(sequenceId, ordering: .releasing)
        }
    }
}
