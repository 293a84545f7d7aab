import BasaltCoordination
import BasaltTestSupport
import Foundation
import Testing

/// One client suite, run against the embedded server and against Apache ZooKeeper: the embedded server
/// must answer as ZooKeeper does for every operation Basalt uses.
@Suite("ZooKeeper client, against both servers")
struct ZooKeeperClientTests {
    @Test(arguments: ServerKind.allCases)
    func createReadUpdateDelete(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        defer { Task { await zk.close() } }
        let root = try await testRoot(zk, "crud")

        let (path, created) = try await zk.createWithStat("\(root)/a", data: bytes("one"))
        #expect(path == "\(root)/a")
        #expect(created.version == 0 && created.dataLength == 3 && created.czxid == created.mzxid && created.ctime > 0)
        let (data, stat) = try await zk.getData(path)
        #expect(data == bytes("one"))
        #expect(stat == created)

        let updated = try await zk.setData(path, data: bytes("two!"), version: 0)
        #expect(updated.version == 1 && updated.dataLength == 4 && updated.mzxid > created.mzxid && updated.czxid == created.czxid)
        #expect(try await zk.getData(path).data == bytes("two!"))
        #expect(try await zk.exists(path) == updated)

        try await zk.create("\(root)/b")
        let (children, parent) = try await zk.getChildren(root)
        #expect(children.sorted() == ["a", "b"])
        #expect(parent.numChildren == 2 && parent.cversion == 2 && parent.pzxid >= updated.czxid)

        try await zk.delete(path, version: 1)
        #expect(try await zk.exists(path) == nil)
        let after = try await zk.getChildren(root)
        #expect(after.children == ["b"] && after.stat.cversion == 3)

        // Empty data and the ACL every znode gets.
        #expect(try await zk.getData("\(root)/b").data.isEmpty)
        #expect(try await zk.getACL("\(root)/b").acl == ACL.openUnsafe)
        try await zk.sync(root)
        #expect(try await zk.ping() < .seconds(5))
    }

    @Test(arguments: ServerKind.allCases)
    func errorCodesNameThePath(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        defer { Task { await zk.close() } }
        let root = try await testRoot(zk, "errors")
        try await zk.create("\(root)/x", data: bytes("v"))

        let noNode = await expectCode(.noNode) { _ = try await zk.getData("\(root)/missing") }
        #expect(noNode?.message.contains("\(root)/missing") == true)
        #expect(noNode?.isRetryable == false)
        await expectCode(.noNode) { try await zk.create("\(root)/nope/child") }
        await expectCode(.noNode) { try await zk.delete("\(root)/missing") }
        await expectCode(.noNode) { try await zk.setData("\(root)/missing", data: []) }
        await expectCode(.noNode) { _ = try await zk.getChildren("\(root)/missing") }
        let exists = await expectCode(.nodeExists) { try await zk.create("\(root)/x") }
        #expect(exists?.path == "\(root)/x")
        await expectCode(.badVersion) { try await zk.setData("\(root)/x", data: [], version: 7) }
        await expectCode(.badVersion) { try await zk.delete("\(root)/x", version: 3) }
        await expectCode(.notEmpty) { try await zk.delete(root) }
        try await zk.create("\(root)/eph", mode: .ephemeral)
        await expectCode(.noChildrenForEphemerals) { try await zk.create("\(root)/eph/child") }
        // ZooKeeper looks for the parent before it checks the rest of the path.
        for bad in ["relative", "\(root)/.", "\(root)/x/", "\(root)/x/.."] {
            await expectCode(.badArguments) { try await zk.create(bad) }
        }
        await expectCode(.noNode) { try await zk.create("\(root)//double") }
        // Nothing was changed by the failures.
        #expect(try await zk.getData("\(root)/x").stat.version == 0)
        #expect(try await zk.getChildren(root).children.sorted() == ["eph", "x"])
    }

    @Test(arguments: ServerKind.allCases)
    func sequentialNamesCountPerParent(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        defer { Task { await zk.close() } }
        let root = try await testRoot(zk, "seq")
        let first = try await zk.create("\(root)/job-", mode: .persistentSequential)
        let second = try await zk.create("\(root)/job-", mode: .ephemeralSequential)
        try await zk.create("\(root)/plain")
        let third = try await zk.create("\(root)/other-", data: bytes("x"), mode: .persistentSequential)
        #expect(first == "\(root)/job-0000000000")
        #expect(second == "\(root)/job-0000000001")
        // The counter counts the parent's children ever created: the plain create advanced it too, a
        // deletion does not (though it does advance the parent's cversion).
        #expect(third == "\(root)/other-0000000003")
        try await zk.delete("\(root)/plain")
        #expect(try await zk.exists(root)?.cversion == 5)
        #expect(try await zk.create("\(root)/job-", mode: .persistentSequential) == "\(root)/job-0000000004")
        #expect(try await zk.exists(second)?.ephemeralOwner == zk.sessionId)
        #expect(try await zk.exists(first)?.ephemeralOwner == 0)
    }

