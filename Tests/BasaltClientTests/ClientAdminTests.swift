import BasaltClient
import BasaltCore
import BasaltProtocol
import BasaltTestSupport
import Testing

/// Admin operations and bad input through the client, on a MiniCluster.
@Suite(.serialized) struct ClientAdminTests {
    func withCluster(servers: Int = 3, configuration: BasaltConfiguration = .init(), _ body: (MiniCluster, Connection) async throws -> Void) async throws {
        try await MiniCluster.run(regionServers: servers, configuration: configuration, body)
    }

    func put(_ row: String, _ value: String = "v") -> Put {
        var p = Put(row: b(row))
        p.add(family: b("f"), qualifier: b("q"), value: b(value))
        return p
    }

    @Test func ddlLifecycleAndErrors() async throws {
        try await withCluster { cluster, connection in
            let admin = connection.admin()
            let t = try TableName("life")
            let descriptor = try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")])
            try await admin.createTable(descriptor, regions: 4, algorithm: .hexString)
            #expect(try await admin.tableExists(t))
            #expect(try await admin.isTableEnabled(t))
            #expect(try await admin.listTableNames() == [t])
            #expect(try await admin.listTableNames(matching: "li.*") == [t])
            #expect(try await admin.listTableNames(matching: "x.*").isEmpty)
            #expect(try await admin.listTableNames(includeSystem: true).contains(.meta))
            let described = try await admin.describe(t)
            #expect(described.regions.map(\.region.startKey) == [[], b("40000000"), b("80000000"), b("c0000000")])

            // Creating it again, deleting it while enabled, enabling it twice: HBase's errors.
            await #expect(throws: ClientError.self) { try await admin.createTable(descriptor) }
            do { try await admin.createTable(descriptor) } catch let e as ClientError { #expect(e.exceptionName == "TableExistsException") }
            do { try await admin.deleteTable(t) } catch let e as ClientError { #expect(e.exceptionName == "TableNotDisabledException") }
            do { try await admin.enableTable(t) } catch let e as ClientError { #expect(e.exceptionName == "TableNotDisabledException") }

            let table = connection.table(t)
            try await table.put(put("12345678"))
            try await admin.disableTable(t)
            #expect(try await admin.isTableDisabled(t))
            do {
                try await table.put(put("12345678", "changed"))
                Issue.record("a put to a disabled table succeeded")
            } catch let e as ClientError {
                #expect(e.exceptionName == "TableNotEnabledException")
            }
            do { try await admin.disableTable(t) } catch let e as ClientError { #expect(e.exceptionName == "TableNotEnabledException") }
            try await admin.enableTable(t)
            #expect(try await table.get(Get(row: b("12345678"))).value(family: b("f"), qualifier: b("q")) == b("v"))

            // Add a family, use it; truncate keeps the splits; delete removes everything.
            var wider = descriptor
            try wider.addFamily(ColumnFamilyDescriptor("g"))
            try await admin.modifyTable(wider)
            var pg = Put(row: b("9"))
            pg.add(family: b("g"), qualifier: b("q"), value: b("in g"))
            try await table.put(pg)
            #expect(try await table.get(Get(row: b("9"))).value(family: b("g"), qualifier: b("q")) == b("in g"))
            try await admin.disableTable(t)
            try await admin.truncateTable(t, preserveSplits: true)
            #expect(try await admin.isTableEnabled(t))
            #expect(try await table.scanAll(Scan()).isEmpty)
            #expect(try await connection.regionLocator(t).startKeys().count == 4)
            try await admin.disableTable(t)
            try await admin.deleteTable(t)
            #expect(try await admin.tableExists(t) == false)
            do {
                _ = try await table.get(Get(row: b("1")))
                Issue.record("a get from a deleted table succeeded")
            } catch let e as ClientError {
                #expect(e.exceptionName == "TableNotFoundException")
            }
        }
    }

    @Test func badInputIsRefusedAndChangesNothing() async throws {
        try await withCluster(servers: 1) { cluster, connection in
            let t = try TableName("bad")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            let table = connection.table(t)
            try await table.put(put("r", "kept"))
            var wrongFamily = Put(row: b("r"))
            wrongFamily.add(family: b("nope"), qualifier: b("q"), value: b("x"))
            do {
                try await table.put(wrongFamily)
                Issue.record("a put to an unknown family succeeded")
            } catch let e as ClientError {
                #expect(e.exceptionName == "NoSuchColumnFamilyException")
                #expect(!e.isRetryable)
            }
            do {
                try await table.put(Put(row: b("r")))
                Issue.record("an empty put succeeded")
            } catch let e as ClientError {
                #expect(e.errorCode == .invalidArgument)
            }
            do {
                _ = try await connection.table(try TableName("missing")).get(Get(row: b("r")))
                Issue.record("a get from a missing table succeeded")
            } catch let e as ClientError {
                #expect(e.exceptionName == "TableNotFoundException")
            }
            do {
                try await connection.admin().createTable(try TableDescriptor(name: try TableName("s"), families: [ColumnFamilyDescriptor("f")]), splitKeys: [b("b"), b("a")])
                Issue.record("unsorted split keys were accepted")
            } catch let e as ClientError {
                #expect(e.message.contains("sorted"))
            }
            #expect(try await connection.admin().tableExists(try TableName("s")) == false)
            #expect(try await table.get(Get(row: b("r"))).value(family: b("f"), qualifier: b("q")) == b("kept"))
        }
    }

    @Test func bufferedMutatorSendsEverythingAndReportsFailures() async throws {
        try await withCluster { cluster, connection in
            let t = try TableName("buffered")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), regions: 6, algorithm: .hexString)
            let mutator = connection.bufferedMutator(t, bufferSize: 16 << 10)
            for i in 0..<3000 {
                let key = String(format: "%08x", UInt32(truncatingIfNeeded: i &* 2_654_435_761))
                try await mutator.mutate(.put(put(key, "value-\(i)")))
            }
            #expect(mutator.bufferedBytes < 16 << 10)
            try await mutator.close()
            let rows = try await connection.table(t).scanAll(Scan(), caching: 500)
            #expect(rows.count == 3000)

            // A mutation that cannot succeed is reported, not dropped.
            let failing = connection.bufferedMutator(t)
            var bad = Put(row: b("00000001"))
            bad.add(family: b("nope"), qualifier: b("q"), value: b("x"))
            try await failing.mutate(.put(bad))
            try await failing.mutate(.put(put("00000002")))
            await #expect(throws: ClientError.self) { try await failing.flush() }
            let failures = failing.takeFailures()
            #expect(failures.count == 1)
            #expect(failures.first?.0.row == b("00000001"))
            #expect(try await connection.table(t).exists(Get(row: b("00000002"))))
        }
    }

    @Test func writesContinueWhileRegionsMove() async throws {
        try await withCluster { cluster, connection in
            let t = try TableName("moving")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]), splitKeys: [b("m")])
            let table = connection.table(t)
            let admin = connection.admin()
            let writer = Task {
                for i in 0..<400 { try await table.put(put(String(format: "k%04d", i), "v\(i)")) }
            }
            // Move every region back and forth while the writer runs, through a second connection
            // (so the writer's cache goes stale).
            let other = try await cluster.connect()
            for _ in 0..<3 {
                for loc in try await other.regionLocator(t).allLocations() {
                    try await other.admin().move(encodedRegionName: loc.region.encodedName)
                }
            }
            await other.close()
            try await writer.value
            let rows = try await table.scanAll(Scan())
            #expect(rows.count == 400)
            #expect(rows.map { $0.value(family: b("f"), qualifier: b("q")) } == (0..<400).map { b("v\($0)") })
            // Balance evens the counts.
            _ = try await admin.balance()
            let status = try await admin.clusterStatus()
            #expect(status.liveServers.count == 3)
            let counts = status.liveServers.values
            #expect((counts.max() ?? 0) - (counts.min() ?? 0) <= 1)
        }
    }

    @Test func aScanThatOutlivesItsLeaseFailsClearly() async throws {
        var conf = BasaltConfiguration()
        conf["hbase.client.scanner.timeout.period"] = "1000"
        try await withCluster(servers: 1, configuration: conf) { cluster, connection in
            let t = try TableName("lease")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            let table = connection.table(t)
            try await table.put((0..<5).map { put("r\($0)") })
            let scanner = table.scanner(Scan(), caching: 1)
            #expect(try await scanner.next()?.row == b("r0"))
            try await Task.sleep(for: .milliseconds(2500))
            do {
                _ = try await scanner.next()
                Issue.record("a scanner past its lease went on")
            } catch let e as ClientError {
                #expect(e.errorCode == .scannerTimeout)
                #expect(e.message.contains("hbase.client.scanner.timeout.period"))
            }
        }
    }
}
