import BasaltCore
import BasaltStorage
import Foundation
import Synchronization

/// The open scanners of one region server, by id, each with a lease: a scanner not called for the lease
/// period (`hbase.client.scanner.timeout.period`) is closed, and a later call for it gets
/// `UnknownScannerException`. Each call carries a sequence number so a retried call cannot skip rows.
/// Safe to share across tasks.
package final class ScannerLeases: Sendable {
    /// One open scanner. Its fields are touched by one call at a time (`inUse` guards that).
    final class Entry: @unchecked Sendable {
        let id: UInt64
        let region: Region
        let scanner: RegionScanner
        /// The scan it runs (where it stops, which way).
        let scan: Scan
        /// HBase's scan options fixed at open: bytes per call (0: the call's or the default) and cells
        /// per result (0: whole rows).
        let maxResultSize: Int
        let batch: Int
        var nextCallSeq: UInt64 = 0
        var lastUsed: ContinuousClock.Instant
        var inUse = false

        init(id: UInt64, region: Region, scanner: RegionScanner, scan: Scan, maxResultSize: Int, batch: Int, now: ContinuousClock.Instant) {
            self.id = id
            self.region = region
            self.scanner = scanner
            self.scan = scan
            self.maxResultSize = maxResultSize
            self.batch = batch
            lastUsed = now
        }
    }

    let lease: Duration
    private struct State {
        var nextId: UInt64 = 1
        var entries: [UInt64: Entry] = [:]
        var expired: Set<UInt64> = []
        /// Scanners closed by their last call or by the client: a late call for one gets an empty answer,
        /// as HBase 2 gives it.
        var closed: Set<UInt64> = []
        var reaper: Task<Void, Never>?
    }

    private let state = Mutex(State())
    /// The time leases are measured by (tests pass one they move by hand).
    private let now: @Sendable () -> ContinuousClock.Instant

    init(lease: Duration, clock now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.lease = lease
        self.now = now
    }

    var count: Int { state.withLock { $0.entries.count } }

    /// One open scanner as `/dump` shows it.
    package struct Summary: Sendable {
        package var id: UInt64
        package var region: String
        /// Idle since its last call (zero while a call is using it).
        package var idle: Duration
        package var inCall: Bool
        package var calls: UInt64
    }

    /// Every open scanner with its lease's state, oldest id first.
    func summaries() -> [Summary] {
        let now = self.now()
        return state.withLock { s in
            s.entries.values.map { e in
                Summary(id: e.id, region: e.region.info.encodedName, idle: e.inUse ? .zero : now - e.lastUsed, inCall: e.inUse, calls: e.nextCallSeq)
            }.sorted { $0.id < $1.id }
        }
    }

    /// Registers a scanner; returns its id.
    func add(region: Region, scanner: RegionScanner, scan: Scan, maxResultSize: Int = 0, batch: Int = 0) -> UInt64 {
        state.withLock { s in
            let id = s.nextId
            s.nextId += 1
            s.entries[id] = Entry(id: id, region: region, scanner: scanner, scan: scan, maxResultSize: maxResultSize, batch: batch, now: now())
            return id
        }
    }

    /// Whether a scanner was closed (not expired) recently.
    func wasClosed(_ id: UInt64) -> Bool {
        state.withLock { $0.closed.contains(id) }
    }

    /// Restarts a scanner's lease without a call (HBase's `renew`); false when it is not open.
    func renew(_ id: UInt64) -> Bool {
        state.withLock { s in
            guard let e = s.entries[id] else { return false }
            if !e.inUse { e.lastUsed = now() }
            return true
        }
    }

    /// Takes a scanner for one call, checking its lease and the call's sequence number (when it has one).
    func checkOut(_ id: UInt64, callSeq: UInt64?) throws -> Entry {
        try state.withLock { s in
            guard let e = s.entries[id] else {
                if s.expired.contains(id) {
                    throw ServerError(.unknownScanner, "scanner \(id) was closed after its lease of \(lease) expired; hbase.client.scanner.timeout.period sets the lease")
                }
                throw ServerError(.unknownScanner, "unknown scanner \(id): it was closed or never opened here")
            }
            guard !e.inUse else { throw ServerError(.outOfOrderScannerNextCall, "scanner \(id) is already serving a call") }
            if let callSeq, callSeq != e.nextCallSeq {
                throw ServerError(.outOfOrderScannerNextCall, "scanner \(id) expected call \(e.nextCallSeq), got \(callSeq)")
            }
            if now() - e.lastUsed > lease {
                s.entries[id] = nil
                s.expired.insert(id)
                throw ServerError(.unknownScanner, "scanner \(id) was closed after its lease of \(lease) expired; hbase.client.scanner.timeout.period sets the lease")
            }
            e.inUse = true
            return e
        }
    }

    /// Returns a scanner after a call; `close` forgets it.
    func checkIn(_ e: Entry, close: Bool) {
        state.withLock { s in
            e.inUse = false
            e.nextCallSeq += 1
            e.lastUsed = now()
            if close { Self.close(e.id, &s) }
        }
    }

    func remove(_ id: UInt64) {
        state.withLock { Self.close(id, &$0) }
    }

    private static func close(_ id: UInt64, _ s: inout State) {
        guard s.entries.removeValue(forKey: id) != nil else { return }
        if s.closed.count >= maxRememberedExpired { s.closed.removeAll() }
        s.closed.insert(id)
    }

    /// Closes scanners whose lease ran out, every half lease.
    func startReaper() {
        let task = Task { [weak self, lease] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 2)
                self?.expireIdle()
            }
        }
        state.withLock { $0.reaper = task }
    }

    /// Expired ids remembered for the clear error; beyond this many the oldest knowledge is dropped.
    static let maxRememberedExpired = 10_000

    func expireIdle() {
        let now = self.now()
        state.withLock { s in
            if s.expired.count > Self.maxRememberedExpired { s.expired.removeAll() }
            for (id, e) in s.entries where !e.inUse && now - e.lastUsed > lease {
                s.entries[id] = nil
                s.expired.insert(id)
            }
        }
    }

    func closeAll() {
        state.withLock { s in
            s.reaper?.cancel()
            s.entries.removeAll()
        }
    }
}
