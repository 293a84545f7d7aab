import BasaltCoordination
import BasaltCore
import BasaltProtocol
import BasaltServer
import BasaltTestSupport
import Foundation
import Synchronization
import Testing

/// A region server on a free loopback port, driven through its native RPC services as a client would.
@Suite struct RegionServerTests {
    static let table = try! TableName("t")

    static func descriptor() throws -> TableDescriptor {
        var f = ColumnFamilyDescriptor("f")
        f.maxVersions = 3
        return try TableDescriptor(name: table, families: [f])
    }

    /// Starts a server, runs `body` with its client stubs, stops everything.
    static func withServer(
        lease: Duration = .seconds(60), leaseClock: (@Sendable () -> ContinuousClock.Instant)? = nil, coordination: (any Coordination)? = nil,
        _ body: (RegionServer, BasaltClientServiceCalls, BasaltAdminServiceCalls) async throws -> Void
    ) async throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        var conf = RegionServer.Configuration(root: dir.path)
        conf.port = 0
        conf.handlers = 4
        conf.scannerLease = lease
        if let leaseClock { conf.leaseClock = leaseClock }
        conf.engine.memory = 64 << 20
        let server = RegionServer(configuration: conf, coordination: coordination)
        try await server.start()
        do {
            let name = try #require(server.serverName)
            let connections = ServerConnections()
            do {
                try await body(server, try await connections.data(name), try await connections.admin(name))
            } catch {
                await connections.closeAll()
                throw error
            }
            await connections.closeAll()
        } catch {
            try? await server.stop()
            throw error
        }
        try await server.stop()
    }

    static func open(_ admin: BasaltAdminServiceCalls, _ info: RegionInfo) async throws {
        var req = Basalt_OpenRegionRequest()
        req.region = Basalt_RegionInfo(info)
        req.table = Basalt_TableSchema(try descriptor())
        let opened = try await admin.openRegion(req)
        #expect(opened.openSeqNum >= 1)
    }

    static func spec(_ info: RegionInfo) -> Basalt_RegionSpecifier {
        var s = Basalt_RegionSpecifier()
        s.regionName = Data(info.regionName)
        return s
    }

    static func put(_ row: String, _ value: String) -> Basalt_MutationProto {
        var p = Put(row: b(row))
        p.add(family: b("f"), qualifier: b("q"), value: b(value))
        return Basalt_MutationProto(.put(p))
    }

    static func exceptionName(_ error: any Error) -> String? {
        (error as? ProtocolError)?.exceptionClassName.map(ServerErrorKind.simpleName)
    }

    @Test func getMutateAndMultiThroughTheService() async throws {
        try await Self.withServer { server, client, admin in
            let info = RegionInfo(table: Self.table, regionId: 1)
            try await Self.open(admin, info)

            var mutate = Basalt_MutateRequest()
            mutate.region = Self.spec(info)
            mutate.mutation = Self.put("row1", "v1")
            _ = try await client.mutate(mutate)

            var get = Basalt_GetRequest()
            get.region = Self.spec(info)
            get.get = Basalt_Get(Get(row: b("row1")))
            let got = try await client.get(get).result.toRowResult()
            #expect(got.value(family: b("f"), qualifier: b("q")) == b("v1"))

            // One multi: a batch of puts, a get, an increment and one bad put (unknown family).
            var action = Basalt_RegionAction()
            action.region = Self.spec(info)
            for i in 0..<10 {
                var a = Basalt_Action()
                a.index = UInt32(i)
                a.mutation = Self.put("m\(i)", "x\(i)")
                action.actions.append(a)
            }
            var bad = Put(row: b("bad"))
            bad.add(family: b("nope"), qualifier: b("q"), value: b("v"))
            var badAction = Basalt_Action()
            badAction.index = 10
            badAction.mutation = Basalt_MutationProto(.put(bad))
            action.actions.append(badAction)
            var inc = Increment(row: b("counter"))
            inc.add(family: b("f"), qualifier: b("n"), amount: 5)
            var incAction = Basalt_Action()
            incAction.index = 11
            incAction.mutation = Basalt_MutationProto(inc)
            action.actions.append(incAction)
            var getAction = Basalt_Action()
            getAction.index = 12
            getAction.get = Basalt_Get(Get(row: b("row1")))
            action.actions.append(getAction)
            // A region this server does not hold fails alone.
            var elsewhere = Basalt_RegionAction()
            elsewhere.region = Self.spec(RegionInfo(table: Self.table, regionId: 99))
            elsewhere.actions = [action.actions[0]]
            var multi = Basalt_MultiRequest()
            multi.regionActions = [action, elsewhere]
            let response = try await client.multi(multi)
            #expect(response.regionActionResults.count == 2)
            let results = response.regionActionResults[0].results
            #expect(results.count == 13)
            #expect(results[0..<10].allSatisfy { !$0.hasException })
            #expect(results[10].exception.name == "NoSuchColumnFamilyException")
            #expect(Bytes.toInt64(Array(results[11].result.cells.first?.value ?? Data())) == 5)
            #expect(try results[12].result.toRowResult().value(family: b("f"), qualifier: b("q")) == b("v1"))
            #expect(response.regionActionResults[1].exception.name == "NotServingRegionException")
            #expect(response.regionActionResults[1].exception.retryable)
            get.get = Basalt_Get(Get(row: b("m7")))
            #expect(try await client.get(get).result.toRowResult().value(family: b("f"), qualifier: b("q")) == b("x7"))

            // A get for a region the server does not hold: NotServingRegion, marked retryable.
            get.region = Self.spec(RegionInfo(table: Self.table, regionId: 99))
            do {
                _ = try await client.get(get)
                Issue.record("a get on a region not served succeeded")
            } catch {
                #expect(Self.exceptionName(error) == "NotServingRegionException")
            }

            // checkAndMutate through Mutate: applied when the value matches, not otherwise.
            var cam = Basalt_MutateRequest()
            cam.region = Self.spec(info)
            cam.mutation = Self.put("row1", "v2")
            cam.condition.row = Data(b("row1"))
            cam.condition.family = Data(b("f"))
            cam.condition.qualifier = Data(b("q"))
            cam.condition.compareOp = "EQUAL"
            cam.condition.value = Data(b("wrong"))
            #expect(try await client.mutate(cam).processed == false)
            cam.condition.value = Data(b("v1"))
            #expect(try await client.mutate(cam).processed == true)
            _ = server
        }
    }

    @Test func scansPageThroughTheRegionAndLeasesExpire() async throws {
        // Leases run on a clock the test moves: nothing here waits for real time to pass.
        let start = ContinuousClock.now
        let elapsed = Mutex<Duration>(.zero)
        try await Self.withServer(lease: .seconds(6), leaseClock: { start + elapsed.withLock { $0 } }) { _, client, admin in
            let info = RegionInfo(table: Self.table, regionId: 1)
            try await Self.open(admin, info)
            var multi = Basalt_MultiRequest()
            var action = Basalt_RegionAction()
            action.region = Self.spec(info)
            for i in 0..<25 {
                var a = Basalt_Action()
                a.index = UInt32(i)
                a.mutation = Self.put(String(format: "r%02d", i), "v\(i)")
                action.actions.append(a)
            }
            multi.regionActions = [action]
            _ = try await client.multi(multi)

            var open = Basalt_ScanRequest()
            open.region = Self.spec(info)
            open.scan = Basalt_Scan(Scan())
            open.numberOfRows = 10
            var response = try await client.scan(open)
            var rows = response.results.map { String(decoding: $0.cells[0].row, as: UTF8.self) }
            var seq: UInt64 = 1
            while response.moreResultsInRegion {
                var next = Basalt_ScanRequest()
                next.scannerID = response.scannerID
                next.numberOfRows = 10
                next.nextCallSeq = seq
                seq += 1
                response = try await client.scan(next)
                rows += response.results.map { String(decoding: $0.cells[0].row, as: UTF8.self) }
            }
            #expect(rows == (0..<25).map { String(format: "r%02d", $0) })

            // Reversed, across the whole region.
            var reversed = Scan()
            reversed.reversed = true
            open.scan = Basalt_Scan(reversed)
            open.numberOfRows = 0
            response = try await client.scan(open)
            #expect(response.results.count == 25)
            #expect(response.results.first?.cells.first?.row == Data(b("r24")))

            // A scanner left idle past its lease is gone, with a clear error.
            open.scan = Basalt_Scan(Scan())
            open.numberOfRows = 1
            response = try await client.scan(open)
            elapsed.withLock { $0 += .seconds(7) }
            var late = Basalt_ScanRequest()
            late.scannerID = response.scannerID
            late.numberOfRows = 1
            late.nextCallSeq = 1
            do {
                _ = try await client.scan(late)
                Issue.record("a scanner outlived its lease")
            } catch {
                #expect(Self.exceptionName(error) == "UnknownScannerException")
                #expect((error as? ProtocolError)?.message.contains("lease") == true)
            }
        }
    }

    @Test func registersItsZNodeWhileServing() async throws {
        let zk = try await EmbeddedZooKeeperServer.start(.init(port: 0, tickTime: .milliseconds(200)))
        defer { Task { await zk.stop() } }
        let coordination = try await ZooKeeperCoordination.connect(configuration: BasaltConfiguration(["hbase.zookeeper.quorum": zk.connectString]))
        try await coordination.ensureLayout()
        try await Self.withServer(coordination: coordination) { server, _, _ in
            let name = try #require(server.serverName)
            let live = try await coordination.children(coordination.layout.regionServers)
            #expect(live == [name.description])
        }
        #expect(try await coordination.children(coordination.layout.regionServers).isEmpty)
        await coordination.close()
    }
}

func b(_ s: String) -> [UInt8] { Array(s.utf8) }
