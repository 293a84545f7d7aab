import BasaltCoordination
import BasaltTestSupport
import Foundation
import Testing

/// The client against a real three-node Apache ZooKeeper ensemble on loopback ports.
@Suite("ZooKeeper client, against a 3-node Apache ZooKeeper ensemble")
struct EnsembleTests {
    @Test func reconnectsToAnotherMemberKeepingTheSession() async throws {
        let ensemble = try ApacheZooKeeper(size: 3, tickMs: 200)
        defer { ensemble.stop() }
        let servers = ensemble.members.map { "127.0.0.1:\($0.clientPort)" }
        let zk = try await ZooKeeperClient.connect(.init(servers: servers, sessionTimeout: .seconds(4)))
        let events = EventRecorder(zk)
        try await zk.create("/ens-eph", data: bytes("mine"), mode: .ephemeral)
        try await zk.create("/ens-data", data: bytes("0"))
        _ = try await zk.getData("/ens-data", watch: true)
        let session = zk.sessionId
        let first = try #require(zk.connectedServer)

        let victim = try #require(ensemble.members.first { "127.0.0.1:\($0.clientPort)" == first })
        ensemble.kill(member: victim.id)
        await events.wait(timeout: .seconds(30)) { $0.filter { $0.type == .none }.map(\.state) == [.disconnected, .connected] }
        #expect(events.sessionStates == [.disconnected, .connected])
        #expect(zk.sessionId == session)
        let now = try #require(zk.connectedServer)
        #expect(now != first)

        // The session, its ephemeral znode and its watch survived the move.
        let others = servers.filter { $0 != first }
        let other = try await ZooKeeperClient.connect(.init(servers: others))
        defer { Task { await other.close(); await zk.close() } }
        #expect(try await other.exists("/ens-eph")?.ephemeralOwner == session)
        try await other.setData("/ens-data", data: bytes("1"))
        await events.wait { $0.contains { $0.type == .nodeDataChanged } }
        #expect(events.watchEvents == [WatchedEvent(type: .nodeDataChanged, path: "/ens-data")])
        #expect(try await zk.getData("/ens-eph").data == bytes("mine"))
    }
}
