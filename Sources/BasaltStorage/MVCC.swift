import Foundation
import Synchronization

/// Multi-version concurrency control for one region: hands out write numbers (which are also the region's
/// WAL sequence ids) and advances the read point only over a contiguous run of completed writes, so a
/// reader never sees a write half applied, nor a later write without an earlier one.
///
/// Safe to share across threads: the queue sits behind a condition lock, the read point in an atomic.
public final class MVCC: @unchecked Sendable {
    private let cond = NSCondition()
    private var nextWriteNumber: UInt64
    /// Write numbers begun and not yet passed by the read point, with whether each is complete.
    private var queue: [(number: UInt64, done: Bool)] = []
    private var queueHead = 0
    /// Writers waiting for the read point to reach their number, each on its own semaphore.
    private var waiters: [(number: UInt64, semaphore: DispatchSemaphore)] = []
    private let readPointAtomic: Atomic<UInt64>
    /// Once set, the read point never reaches this number (a write that must stay hidden), and nobody
    /// waits for it any more.
    private var frozenAt: UInt64 = .max

    /// Starts with everything up to `sequenceId` visible.
    public init(startingAfter sequenceId: UInt64 = 0) {
        nextWriteNumber = sequenceId + 1
        readPointAtomic = Atomic(sequenceId)
    }

    /// Writes with a number at or below this are visible.
    public var readPoint: UInt64 { readPointAtomic.load(ordering: .acquiring) }

    /// The highest number handed out so far.
    public var highestIssued: UInt64 { cond.withLock { nextWriteNumber - 1 } }

    /// Begins a write: returns its number (its sequence id).
    public func begin() -> UInt64 {
        cond.lock()
        defer { cond.unlock() }
        let n = nextWriteNumber
        nextWriteNumber += 1
        queue.append((n, false))
        return n
    }

    /// Completes a write and waits until the read point covers it, so the writer reads its own write.
    public func complete(_ number: UInt64) {
        if let mine = markDone(number, waitingSemaphore: true) { mine.wait() }
    }

    /// Completes a write without waiting for the read point (the WAL's syncer does this for the writers
    /// its sync satisfied, so that they find their write visible when they wake). True when the read
    /// point now covers it.
    @discardableResult
    public func completeWithoutWaiting(_ number: UInt64) -> Bool {
        markDone(number, waitingSemaphore: false)
        return readPoint >= number
    }

    /// Marks `number` done, advances the read point over the completed run and wakes the writers it
    /// passed; returns a semaphore to wait on when asked for one and the point does not cover `number`.
    private func markDone(_ number: UInt64, waitingSemaphore: Bool) -> DispatchSemaphore? {
        cond.lock()
        if let i = queue[queueHead...].firstIndex(where: { $0.number == number }) { queue[i].done = true }
        var point = readPointAtomic.load(ordering: .relaxed)
        let before = point
        while queueHead < queue.count && queue[queueHead].done && queue[queueHead].number < frozenAt {
            point = queue[queueHead].number
            queueHead += 1
        }
        var wake: [DispatchSemaphore] = []
        if point != before {
            readPointAtomic.store(point, ordering: .releasing)
            if queueHead > 1024 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            if !waiters.isEmpty {
                waiters.removeAll { w in
                    guard w.number <= point else { return false }
                    wake.append(w.semaphore)
                    return true
                }
            }
        }
        var mine: DispatchSemaphore?
        if waitingSemaphore && point < number && number < frozenAt {
            let s = DispatchSemaphore(value: 0)
            waiters.append((number, s))
            mine = s
        }
        cond.unlock()
        for s in wake { s.signal() }
        return mine
    }

    /// Stops the read point below `number` for good: that write (and any after it) stays invisible.
    /// Writers waiting for a point it will now never reach return at once.
    public func freeze(below number: UInt64) {
        cond.lock()
        frozenAt = min(frozenAt, number)
        var wake: [DispatchSemaphore] = []
        waiters.removeAll { w in
            guard w.number >= frozenAt else { return false }
            wake.append(w.semaphore)
            return true
        }
        cond.unlock()
        for s in wake { s.signal() }
    }

    /// Moves the next write number past `sequenceId` (after WAL replay found higher ids).
    public func advance(to sequenceId: UInt64) {
        cond.lock()
        defer { cond.unlock() }
        if queueHead == queue.count, sequenceId >= nextWriteNumber {
            nextWriteNumber = sequenceId + 1
            readPointAtomic.store(sequenceId, ordering: .releasing)
        }
    }
}
