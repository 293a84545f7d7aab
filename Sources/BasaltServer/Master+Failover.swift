import BasaltCoordination
import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation
import Logging

/// Region server failover while the master runs: it watches `rs/`, and when a server's znode goes
/// (its session expired, or it stopped without moving its regions) it recovers that server's regions
/// as a restarting master would: split the dead server's WAL into per-region `recovered.edits`, put
/// `hbase:meta` back on a live server first if it was there, then reopen every region that is not open
/// on a live server. Each region replays its recovered edits before it opens. A server that joins gets
/// its share of regions from the balancer.
extension Master {
    /// Starts the watch; it ends when the master stops.
    func startFailoverWatch() {
        let stream = coordination.watchChildren(coordination.layout.regionServers)
        let task = Task { [weak self] in
            var previous: Set<String>?
            do {
                for try await children in stream {
                    guard let self, !self.isStopped else { return }
                    let now = Set(children)
                    defer { previous = now }
                    await self.learnStorageClients(now)
                    // The first listing may already miss a server that died since start-up recovery.
                    if let previous, previous.isSubset(of: now) {
                        if previous != now, self.configuration.balanceOnJoin { await self.balanceForNewServers(now.subtracting(previous).sorted()) }
                        continue
                    }
                    let gone = previous.map { $0.subtracting(now).sorted() } ?? []
                    await self.recoverRegionServers(gone: gone)
                }
            } catch {
                self?.logger.warning("stopped watching region servers", metadata: ["error": "\(error)"])
            }
        }
        state.withLock { $0.failoverWatch = task }
    }

    var isStopped: Bool { state.withLock { $0.stopped } }

    /// Gives servers that joined their share of regions (the balancer's usual pass).
    func balanceForNewServers(_ joined: [String]) async {
        do {
            let moved = try await balance()
            if moved > 0 { logger.info("balanced for new region servers", metadata: ["servers": "\(joined.joined(separator: " "))", "moved": "\(moved)"]) }
        } catch {
            logger.warning("balancing for new region servers failed", metadata: ["error": "\(error)"])
        }
    }

    /// What a master does at start and whenever a server goes, as one procedure (DDL, moves and splits
    /// wait for it): `ClusterRecovery`. Returns how many regions it opened.
    @discardableResult
    func recoverDeadServers() async throws -> Int {
        let outcome = try await procedures.withLock {
            try await ClusterRecovery.run(MasterRecoveryCluster(master: self), logger: logger)
        }
        noteDead(outcome.deadServers.compactMap { try? ServerName(parsing: $0) })
        return outcome.regionsOpened
    }

    /// Remembers servers as dead, for `status`: at most the last 100.
    func noteDead(_ servers: [ServerName]) {
        state.withLock { s in
            for server in servers where !s.deadServers.contains(server) { s.deadServers.append(server) }
            s.deadServers.removeFirst(max(0, s.deadServers.count - 100))
        }
    }

    /// Servers seen dead, leaving out those whose host and port serve again (a restarted server).
    func deadServers(live: [ServerName]) -> [ServerName] {
        let serving = Set(live.map(\.hostAndPort))
        return state.withLock { $0.deadServers }.filter { !serving.contains($0.hostAndPort) }
    }

    /// Regions in transition, from meta (`ClusterRecovery.inTransition`).
    func regionsInTransition(live: [ServerName]) async throws -> [MetaRow.Location] {
        ClusterRecovery.inTransition(try await MasterRecoveryCluster(master: self).readMeta(), live: live)
    }

    /// Backup masters waiting under `backup-masters/`.
    func backupMasters() async throws -> [ServerName] {
        try await coordination.children(coordination.layout.backupMasters).compactMap { try? ServerName(parsing: $0) }.sorted { $0.description < $1.description }
    }

    /// The first recovery, retried while it fails in a way a retry can mend (a region server registers
    /// before it serves, so it may still be starting; on a shared root over the network that takes a
    /// while), for as long as the master waits for region servers.
    func recoverAtStart() async throws {
        let deadline = ContinuousClock.now + configuration.regionServerWait
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await recoverDeadServers()
                return
            } catch {
                guard ServerError(error).isRetryable, ContinuousClock.now < deadline, !isStopped else { throw error }
                logger.info("recovery at start must wait; trying again", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Recovers the regions of servers that are gone, retrying every second until it succeeds or the
    /// master stops. Runs as one procedure: DDL, moves and splits wait for it.
    func recoverRegionServers(gone: [String]) async {
        let started = ContinuousClock.now
        if !gone.isEmpty { logger.warning("region servers gone; recovering their regions", metadata: ["servers": "\(gone.joined(separator: " "))"]) }
        noteDead(gone.compactMap { try? ServerName(parsing: $0) })
        var attempt = 0
        while !isStopped {
            attempt += 1
            do {
                let reassigned = try await recoverDeadServers()
                if !gone.isEmpty || reassigned > 0 {
                    logger.info("regions recovered", metadata: [
                        "regions": "\(reassigned)", "ms": "\((ContinuousClock.now - started).inMilliseconds)", "attempts": "\(attempt)",
                    ])
                }
                return
            } catch {
                logger.warning("region recovery failed; trying again in a second", metadata: ["attempt": "\(attempt)", "error": "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
