import Foundation

/// The optional syncer thread (`basalt.wal.syncer.thread`), HBase's `SyncRunner`: appenders that need an
/// fsync park at once, and one thread writes their group, fsyncs it and wakes them, one by one, before it
/// takes the next group. The wake-ups take long enough for the woken writers to append again on the
/// other CPU, so the next group holds both the writers that came during the sync and those just woken:
/// groups are not capped at half the writers, as they are when a woken writer can only join the group
/// after next. `SYNC_WAL` appends never involve it.
extension WAL {
    /// With `cond` held: wakes the syncer thread if it is idle and there is fsync work.
    func kickSyncerThread() {
        guard configuration.syncerThread, state.syncerIdle, failure == nil, fsyncWriteWanted || syncWanted else { return }
        state.syncerIdle = false
        syncerWake.signal()
    }

    /// The syncer thread's loop. It holds the WAL only during a round, so an unclosed WAL can be freed;
    /// it ends when the WAL is closed or gone.
    static func runSyncerThread(_ weakWAL: @escaping () -> WAL?, wake: DispatchSemaphore) {
        while true {
            wake.wait()
            guard let wal = weakWAL(), wal.syncerRound() else { return }
        }
    }

    /// Writes and fsyncs groups while any appender needs one; false once the WAL is closed.
    private func syncerRound() -> Bool {
        cond.lock()
        defer { cond.unlock() }
        while failure == nil {
            if fsyncWriteWanted {
                writeGroup(callerContinues: false)
            } else if syncWanted {
                syncGroup(callerContinues: false)
            } else {
                break
            }
        }
        state.syncerIdle = true
        return !state.closed
    }
}
