import BasaltCore
import BasaltProtocol
import BasaltServer
import Foundation
import NIOCore
import Testing

/// HBase's `ClientService` on a region server, driven with HBase's own messages over native RPC connections
/// as the Java client (cell blocks) and hbase-driver (plain protobuf) make them.
@Suite struct HBaseClientServiceTests {
    /// A server holding one region of `RegionServerTests.table`, and a ClientService connection to it.
    static func withRegion(
        cellBlocks: Bool = false, _ body: (RegionServer, RPCClientConnection, RegionInfo) async throws -> Void
    ) async throws {
        try await RegionServerTests.withServer { server, _, admin in
            let info = RegionInfo(table: RegionServerTests.table, regionId: 1)
            try await RegionServerTests.open(admin, info)
            let name = try #require(server.serverName)
            let connection = try await RPCClientConnection.connect(host: name.host, port: name.port, service: "ClientService", cellBlocks: cellBlocks)
            do {
                try await body(server, connection, info)
            } catch {
                await connection.close()
                throw error
            }
            await connection.close()
        }
    }

    static func spec(_ info: RegionInfo) -> HBaseRegionSpecifier {
        var s = HBaseRegionSpecifier()
        s.type = .regionName
        s.value = Data(info.regionName)
        return s
    }

    static func put(_ c: RPCClientConnection, _ info: RegionInfo, _ row: String, _ value: String) async throws {
        var p = Put(row: b(row))
        p.add(family: b("f"), qualifier: b("q"), value: b(value))
        var r = HBaseMutateRequest()
        r.region = spec(info)
        r.mutation = HBaseMutationProto(put: p)
        let answer = try await c.call("Mutate", r, returning: HBaseMutateResponse.self)
        #expect(answer.processed)
    }

    static func remoteClass(_ error: any Error) -> String? { (error as? ProtocolError)?.exceptionClassName }

