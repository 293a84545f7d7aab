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
    private var waiters = 0
    private let readPointAtomic: Atomic<UInt64>

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
        cond.lock()
        defer { cond.unlock() }
        if let i = queue[queueHead...].firstIndex(where: { $0.number == number }) { queue[i].done = true }
        var advanced = false
        var point = readPointAtomic.load(ordering: .relaxed)
        while queueHead < queue.count && queue[queueHead].done {
            point = queue[queueHead].number
            queueHead += 1
            advanced = true
        }
        if advanced {
            readPointAtomic.store(point, ordering: .releasing)
            if queueHead > 1024 && queueHead * 2 > queue.count {
                queue.removeFirst(queueHead)
                queueHead = 0
            }
            if waiters > 0 { cond.broadcast() }
        }
        while readPointAtomic.load(ordering: .relaxed) < number {
            waiters += 1
            cond.wait()
            waiters -= 1
        }
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
