import Synchronization

/// A pool of fixed-size chunks (2 MB by default) that MemStore segments copy cell bytes into (MSLAB).
/// A chunk goes back to the pool when the segment that used it is dropped (after its flush), so steady
/// writing reuses the same memory instead of asking the allocator again and again.
///
/// Shared by every MemStore of one owner; safe to share across threads.
package final class MemStoreChunkPool: Sendable {
    struct Pointers: @unchecked Sendable { var free: [UnsafeMutableRawPointer] = []; var live = 0 }

    package let chunkSize: Int
    /// Chunks kept for reuse at most; more are freed.
    package let maxPooled: Int
    private let state = Mutex(Pointers())

    package init(chunkSize: Int = 2 * 1024 * 1024, maxPooled: Int = 256) {
        self.chunkSize = max(chunkSize, 4096)
        self.maxPooled = maxPooled
    }

    deinit {
        state.withLock { s in for p in s.free { p.deallocate() } }
    }

    func take() -> UnsafeMutableRawPointer {
        let size = chunkSize
        return state.withLock { s in
            s.live += 1
            return s.free.popLast() ?? .allocate(byteCount: size, alignment: 64)
        }
    }

    func give(_ chunks: [UnsafeMutableRawPointer]) {
        state.withLock { s in
            s.live -= chunks.count
            let room = max(0, maxPooled - s.free.count)
            s.free.append(contentsOf: chunks.prefix(room))
            for p in chunks.dropFirst(room) { p.deallocate() }
        }
    }

    /// Chunks in use by segments, and chunks waiting in the pool.
    package var counts: (live: Int, pooled: Int) { state.withLock { ($0.live, $0.free.count) } }
}