    @Test func getMutateAndTheirErrors() async throws {
        try await Self.withRegion { _, c, info in
            try await Self.put(c, info, "r1", "v1")
            var get = HBaseGetRequest()
            get.region = Self.spec(info)
            get.get = try HBaseGet(Get(row: b("r1")))
            let found = try await c.call("Get", get, returning: HBaseGetResponse.self).result
            #expect(try found.toRowResult().value(family: b("f"), qualifier: b("q")) == b("v1"))

            get.get.existenceOnly = true
            let exists = try await c.call("Get", get, returning: HBaseGetResponse.self).result
            #expect(exists.exists && exists.cell.isEmpty)
            get.get = try HBaseGet(Get(row: b("missing")))
            let missing = try await c.call("Get", get, returning: HBaseGetResponse.self).result
            #expect(missing.cell.isEmpty)

            // HBase 2 refuses closest_row_before; an unknown method and an unknown region fail alone,
            // and the connection keeps serving.
            get.get.closestRowBefore = true
            await #expect(throws: ProtocolError.self) { try await c.call("Get", get) }
            do { _ = try await c.call("Get", get) } catch { #expect(Self.remoteClass(error) == HBaseExceptionClass.unknownProtocol) }
            do {
                _ = try await c.call("NoSuchMethod", get)
                Issue.record("an unknown method was answered")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.unknownProtocol)
            }
            var elsewhere = HBaseGetRequest()
            elsewhere.region = Self.spec(RegionInfo(table: RegionServerTests.table, regionId: 99))
            elsewhere.get = try HBaseGet(Get(row: b("r1")))
            do {
                _ = try await c.call("Get", elsewhere)
                Issue.record("a region the server does not hold was read")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.notServingRegion)
                #expect((error as? ProtocolError)?.doNotRetry == false)
            }

            // checkAndPut on an absent value (NullComparator), then on a value that no longer matches.
            var p = Put(row: b("cas"))
            p.add(family: b("f"), qualifier: b("q"), value: b("first"))
            var cas = HBaseMutateRequest()
            cas.region = Self.spec(info)
            cas.mutation = HBaseMutationProto(put: p)
            cas.condition.row = Data(b("cas"))
            cas.condition.family = Data(b("f"))
            cas.condition.qualifier = Data(b("q"))
            cas.condition.compareType = .equal
            cas.condition.comparator.name = "org.apache.hadoop.hbase.filter.NullComparator"
            #expect(try await c.call("Mutate", cas, returning: HBaseMutateResponse.self).processed)
            #expect(try await c.call("Mutate", cas, returning: HBaseMutateResponse.self).processed == false)

            // An increment returns its new value.
            var inc = Increment(row: b("n"))
            inc.add(family: b("f"), qualifier: b("c"), amount: 7)
            var incRequest = HBaseMutateRequest()
            incRequest.region = Self.spec(info)
            incRequest.mutation = HBaseMutationProto(inc)
            _ = try await c.call("Mutate", incRequest, returning: HBaseMutateResponse.self)
            let after = try await c.call("Mutate", incRequest, returning: HBaseMutateResponse.self)
            #expect(Bytes.toInt64(Array(after.result.cell.first?.value ?? Data())) == 14)
        }
    }

    @Test func cellBlocksBothWays() async throws {
        try await Self.withRegion(cellBlocks: true) { _, c, info in
            // A put whose cells travel in the call's cell block, counted by associated_cell_count.
            var block = ByteBufferAllocator().buffer(capacity: 256)
            let big = [UInt8](repeating: 0xAB, count: 100_000)
            KeyValueCodec.write(Cell(row: [0, 0xFF, 1], family: b("f"), qualifier: b("q"), timestamp: 5, type: .put, value: big), into: &block)
            KeyValueCodec.write(Cell(row: [0, 0xFF, 1], family: b("f"), qualifier: b("q2"), timestamp: 5, type: .put, value: b("small")), into: &block)
            var m = HBaseMutateRequest()
            m.region = Self.spec(info)
            m.mutation.row = Data([0, 0xFF, 1])
            m.mutation.mutateType = .put
            m.mutation.associatedCellCount = 2
            let put = try await c.call("Mutate", m, cellBlock: block).message(HBaseMutateResponse.self)
            #expect(put.processed)

            var get = HBaseGetRequest()
            get.region = Self.spec(info)
            get.get = try HBaseGet(Get(row: [0, 0xFF, 1]))
            let reply = try await c.call("Get", get)
            let result = try reply.message(HBaseGetResponse.self).result
            #expect(result.cell.isEmpty && result.associatedCellCount == 2)
            var cells = try #require(reply.cellBlock)
            let read = try KeyValueCodec.read(&cells)
            #expect(read.map(\.qualifier) == [b("q"), b("q2")])
            #expect(read.first?.value == big)
        }
    }

    @Test func scannerProtocolAsHBase2() async throws {
        try await Self.withRegion { _, c, info in
            for i in 0..<10 { try await Self.put(c, info, "row\(i)", "v\(i)") }
            // Opening with renew answers with the scanner id alone.
            var open = HBaseScanRequest()
            open.region = Self.spec(info)
            open.scan = try HBaseScan(Scan())
            open.numberOfRows = 3
            open.renew = true
            let opened = try await c.call("Scan", open, returning: HBaseScanResponse.self)
            #expect(opened.hasScannerID && opened.results.isEmpty)
            let id = opened.scannerID

            var next = HBaseScanRequest()
            next.scannerID = id
            next.numberOfRows = 3
            var page = try await c.call("Scan", next, returning: HBaseScanResponse.self)
            #expect(page.results.map { String(decoding: $0.cell.first?.row ?? Data(), as: UTF8.self) } == ["row0", "row1", "row2"])
            #expect(page.moreResultsInRegion && page.moreResults)

            // Closing with rows returns them, then closes; a late call on the closed scanner is empty.
            next.closeScanner = true
            page = try await c.call("Scan", next, returning: HBaseScanResponse.self)
            #expect(page.results.count == 3)
            next.closeScanner = false
            page = try await c.call("Scan", next, returning: HBaseScanResponse.self)
            #expect(page.results.isEmpty && !page.moreResults)

            // A scan that runs out in the table's only region: both flags false, the scanner closed.
            var all = HBaseScanRequest()
            all.region = Self.spec(info)
            var scan = Scan(startRow: b("row5"))
            scan.reversed = true
            all.scan = try HBaseScan(scan)
            all.numberOfRows = 100
            page = try await c.call("Scan", all, returning: HBaseScanResponse.self)
            #expect(page.results.map { String(decoding: $0.cell.first?.row ?? Data(), as: UTF8.self) } == (0...5).reversed().map { "row\($0)" })
            #expect(!page.moreResultsInRegion && !page.moreResults)

            // batch_size cuts a wide row into results of at most that many cells.
            var wide = Put(row: b("wide"))
            for q in 0..<5 { wide.add(family: b("f"), qualifier: b("c\(q)"), value: b("x")) }
            var w = HBaseMutateRequest()
            w.region = Self.spec(info)
            w.mutation = HBaseMutationProto(put: wide)
            _ = try await c.call("Mutate", w, returning: HBaseMutateResponse.self)
            var batched = HBaseScanRequest()
            batched.region = Self.spec(info)
            batched.scan = try HBaseScan(Scan(startRow: b("wide")))
            batched.scan.batchSize = 2
            batched.numberOfRows = 1
            page = try await c.call("Scan", batched, returning: HBaseScanResponse.self)
            #expect(page.results.map(\.cell.count) == [2, 2, 1])
        }
    }

    @Test func multiAtomicAndPerAction() async throws {
        try await Self.withRegion { _, c, info in
            func action(_ index: UInt32, _ m: Mutation) -> HBaseAction {
                var a = HBaseAction()
                a.index = index
                a.mutation = HBaseMutationProto(m)
                return a
            }
            var good = Put(row: b("a"))
            good.add(family: b("f"), qualifier: b("q"), value: b("1"))
            var bad = Put(row: b("b"))
            bad.add(family: b("nope"), qualifier: b("q"), value: b("2"))
            var loose = HBaseRegionAction()
            loose.region = Self.spec(info)
            loose.action = [action(0, .put(good)), action(1, .put(bad))]
            var getAction = HBaseAction()
            getAction.index = 2
            getAction.get = try HBaseGet(Get(row: b("a")))
            loose.action.append(getAction)
            var request = HBaseMultiRequest()
            request.regionAction = [loose]
            let answer = try await c.call("Multi", request, returning: HBaseMultiResponse.self).regionActionResult[0]
            #expect(answer.resultOrException.count == 3)
            #expect(!answer.resultOrException[0].hasException)
            #expect(answer.resultOrException[1].exception.name == HBaseExceptionClass.noSuchColumnFamily)

            // Atomic: a put and a delete of one row, all or nothing.
            var row = Put(row: b("atom"))
            row.add(family: b("f"), qualifier: b("q"), value: b("x"))
            var atomic = HBaseRegionAction()
            atomic.region = Self.spec(info)
            atomic.atomic = true
            atomic.action = [action(0, .put(row)), action(1, .delete(Delete(row: b("a"))))]
            request.regionAction = [atomic]
            let done = try await c.call("Multi", request, returning: HBaseMultiResponse.self).regionActionResult[0]
            #expect(done.processed && !done.hasException)
            var get = HBaseGetRequest()
            get.region = Self.spec(info)
            get.get = try HBaseGet(Get(row: b("a")))
            #expect(try await c.call("Get", get, returning: HBaseGetResponse.self).result.cell.isEmpty)
        }
    }

    @Test func badRequestsAreRefusedAndChangeNothing() async throws {
        try await Self.withRegion { _, c, info in
            try await Self.put(c, info, "keep", "v")
            // A request missing its required fields, one naming a family the table lacks, a delete with
            // no row: each refused as HBase refuses it, none retried.
            // (Bytes that are no MutateRequest: field 1 holds a string where a RegionSpecifier belongs.)
            var notAMutate = HBaseNameStringPair()
            notAMutate.name = "\u{01}garbage"
            notAMutate.value = "x"
            do {
                _ = try await c.call("Mutate", notAMutate)
                Issue.record("a request that is no MutateRequest was accepted")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.doNotRetry)
                #expect((error as? ProtocolError)?.doNotRetry == true)
            }
            var p = Put(row: b("bad"))
            p.add(family: b("nope"), qualifier: b("q"), value: b("v"))
            var wrongFamily = HBaseMutateRequest()
            wrongFamily.region = Self.spec(info)
            wrongFamily.mutation = HBaseMutationProto(put: p)
            do {
                _ = try await c.call("Mutate", wrongFamily)
                Issue.record("a put to a missing family was accepted")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.noSuchColumnFamily)
            }
            var noRow = HBaseMutateRequest()
            noRow.region = Self.spec(info)
            noRow.mutation.mutateType = .delete
            await #expect(throws: ProtocolError.self) { try await c.call("Mutate", noRow) }

            // What was stored is all there is, and the connection still serves.
            var all = HBaseScanRequest()
            all.region = Self.spec(info)
            all.scan = try HBaseScan(Scan())
            all.numberOfRows = 100
            let rows = try await c.call("Scan", all, returning: HBaseScanResponse.self).results
            #expect(rows.map { String(decoding: $0.cell.first?.row ?? Data(), as: UTF8.self) } == ["keep"])
        }
    }
}
