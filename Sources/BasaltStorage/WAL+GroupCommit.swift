import Foundation

/// Group commit. Two roles, taken by the appenders themselves in turn:
///
/// - The **writer** (one at a time) takes the whole pending buffer and puts it in the file with one
///   `write(2)`, while later appends gather in a fresh buffer.
/// - A **syncer** (up to `Configuration.syncers` at once) runs one `fdatasync` covering everything written
///   when it began. While it waits on the disk the next group is written and may start the next sync,
///   as HBase's several `SyncRunner`s do.
///
/// With `Configuration.syncerThread` (the default) the bytes someone needs fsynced are written and synced
/// by one dedicated thread instead (`WAL+SyncerThread.swift`); `SYNC_WAL` appends still write themselves.
///
/// A thread that finds a role free takes it; otherwise it parks on its own semaphore (HBase's
/// `SyncFuture`). Each finished role wakes exactly the waiters it satisfied, plus one waiter still
/// unsatisfied per role left free, never the whole crowd. Before the wake-up it completes their MVCC
/// entries, so a woken writer returns at once, without the lock. A thread whose own entry is done keeps
/// working for a few more rounds while others wait: it is already on a CPU, a woken one must wait for one.
extension WAL {
    /// One parked appender.
    final class Waiter {
        let end: Int64
        let fsync: Bool
        let semaphore = DispatchSemaphore(value: 0)
        /// Woken by this waiter as soon as it wakes: satisfied waiters wake as a binary tree in append
        /// order, so the leader pays for one wake-up and the last waiter is about log2(n) wake-ups away.
        var wakeNext: (Waiter?, Waiter?) = (nil, nil)
        /// The waiter's MVCC entry, already in the MemStore: whoever satisfies the waiter completes it
        /// before the wake-up, so the writer finds its write visible instead of waiting, once awake, for
        /// the writers ahead of it to be scheduled.
        let mvcc: MVCC?
        let sequenceId: UInt64
        /// Set before the wake-up: the entry is durable and the read point covers it.
        var visible = false
        /// Set before the wake-up: the entry is as durable as asked (not set when woken by a failure,
        /// by close, or to take a role).
        var satisfied = false
        init(end: Int64, fsync: Bool, mvcc: MVCC?, sequenceId: UInt64) {
            self.end = end
            self.fsync = fsync
            self.mvcc = mvcc
            self.sequenceId = sequenceId
        }
    }

    /// Rounds a thread may work for others after its own entry is durable.
    static let maxExtraRounds = 3

    /// With `cond` held: whether a sync could start now.
    private var syncSlotFree: Bool { state.syncsInFlight < configuration.syncers && !state.rolling }

    /// With `cond` held: whether the writer role is free and worth taking by an appender. Bytes someone
    /// needs fsynced wait for a free sync slot, so that they are written in one group right before their
    /// sync; with a syncer thread, that thread writes them.
    private var writerRoleOpen: Bool {
        !state.writerActive && state.appendedEnd > state.writtenEnd
            && (state.fsyncWantedEnd <= state.writtenEnd || (syncSlotFree && !configuration.syncerThread))
    }

    /// With `cond` held: whether a sync is wanted of written bytes no sync in flight covers, with a slot free.
    var syncWanted: Bool { syncSlotFree && min(state.fsyncWantedEnd, state.writtenEnd) > state.syncingEnd }

    /// With `cond` held: whether bytes someone needs fsynced wait to be written, with a sync slot free.
    var fsyncWriteWanted: Bool { !state.writerActive && state.fsyncWantedEnd > state.writtenEnd && syncSlotFree }

    /// With `cond` held: whether an appender should take the sync role (never with a syncer thread).
    private var syncerRoleOpen: Bool { !configuration.syncerThread && syncWanted }

    /// Entered with `cond` held, left with it released: write, sync, or wait for others to, until `end`
    /// is written (and synced). Returns true when the thread that satisfied it also completed `mvcc`'s
    /// entry `sequenceId` and the read point covers it; false leaves completing it to the caller (who
    /// satisfied its own entry, or whose waker could not pass the read point over it).
    func waitUntil(fsync: Bool, end: Int64, mvcc: MVCC? = nil, sequenceId: UInt64 = 0) throws -> Bool {
        var extra = 0
        while true {
            if let failure {
                cond.unlock()
                throw failure
            }
            if fsync ? state.syncedEnd >= end : state.writtenEnd >= end {
                guard extra < Self.maxExtraRounds, !state.parked.isEmpty, writerRoleOpen || syncerRoleOpen else {
                    cond.unlock()
                    return false
                }
                extra += 1
            }
            if writerRoleOpen || (!fsync && !state.writerActive && state.writtenEnd < end) {
                // It goes on to sync its own entry, or works another round for the others.
                writeGroup(callerContinues: (fsync && state.syncedEnd < end) || extra < Self.maxExtraRounds)
            } else if syncerRoleOpen && (extra > 0 || (fsync && state.writtenEnd >= end)) {
                // Its own entry is durable after this sync; it goes on working if it has rounds left.
                syncGroup(callerContinues: extra < Self.maxExtraRounds)
            } else {
                let w = Waiter(end: end, fsync: fsync, mvcc: mvcc, sequenceId: sequenceId)
                state.parked.append(w)
                cond.unlock()
                w.semaphore.wait()
                let (x, y) = w.wakeNext
                w.wakeNext = (nil, nil)
                x?.semaphore.signal()
                y?.semaphore.signal()
                // Satisfied: the thread that woke it kept working, so it leaves without the lock.
                if w.satisfied { return w.visible }
                cond.lock()
            }
        }
    }

