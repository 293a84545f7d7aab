#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A condition lock (a ranked `Lock` and a pthread condition variable, as `NSCondition`) with a place in
/// the lock order, checked in debug builds (`LockOrder`). Waiting releases and retakes the mutex without
/// leaving that place: the waiting thread takes nothing meanwhile. Safe to share.
final class RankedCondition: @unchecked Sendable {
    private let mutex: Lock
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init(rank: LockRank) {
        mutex = Lock(rank: rank)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
    }

    var rank: LockRank { mutex.rank }

    func lock() { mutex.lock() }

    func unlock() { mutex.unlock() }

    @inline(__always) func withLock<R>(_ body: () throws -> R) rethrows -> R {
        try mutex.withLock(body)
    }

    /// Waits for a signal; the lock must be held.
    func wait() {
        pthread_cond_wait(condition, mutex.mutex)
    }

    /// Waits for a signal until `deadline` (wall clock); false when the deadline passed first.
    @discardableResult
    func wait(until deadline: Date) -> Bool {
        let seconds = max(deadline.timeIntervalSince1970, 0)
        let whole = seconds.rounded(.down)
        var spec = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        return pthread_cond_timedwait(condition, mutex.mutex, &spec) == 0
    }

    func signal() {
        pthread_cond_signal(condition)
    }

    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
