import Foundation
import Synchronization
import Testing
@testable import BasaltStorage

@Suite struct MVCCTests {
    /// The read point passes only a contiguous run of completed writes.
    @Test func completingWithoutWaitingAdvancesOnlyOverAContiguousRun() {
        let mvcc = MVCC(startingAfter: 10)
        let a = mvcc.begin(), b = mvcc.begin(), c = mvcc.begin()
        #expect([a, b, c] == [11, 12, 13])
        #expect(!mvcc.completeWithoutWaiting(b))
        #expect(mvcc.readPoint == 10)
        #expect(mvcc.completeWithoutWaiting(a))
        #expect(mvcc.readPoint == 12)
        #expect(mvcc.completeWithoutWaiting(c))
        #expect(mvcc.readPoint == 13)
    }

    /// A writer that completes waits for the writes begun before it, and is woken when they complete.
    @Test func completeWaitsForEarlierWrites() {
        let mvcc = MVCC()
        let first = mvcc.begin(), second = mvcc.begin()
        let returned = Atomic<Bool>(false)
        let done = DispatchSemaphore(value: 0)
        Thread {
            mvcc.complete(second)
            returned.store(true, ordering: .releasing)
            done.signal()
        }.start()
        #expect(done.wait(timeout: .now() + .milliseconds(50)) == .timedOut)
        let early = returned.load(ordering: .acquiring)
        #expect(!early)
        mvcc.completeWithoutWaiting(first)
        #expect(done.wait(timeout: .now() + .seconds(10)) == .success)
        #expect(mvcc.readPoint == second)
    }

    /// A frozen write stays hidden, with everything after it, and nobody waits for it.
    @Test func freezeHidesAWriteAndReleasesItsWaiters() {
        let mvcc = MVCC()
        let first = mvcc.begin(), second = mvcc.begin()
        mvcc.freeze(below: first)
        mvcc.complete(second)
        mvcc.complete(first)
        #expect(mvcc.readPoint == 0)
    }
}