    /// With `cond` held and the writer role free: writes the pending buffer outside the lock, rolling the
    /// file when it is full. `callerContinues`: the caller takes the next open role itself (the sync of
    /// what it wrote, usually), so waking another thread for it would be wasted.
    func writeGroup(callerContinues: Bool = false) {
        state.writerActive = true
        state.swapBuffers()
        let target = state.appendedEnd
        let group = state.spare
        let out = state.file
        cond.unlock()
        var err: Error?
        do {
            if group.count > 0 { try out?.append(group.bytes) }
        } catch {
            err = error
        }
        cond.lock()
        group.reset(shrinkAbove: 8 << 20)
        if let err {
            fail("writing WAL file \(state.fileNumber)", err)
        } else {
            state.moveWrittenRegionsToCurrentFile()
            state.writtenEnd = target
            assert(state.positionsInOrder, "WAL positions out of order after a write")
            state.stats.groupWrites += 1
            state.stats.bytes = target
            if let f = state.file, f.size >= configuration.rollSize {
                state.rolling = true
                while state.syncsInFlight > 0 { cond.wait() }
                rollLocked()
                state.syncingEnd = max(state.syncingEnd, state.syncedEnd)
                state.rolling = false
            }
        }
        state.writerActive = false
        wakeFinished(callerTakesRole: callerContinues)
    }

    /// With `cond` held and a syncer slot free: fsyncs everything written so far, outside the lock.
    /// `callerContinues`: the caller takes the next open role itself, so no waiter is woken for it.
    func syncGroup(callerContinues: Bool) {
        let target = state.writtenEnd
        state.syncingEnd = target
        state.syncsInFlight += 1
        let out = state.file
        cond.unlock()
        var err: Error?
        let started = ContinuousClock.now
        do { try out?.sync() } catch { err = error }
        let took = ContinuousClock.now - started
        if err == nil, let observer = syncObserver.withLock({ $0 }) { observer(took) }
        cond.lock()
        state.syncsInFlight -= 1
        if let err {
            fail("syncing WAL file \(state.fileNumber)", err)
        } else {
            state.syncedEnd = max(state.syncedEnd, target)
            assert(state.positionsInOrder, "WAL positions out of order after a sync")
            state.stats.syncs += 1
            state.stats.syncTime += took
        }
        wakeFinished(callerTakesRole: callerContinues)
    }

    /// With `cond` held: records the first failure; the WAL accepts no more writes after it.
    private func fail(_ what: String, _ error: Error) {
        guard failure == nil else { return }
        failure = StorageError(.walFailed, "\(what) in '\(directory)' failed: \(error); the WAL accepts no more writes")
        logger.error("WAL I/O failed", metadata: ["error": "\(error)"])
    }

    /// With `cond` held after a role finished: takes out the waiters now satisfied (everyone on failure or
    /// close), chained in append order, and one unsatisfied waiter per open role; signals them outside the
    /// lock, successors first so the next write or sync starts at once. `callerTakesRole`: the caller
    /// goes on to take one of the open roles itself.
    private func wakeFinished(callerTakesRole: Bool) {
        cond.broadcast()  // roll() and close() wait on the condition for roles to finish
        kickSyncerThread()
        guard !state.parked.isEmpty else { return }
        let everyone = failure != nil || state.closed
        var roles = (writerRoleOpen ? 1 : 0) + (syncerRoleOpen ? 1 : 0) - (callerTakesRole ? 1 : 0)
        var successors: [Waiter] = []
        var satisfied: [Waiter] = []
        var kept = 0
        for w in state.parked {
            if everyone || (w.fsync ? state.syncedEnd >= w.end : state.writtenEnd >= w.end) {
                satisfied.append(w)
            } else if roles > 0 {
                // It leaves the queue; if it finds nothing to do it simply parks again.
                successors.append(w)
                roles -= 1
            } else {
                state.parked[kept] = w
                kept += 1
            }
        }
        state.parked.removeLast(state.parked.count - kept)
        // Append order, which is also each region's sequence order: the read point can then pass each
        // completed entry as it is marked.
        satisfied.sort { $0.end < $1.end }
        for (i, w) in satisfied.enumerated() {
            w.wakeNext = (2 * i + 1 < satisfied.count ? satisfied[2 * i + 1] : nil, 2 * i + 2 < satisfied.count ? satisfied[2 * i + 2] : nil)
        }
        guard !successors.isEmpty || !satisfied.isEmpty else { return }
        cond.unlock()
        for w in successors { w.semaphore.signal() }
        if !everyone {
            for w in satisfied {
                if let m = w.mvcc { w.visible = m.completeWithoutWaiting(w.sequenceId) }
                w.satisfied = true
            }
        }
        satisfied.first?.semaphore.signal()
        cond.lock()
    }

    /// The background flusher's loop: every `interval`, writes what `ASYNC_WAL` appends left pending.
    /// It holds the WAL only while it writes, so a WAL nobody closed can still be freed (and its folder
    /// lock released); it ends when the WAL is closed or gone.
    static func runAsyncFlusher(_ weakWAL: @escaping () -> WAL?, interval: Duration) {
        let seconds = Double(max(1_000_000, interval.inNanoseconds)) / 1e9
        while true {
            Thread.sleep(forTimeInterval: seconds)
            guard let wal = weakWAL(), wal.flushAsyncAppends() else { return }
        }
    }

    /// Writes pending `ASYNC_WAL` appends; false once the WAL is closed.
    private func flushAsyncAppends() -> Bool {
        cond.lock()
        defer { cond.unlock() }
        if state.closed { return false }
        if failure == nil, writerRoleOpen { writeGroup() }
        return true
    }
}
