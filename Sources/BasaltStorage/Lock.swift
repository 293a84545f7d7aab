#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain pthread mutex for state that holds raw pointers (which `Synchronization.Mutex` cannot hand
/// out under strict concurrency). The state it guards is documented at each use. Safe to share.
final class Lock: @unchecked Sendable {
    /// The mutex itself; `RankedCondition` waits on it.
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    /// Its place in the lock order, checked in debug builds (`LockOrder`).
    let rank: LockRank

    init(rank: LockRank) {
        self.rank = rank
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always) func lock() {
        LockOrder.willAcquire(rank)
        pthread_mutex_lock(mutex)
    }

    @inline(__always) func unlock() {
        pthread_mutex_unlock(mutex)
        LockOrder.didRelease(rank)
    }

    @inline(__always) func withLock<R>(_ body: () throws -> R) rethrows -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
