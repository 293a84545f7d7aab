#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread reader-writer lock. Writes to a region hold it shared; whatever must see no write in flight
/// (closing, and a flush's snapshot) holds it exclusively. Safe to share across threads.
final class ReadWriteLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>
    /// Its place in the lock order, checked in debug builds (`LockOrder`).
    let rank: LockRank

    init(rank: LockRank) {
        self.rank = rank
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        pthread_rwlock_init(lock, nil)
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always) func withReadLock<R>(_ body: () throws -> R) rethrows -> R {
        LockOrder.willAcquire(rank)
        pthread_rwlock_rdlock(lock)
        defer {
            pthread_rwlock_unlock(lock)
            LockOrder.didRelease(rank)
        }
        return try body()
    }

    @inline(__always) func withWriteLock<R>(_ body: () throws -> R) rethrows -> R {
        LockOrder.willAcquire(rank)
        pthread_rwlock_wrlock(lock)
        defer {
            pthread_rwlock_unlock(lock)
            LockOrder.didRelease(rank)
        }
        return try body()
    }
}
