import BasaltClient
import BasaltCore
import BasaltTestSupport
import Testing

func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// The client end to end against a MiniCluster of three region servers.
@Suite(.serialized) struct ClientTableTests {
    @Test func tableOperationsAcrossRegions() async throws {
        try await MiniCluster.run(regionServers: 3) { cluster, connection in
            let t = try TableName("t1")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: [b("g"), b("p")])
            let table = connection.table(t)
            // Regions spread over the servers; the locator finds each row's region.
            let locations = try await connection.regionLocator(t).allLocations()
            #expect(locations.map(\.region.startKey) == [[], b("g"), b("p")])
            #expect(Set(locations.map(\.server)).count == 3)
            let ofK = try await connection.regionLocator(t).location(row: b("k"))
            #expect(ofK.region.startKey == b("g"))

            var puts: [Put] = []
            for key in ["a", "c", "h", "k", "q", "z"] {
                var p = Put(row: b(key))
                p.add(family: b("f"), qualifier: b("q"), value: b("v-" + key))
                puts.append(p)
            }
            try await table.put(puts)
            #expect(try await table.get(Get(row: b("k"))).value(family: b("f"), qualifier: b("q")) == b("v-k"))
            #expect(try await table.exists(Get(row: b("z"))))
            #expect(try await table.exists(Get(row: b("y"))) == false)
            let many = try await table.get([Get(row: b("a")), Get(row: b("missing")), Get(row: b("q"))])
            #expect(many.map { $0.value(family: b("f"), qualifier: b("q")) } == [b("v-a"), nil, b("v-q")])

            // Forward and reversed scans cross region boundaries; limits hold across them.
            let all = try await table.scanAll(Scan())
            #expect(all.map(\.row) == ["a", "c", "h", "k", "q", "z"].map(b))
            var reversed = Scan()
            reversed.reversed = true
            #expect(try await table.scanAll(reversed).map(\.row) == ["z", "q", "k", "h", "c", "a"].map(b))
            var fromK = Scan(startRow: b("k"), stopRow: b("b"))
            fromK.reversed = true
            #expect(try await table.scanAll(fromK, caching: 1).map(\.row) == ["k", "h", "c"].map(b))
            var limited = Scan(startRow: b("b"))
            limited.limit = 3
            #expect(try await table.scanAll(limited, caching: 1).map(\.row) == ["c", "h", "k"].map(b))
            #expect(try await table.scanAll(Scan(startRow: b("h"), stopRow: b("r"))).map(\.row) == ["h", "k", "q"].map(b))

            // Increment, append, checkAndMutate, mutateRow, delete.
            #expect(try await table.incrementColumnValue(row: b("n"), family: b("f"), qualifier: b("c"), amount: 5) == 5)
            #expect(try await table.incrementColumnValue(row: b("n"), family: b("f"), qualifier: b("c"), amount: -2) == 3)
            var app = Append(row: b("n"))
            app.add(family: b("f"), qualifier: b("s"), value: b("ab"))
            try await table.append(app)
            let appended = try await table.append(app)
            #expect(appended.value(family: b("f"), qualifier: b("s")) == b("abab"))
            var replace = Put(row: b("k"))
            replace.add(family: b("f"), qualifier: b("q"), value: b("new"))
            #expect(try await table.checkAndMutate(CheckAndMutate(row: b("k"), family: b("f"), qualifier: b("q"), expected: b("wrong"), mutations: [.put(replace)])) == false)
            #expect(try await table.checkAndMutate(CheckAndMutate(row: b("k"), family: b("f"), qualifier: b("q"), expected: b("v-k"), mutations: [.put(replace)])))
            #expect(try await table.get(Get(row: b("k"))).value(family: b("f"), qualifier: b("q")) == b("new"))
            var p1 = Put(row: b("m"))
            p1.add(family: b("f"), qualifier: b("x"), value: b("1"))
            var d1 = Delete(row: b("m"))
            d1.addColumns(family: b("f"), qualifier: b("y"))
            try await table.mutateRow([.put(p1), .delete(d1)])
            #expect(try await table.get(Get(row: b("m"))).cells.count == 1)
            try await table.delete(Delete(row: b("a")))
            #expect(try await table.get(Get(row: b("a"))).isEmpty)

            // A batch reports each action's outcome; a bad family fails alone.
            var bad = Put(row: b("b"))
            bad.add(family: b("nofamily"), qualifier: b("q"), value: b("x"))
            var good = Put(row: b("bb"))
            good.add(family: b("f"), qualifier: b("q"), value: b("x"))
            let outcomes = try await table.batch([.put(bad), .put(good), .get(Get(row: b("h")))])
            guard case .failure(let e) = outcomes[0] else { Issue.record("a put to a missing family succeeded"); return }
            #expect(e.exceptionName == "NoSuchColumnFamilyException")
            if case .failure = outcomes[1] { Issue.record("the good put failed") }
            if case .success(let r) = outcomes[2] { #expect(r.value(family: b("f"), qualifier: b("q")) == b("v-h")) } else { Issue.record("the get failed") }
        }
    }

    /// Tasks on the connection's event loop (`Connection.executor`) do everything a task elsewhere does:
    /// the first call finds meta through ZooKeeper and dials each server from the loop, many calls are in
    /// flight at once (more than one write takes), and a region's move is retried.
    @Test func tasksOnTheConnectionsEventLoop() async throws {
        try await MiniCluster.run(regionServers: 3) { cluster, connection in
            let t = try TableName("onloop")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: [[0x40], [0x80], [0xC0]])
            let fresh = try await cluster.connect()
            let table = fresh.table(t)
            let key: @Sendable (Int) -> [UInt8] = { i in [UInt8(truncatingIfNeeded: i &* 37), 0x00, 0xFF, UInt8(i & 0xFF)] }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<64 {
                    group.addTask(executorPreference: fresh.executor) {
                        var p = Put(row: key(i))
                        p.add(family: b("f"), qualifier: b("q"), value: [UInt8](repeating: UInt8(i), count: 1 + i * 97))
                        try await table.put(p)
                    }
                }
                try await group.waitForAll()
            }
            // Every region moves: the cached locations are stale, and the gets retry from the loop.
            for location in try await connection.regionLocator(t).allLocations() {
                try await connection.admin().move(encodedRegionName: location.region.encodedName)
            }
            let values = try await withThrowingTaskGroup(of: (Int, [UInt8]?).self) { group in
                for i in 0..<64 {
                    group.addTask(executorPreference: fresh.executor) {
                        (i, try await table.get(Get(row: key(i))).value(family: b("f"), qualifier: b("q")))
                    }
                }
                var all: [Int: [UInt8]?] = [:]
                for try await (i, v) in group { all[i] = v }
                return all
            }
            #expect(values.count == 64)
            for i in 0..<64 { #expect(values[i] == [UInt8](repeating: UInt8(i), count: 1 + i * 97), "row \(i)") }
            await fresh.close()
        }
    }
}
