#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a lock stands in the storage engine's lock order (docs/architecture.md, "Threads"), outermost
/// first. A thread may take a lock only while every lock it holds ranks below it; row locks may be taken
/// while holding other row locks (a batch takes its rows in sorted order). Leaves take nothing while held.
package enum LockRank: Int, Comparable, Sendable, CustomStringConvertible {
    case rowLock = 1
    case regionFlush
    case regionUpdates
    case storeCompaction
    case store
    case memStore
    case wal
    case mvcc
    case regionResource
    case engineWork
    case engineRegions
    /// Taken with anything above held; nothing is taken while a leaf is held.
    case leaf = 100

    package static func < (a: LockRank, b: LockRank) -> Bool { a.rawValue < b.rawValue }

    package var description: String {
        switch self {
        case .rowLock: "RowLocks (a row)"
        case .regionFlush: "Region.flushLock"
        case .regionUpdates: "Region.updatesLock"
        case .storeCompaction: "Store.compactionEnded"
        case .store: "Store.lock"
        case .memStore: "MemStore.lock"
        case .wal: "WAL.cond"
        case .mvcc: "MVCC.cond"
        case .regionResource: "Region.resourceCondition"
        case .engineWork: "StorageEngine.work"
        case .engineRegions: "StorageEngine.regionsLock"
        case .leaf: "a leaf lock"
        }
    }
}

/// Checks the lock order at run time in debug builds: each thread keeps the ranks it holds, and taking a
/// lock out of order stops the process with both names, before it can deadlock. Release builds compile
/// every call to nothing.
package enum LockOrder {
    #if DEBUG
    /// The ranks one thread holds, in the order taken.
    private final class Held {
        var ranks: [LockRank] = []
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            #if canImport(Darwin)
            Unmanaged<AnyObject>.fromOpaque(pointer).release()
            #else
            if let pointer { Unmanaged<AnyObject>.fromOpaque(pointer).release() }
            #endif
        }
        return key
    }()

    private static func held() -> Held {
        if let pointer = pthread_getspecific(key),
           let held = Unmanaged<AnyObject>.fromOpaque(pointer).takeUnretainedValue() as? Held {
            return held
        }
        let held = Held()
        pthread_setspecific(key, Unmanaged.passRetained(held as AnyObject).toOpaque())
        return held
    }
    #endif

    /// Call before taking a lock of `rank`.
    @inline(__always) package static func willAcquire(_ rank: LockRank) {
        #if DEBUG
        let held = held()
        if let highest = held.ranks.max(), highest > rank || (highest == rank && rank != .rowLock) {
            preconditionFailure("lock order broken: taking \(rank) while holding \(highest) (docs/architecture.md, Threads)")
        }
        held.ranks.append(rank)
        #endif
    }

    /// Call after releasing a lock of `rank`.
    @inline(__always) package static func didRelease(_ rank: LockRank) {
        #if DEBUG
        let held = held()
        if let index = held.ranks.lastIndex(of: rank) {
            held.ranks.remove(at: index)
        } else {
            preconditionFailure("lock order: releasing \(rank), which this thread does not hold")
        }
        #endif
    }

    /// The ranks the calling thread holds (debug builds; empty in release builds). For tests.
    package static var heldByCurrentThread: [LockRank] {
        #if DEBUG
        held().ranks
        #else
        []
        #endif
    }
}
