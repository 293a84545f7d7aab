#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A condition lock (a pthread mutex and condition variable, as `NSCondition`) with a place in the lock
/// order, checked in debug builds (`LockOrder`). Waiting releases and retakes the mutex without leaving
/// that place: the waiting thread takes nothing meanwhile. Safe to share.
final class RankedCondition: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>
    let rank: LockRank

    init(rank: LockRank) {
        self.rank = rank
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        condition.deallocate()
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func lock() {
        LockOrder.willAcquire(rank)
        pthread_mutex_lock(mutex)
    }

    func unlock() {
        pthread_mutex_unlock(mutex)
        LockOrder.didRelease(rank)
    }

    @inline(__always) func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Waits for a signal; the lock must be held.
    func wait() {
        pthread_cond_wait(condition, mutex)
    }

    /// Waits for a signal until `deadline` (wall clock); false when the deadline passed first.
    @discardableResult
    func wait(until deadline: Date) -> Bool {
        let seconds = max(deadline.timeIntervalSince1970, 0)
        let whole = seconds.rounded(.down)
        var spec = timespec(tv_sec: Int(whole), tv_nsec: Int((seconds - whole) * 1_000_000_000))
        return pthread_cond_timedwait(condition, mutex, &spec) == 0
    }

    func signal() {
        pthread_cond_signal(condition)
    }

    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}