    @Test(arguments: ServerKind.allCases)
    func watchesFireOnceInOrder(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        let other = try await SharedServers.client(kind)
        defer { Task { await zk.close(); await other.close() } }
        let events = EventRecorder(zk)
        let root = try await testRoot(zk, "watch")
        try await zk.create("\(root)/d", data: bytes("0"))

        _ = try await zk.getData("\(root)/d", watch: true)
        #expect(try await zk.exists("\(root)/later", watch: true) == nil)
        _ = try await zk.getChildren(root, watch: true)

        try await other.setData("\(root)/d", data: bytes("1"))
        try await other.setData("\(root)/d", data: bytes("2"))  // the data watch already fired: no second event
        try await other.create("\(root)/later")
        try await other.delete("\(root)/later")  // the exists watch already fired; the child watch too
        let seen = await events.wait { $0.filter { $0.type != .none }.count >= 3 }
        try await Task.sleep(for: .milliseconds(300))
        let watched = events.watchEvents
        #expect(watched == [
            WatchedEvent(type: .nodeDataChanged, path: "\(root)/d"),
            WatchedEvent(type: .nodeCreated, path: "\(root)/later"),
            WatchedEvent(type: .nodeChildrenChanged, path: root),
        ], "saw \(seen)")

        // A watch on a deleted znode fires NodeDeleted; getData and getChildren watches on it fire once.
        _ = try await zk.getData("\(root)/d", watch: true)
        _ = try await zk.getChildren("\(root)/d", watch: true)
        try await other.delete("\(root)/d")
        await events.wait { $0.contains { $0.type == .nodeDeleted } }
        try await Task.sleep(for: .milliseconds(300))
        #expect(events.watchEvents.dropFirst(3) == [WatchedEvent(type: .nodeDeleted, path: "\(root)/d")])
    }

    @Test(arguments: ServerKind.allCases)
    func ephemeralsGoWhenTheSessionCloses(_ kind: ServerKind) async throws {
        let owner = try await SharedServers.client(kind)
        let watcher = try await SharedServers.client(kind)
        defer { Task { await watcher.close() } }
        let events = EventRecorder(watcher)
        let root = try await testRoot(watcher, "eph-close")
        try await owner.create("\(root)/me", data: bytes("here"), mode: .ephemeral)
        #expect(try await watcher.exists("\(root)/me", watch: true)?.ephemeralOwner == owner.sessionId)

        await owner.close()
        await events.wait { $0.contains { $0.type == .nodeDeleted } }
        #expect(events.watchEvents == [WatchedEvent(type: .nodeDeleted, path: "\(root)/me")])
        #expect(try await watcher.exists("\(root)/me") == nil)
        #expect(owner.sessionState == .closed)
        await expectCode(.sessionExpired) { _ = try await owner.exists(root) }
    }

    @Test(arguments: ServerKind.allCases)
    func ephemeralsGoWhenTheSessionExpires(_ kind: ServerKind) async throws {
        let owner = try await SharedServers.client(kind, timeout: .seconds(2))
        let watcher = try await SharedServers.client(kind)
        defer { Task { await watcher.close() } }
        let ownerEvents = EventRecorder(owner)
        let events = EventRecorder(watcher)
        let root = try await testRoot(watcher, "eph-expire")
        try await owner.create("\(root)/me", mode: .ephemeral)
        _ = try await watcher.exists("\(root)/me", watch: true)

        owner.suspendConnection()  // no pings: the server must expire the session
        await events.wait { $0.contains { $0.type == .nodeDeleted } }
        #expect(events.watchEvents == [WatchedEvent(type: .nodeDeleted, path: "\(root)/me")])
        #expect(try await watcher.exists("\(root)/me") == nil)

        owner.resumeConnection()  // the server now tells the client its session is gone
        await ownerEvents.wait { $0.contains { $0.state == .expired } }
        #expect(ownerEvents.sessionStates.suffix(2) == [.disconnected, .expired])
        #expect(owner.sessionState == .expired)
        await expectCode(.sessionExpired) { _ = try await owner.exists(root) }
    }

    @Test(arguments: ServerKind.allCases)
    func multiIsAllOrNothing(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        defer { Task { await zk.close() } }
        let root = try await testRoot(zk, "multi")
        try await zk.create("\(root)/v", data: bytes("0"))

        let ok = try await zk.multi([
            .check(path: "\(root)/v", version: 0),
            .create(path: "\(root)/a", data: bytes("a"), mode: .persistent),
            .setData(path: "\(root)/v", data: bytes("1"), version: 0),
            .create(path: "\(root)/s-", data: [], mode: .persistentSequential),
            .delete(path: "\(root)/a", version: 0),
        ])
        #expect(ok.count == 5)
        #expect(ok[0] == .checked && ok[4] == .deleted)
        #expect(ok[1] == .created(path: "\(root)/a", stat: nil))
        if case .set(let stat) = ok[2] { #expect(stat.version == 1) } else { Issue.record("setData result \(ok[2])") }
        #expect(ok[3] == .created(path: "\(root)/s-0000000002", stat: nil))

        let ops: [MultiOp] = [
            .create(path: "\(root)/b", data: [], mode: .persistent),
            .setData(path: "\(root)/v", data: bytes("2"), version: 0),  // stale version: fails
            .create(path: "\(root)/c", data: [], mode: .persistent),
        ]
        #expect(try await zk.multiResults(ops) == [.error(.ok), .error(.badVersion), .error(.runtimeInconsistency)])
        let thrown = await expectCode(.badVersion) { try await zk.multi(ops) }
        #expect(thrown?.path == "\(root)/v")
        #expect(try await zk.exists("\(root)/b") == nil)
        #expect(try await zk.getData("\(root)/v").data == bytes("1"))
        #expect(try await zk.getChildren(root).children.sorted() == ["s-0000000002", "v"])
    }

    @Test(arguments: ServerKind.allCases)
    func reconnectKeepsSessionEphemeralsAndWatches(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        let other = try await SharedServers.client(kind)
        defer { Task { await zk.close(); await other.close() } }
        let events = EventRecorder(zk)
        let root = try await testRoot(zk, "reconnect")
        try await zk.create("\(root)/eph", mode: .ephemeral)
        try await zk.create("\(root)/d", data: bytes("0"))
        _ = try await zk.getData("\(root)/d", watch: true)
        let session = zk.sessionId

        zk.suspendConnection()
        await events.wait { $0.contains { $0.state == .disconnected } }
        try await other.setData("\(root)/d", data: bytes("changed while away"))
        zk.resumeConnection()

        // The watch was re-registered with the zxid last seen: the change made meanwhile fires it.
        await events.wait { $0.contains { $0.type == .nodeDataChanged } }
        #expect(events.watchEvents == [WatchedEvent(type: .nodeDataChanged, path: "\(root)/d")])
        #expect(events.sessionStates == [.disconnected, .connected])
        #expect(zk.sessionId == session)
        #expect(try await zk.exists("\(root)/eph")?.ephemeralOwner == session)
    }

    @Test(arguments: ServerKind.allCases)
    func requestsMadeWhileDisconnectedWaitForTheConnection(_ kind: ServerKind) async throws {
        let zk = try await SharedServers.client(kind)
        defer { Task { await zk.close() } }
        let root = try await testRoot(zk, "queued")
        zk.suspendConnection()
        while zk.sessionState != .disconnected { try await Task.sleep(for: .milliseconds(5)) }
        async let created = zk.create("\(root)/q", data: bytes("x"))
        try await Task.sleep(for: .milliseconds(200))
        zk.resumeConnection()
        #expect(try await created == "\(root)/q")
        #expect(try await zk.getData("\(root)/q").data == bytes("x"))
    }

    @Test(arguments: ServerKind.allCases)
    func connectFailsClearlyWhenNoServerListens(_ kind: ServerKind) async throws {
        let port = Loopback.freePort()
        do {
            _ = try await ZooKeeperClient.connect(.init(servers: ["127.0.0.1:\(port)"], connectTimeout: .milliseconds(500)))
            Issue.record("connected to a port nobody listens on")
        } catch let e as CoordinationError {
            #expect(e.kind == .connectionLoss)
            #expect(e.message.contains("127.0.0.1:\(port)"))
        }
    }
}
