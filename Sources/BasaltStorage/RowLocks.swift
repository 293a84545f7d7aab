import BasaltCore
import Foundation

/// Exclusive locks on row keys within one region. A batch locks its rows in sorted order, so two batches
/// never deadlock. A lock not granted within the timeout (HBase's `hbase.rowlock.wait.duration`, 30 s)
/// fails with a retryable error. Safe to share across threads.
package final class RowLocks: @unchecked Sendable {
    /// What `cond` guards.
    private struct State {
        /// The rows locked now.
        var held = Set<RowKey>()
        /// Threads waiting for a row; unlocking wakes them only when there are some.
        var waiters = 0
    }

    /// A leaf: taken briefly to grant or return a row. A held row itself ranks first in the lock order.
    private let cond = RankedCondition(rank: .leaf)
    private var state = State()
    package let timeout: Duration

    package init(timeout: Duration = .seconds(30)) { self.timeout = timeout }

    /// Locks one row.
    package func lock(_ row: [UInt8]) throws {
        LockOrder.willAcquire(.rowLock)
        do {
            try grant(RowKey(row))
        } catch {
            LockOrder.didRelease(.rowLock)
            throw error
        }
    }

    private func grant(_ key: RowKey) throws {
        cond.lock()
        defer { cond.unlock() }
        if state.held.insert(key).inserted { return }
        let deadline = Date().addingTimeInterval(timeout.inSeconds)
        while state.held.contains(key) {
            state.waiters += 1
            let ok = cond.wait(until: deadline)
            state.waiters -= 1
            if !ok && state.held.contains(key) {
                throw StorageError(.rowLockTimeout, "timed out after \(timeout) waiting for the lock on row '\(Bytes.toStringBinary(key.bytes))'")
            }
        }
        state.held.insert(key)
    }

    package func unlock(_ row: [UInt8]) {
        cond.withLock {
            let removed = state.held.remove(RowKey(row))
            assert(removed != nil, "unlocking a row that is not locked")
            if state.waiters > 0 { cond.broadcast() }
        }
        LockOrder.didRelease(.rowLock)
    }

    /// Locks distinct rows in sorted order; on a timeout releases what it took and rethrows.
    package func lock(rows: [[UInt8]]) throws {
        var taken: [[UInt8]] = []
        do {
            for r in rows {
                try lock(r)
                taken.append(r)
            }
        } catch {
            for r in taken { unlock(r) }
            throw error
        }
    }

    package func unlock(rows: [[UInt8]]) {
        cond.withLock {
            for r in rows {
                let removed = state.held.remove(RowKey(r))
                assert(removed != nil, "unlocking a row that is not locked")
            }
            if state.waiters > 0 { cond.broadcast() }
        }
        for _ in rows { LockOrder.didRelease(.rowLock) }
    }
}

/// A row key hashed as one run of bytes: `[UInt8]`'s own `Hashable` feeds the hasher a byte at a time,
/// which showed up at 4% of a single-thread fill.
struct RowKey: Hashable {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    func hash(into hasher: inout Hasher) {
        hasher.combine(bytes.count)
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
