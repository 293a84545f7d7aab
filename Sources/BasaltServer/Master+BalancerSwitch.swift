import BasaltCore
import BasaltProtocol

/// The balancer switch (HBase's `balance_switch`): kept where HBase keeps it, in the `balancer` znode as
/// `PBUF` + `LoadBalancerState`, so it survives a master's restart and a failover. Absent means on. While
/// it is off, neither the chore nor a `Balance` call moves regions.
extension Master {
    public func isBalancerOn() async throws -> Bool {
        guard let value = try await coordination.read(coordination.layout.balancer) else { return true }
        let state = try PBUFCodec.decode(HBaseLoadBalancerState.self, from: value.data)
        return !state.hasBalancerOn || state.balancerOn
    }

    /// Turns the balancer on or off; returns whether it was on.
    @discardableResult
    public func setBalancer(on: Bool) async throws -> Bool {
        try await procedures.withLock {
            let previous = try await isBalancerOn()
            var state = HBaseLoadBalancerState()
            state.balancerOn = on
            try await coordination.write(coordination.layout.balancer, data: try PBUFCodec.encode(state), expectedVersion: nil)
            if previous != on { logger.info("balancer switched", metadata: ["on": "\(on)"]) }
            return previous
        }
    }
}
