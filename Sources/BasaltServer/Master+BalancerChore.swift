import BasaltCore
import Foundation

/// The balancer chore: every `hbase.balancer.period` the master evens out region counts, as HBase's
/// does, so regions that daughters of splits or restarts left in a heap spread out without anyone
/// asking. A pass is skipped while any region is in transition.
extension Master {
    func startBalancerChore() {
        guard let period = configuration.balancerPeriod else { return }
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: period)
                guard let self, !self.isStopped else { return }
                await self.balanceIfSettled()
            }
        }
        state.withLock { $0.balancerChore = task }
    }

    /// One balancer pass, unless the switch is off or regions are in transition (recovery, a split or a
    /// move is under way).
    func balanceIfSettled() async {
        do {
            guard try await isBalancerOn() else { return }
            let live = try await liveServers()
            let moving = try await regionsInTransition(live: live)
            guard moving.isEmpty else {
                logger.debug("balancer pass skipped: regions in transition", metadata: ["regions": "\(moving.count)"])
                return
            }
            let moved = try await balance()
            if moved > 0 { logger.info("balancer moved regions", metadata: ["moved": "\(moved)"]) }
        } catch {
            logger.warning("balancer pass failed", metadata: ["error": "\(error)"])
        }
    }
}
