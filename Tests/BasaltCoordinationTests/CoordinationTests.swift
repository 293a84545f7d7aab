@testable import BasaltCoordination
import BasaltCore
import BasaltTestSupport
import Foundation
import Testing

/// `ZooKeeperCoordination`, HBase's znode layout and the master election, against both servers.
@Suite("Coordination over the ZooKeeper protocol")
struct CoordinationTests {
    private func coordination(_ kind: ServerKind, parent: String, timeout: Duration = .seconds(4)) async throws -> ZooKeeperCoordination {
        let client = try await SharedServers.client(kind, timeout: timeout)
        return ZooKeeperCoordination(client: client, layout: ZNodeLayout(parent: parent))
    }

    private func parent(_ name: String) -> String { "/\(name)-\(UUID().uuidString.prefix(8).lowercased())/hbase" }

    @Test func layoutFollowsHBase() {
        let conf = BasaltConfiguration(["zookeeper.znode.parent": "/hbase-unsecure/"])
        let layout = ZNodeLayout(configuration: conf)
        #expect(layout.master == "/hbase-unsecure/master")
        #expect(ZNodeLayout().metaRegionServer == "/hbase/meta-region-server")
        #expect(ZNodeLayout().regionServer(ServerName(host: "h", port: 16020, startCode: 5)) == "/hbase/rs/h,16020,5")
        #expect(ZNodeLayout().backupMasters == "/hbase/backup-masters")
        #expect(ZNodeLayout().running == "/hbase/running")
        #expect(ZNodeLayout().clusterId == "/hbase/hbaseid")
    }

    @Test(arguments: ServerKind.allCases)
    func readsWritesAndRegistrations(_ kind: ServerKind) async throws {
        let parent = parent("coord")
        let rs = try await coordination(kind, parent: parent)
        let observer = try await coordination(kind, parent: parent)
        defer { Task { await observer.close() } }
        try await rs.ensureLayout()
        #expect(try await observer.children(parent).sorted() == ["backup-masters", "rs"])

        let name = ServerName(host: "127.0.0.1", port: 16020, startCode: 42)
        try await rs.registerEphemeral(rs.layout.regionServer(name), data: [])
        await expectCode(.nodeExists) { try await rs.registerEphemeral(rs.layout.regionServer(name), data: []) }
        #expect(try await observer.children(observer.layout.regionServers) == [name.description])

        try await rs.write(rs.layout.metaRegionServer, data: bytes("a"), expectedVersion: nil)
        try await rs.write(rs.layout.metaRegionServer, data: bytes("b"), expectedVersion: 0)
        await expectCode(.badVersion) { try await rs.write(rs.layout.metaRegionServer, data: bytes("c"), expectedVersion: 0) }
        #expect(try await observer.read(observer.layout.metaRegionServer) == ZNodeValue(data: bytes("b"), version: 1))
        #expect(try await observer.read(parent + "/nothing") == nil)

        let id = try await rs.clusterId()
        #expect(try await observer.clusterId() == id)
        #expect(UUID(uuidString: id) != nil)

        // Closing the session takes the registration with it.
        await rs.close()
        #expect(try await observer.children(observer.layout.regionServers) == [])
        try await observer.delete(observer.layout.metaRegionServer)
        try await observer.delete(observer.layout.metaRegionServer)  // gone already: no error
        #expect(try await observer.read(observer.layout.metaRegionServer) == nil)
    }

    @Test(arguments: ServerKind.allCases)
    func watchesFollowEveryChange(_ kind: ServerKind) async throws {
        let parent = parent("watch")
        let writer = try await coordination(kind, parent: parent)
        let reader = try await coordination(kind, parent: parent)
        defer { Task { await writer.close(); await reader.close() } }
        try await writer.ensureLayout()
        let path = writer.layout.metaRegionServer

        var values = reader.watch(path).makeAsyncIterator()
        var rsList = reader.watchChildren(reader.layout.regionServers).makeAsyncIterator()
        #expect(try await values.next() == .some(nil))
        #expect(try await rsList.next() == [])

        try await writer.write(path, data: bytes("one"), expectedVersion: nil)
        #expect(try await values.next()??.data == bytes("one"))
        try await writer.write(path, data: bytes("two"), expectedVersion: nil)
        #expect(try await values.next()??.data == bytes("two"))
        try await writer.delete(path)
        #expect(try await values.next() == .some(nil))

        try await writer.registerEphemeral(writer.layout.regionServers + "/a,1,1", data: [])
        #expect(try await rsList.next() == ["a,1,1"])
        try await writer.registerEphemeral(writer.layout.regionServers + "/b,1,1", data: [])
        #expect(try await rsList.next() == ["a,1,1", "b,1,1"])
    }

    @Test(arguments: ServerKind.allCases)
    func oneActiveMasterAndBackupsTakeOver(_ kind: ServerKind) async throws {
        let parent = parent("election")
        let first = try await coordination(kind, parent: parent)
        let second = try await coordination(kind, parent: parent, timeout: .seconds(2))
        let third = try await coordination(kind, parent: parent)
        defer { Task { await third.close() } }
        let m1 = ServerName(host: "m", port: 1, startCode: 1)
        let m2 = ServerName(host: "m", port: 2, startCode: 2)
        let m3 = ServerName(host: "m", port: 3, startCode: 3)

        try await first.becomeActiveMaster(m1, data: bytes(m1.description))
        #expect(try await third.activeMaster() == bytes(m1.description))
        let secondWon = Task { try await second.becomeActiveMaster(m2, data: bytes(m2.description)) }
        let thirdWon = Task { try await third.becomeActiveMaster(m3, data: bytes(m3.description)) }
        try await waitFor { try await first.children(first.layout.backupMasters).count == 2 }
        #expect(try await first.children(first.layout.backupMasters) == [m2.description, m3.description])

        // The active master goes: exactly one backup takes over and leaves backup-masters.
        await first.close()
        try await waitFor { try await third.activeMaster() != nil }
        let winner = try #require(try await third.activeMaster())
        #expect(winner == bytes(m2.description) || winner == bytes(m3.description))
        let loserName = winner == bytes(m2.description) ? m3 : m2
        try await waitFor { try await third.children(third.layout.backupMasters) == [loserName.description] }

        if winner == bytes(m2.description) {
            try await secondWon.value
            // The winner's session expires: its master znode goes and the last backup takes over.
            second.client.suspendConnection()
            try await thirdWon.value
            #expect(try await third.activeMaster() == bytes(m3.description))
            #expect(try await third.children(third.layout.backupMasters) == [])
        } else {
            try await thirdWon.value
            await third.close()
            try await secondWon.value
        }
        await second.close()
    }

    private func waitFor(_ condition: () async throws -> Bool) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(15)
        while clock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met within 15 s")
    }
}

/// The `hbaseid` znode in HBase's form, and the bare id of older Basalt.
@Suite struct ClusterIdZNodeTests {
    @Test func hbasesFormAndTheLegacyOne() throws {
        let id = "8a1d5f3e-3c2b-4b7e-9a6f-0123456789ab"
        let bytes = ClusterIdZNode.encode(id)
        // PBUF, field 1 (length-delimited), 36 bytes, the id.
        #expect(Array(bytes.prefix(6)) == Array("PBUF".utf8) + [0x0A, 36])
        #expect(Array(bytes.dropFirst(6)) == Array(id.utf8))
        #expect(ClusterIdZNode.decode(bytes) == id)
        #expect(ClusterIdZNode.decode(Array(id.utf8)) == id)
        #expect(ClusterIdZNode.decode(Array("PBUF".utf8) + [0x0A, 99, 0x41]) == nil)
    }
}
