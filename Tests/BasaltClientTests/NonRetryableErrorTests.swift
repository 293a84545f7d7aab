import BasaltClient
import BasaltCore
import BasaltTestSupport
import Foundation
import Testing

/// An error a retry cannot cure is classified once, where it is raised, and reaches the caller at once:
/// no retries in `Table`, `BufferedMutator` or a batch. The client pauses twenty seconds before a retry
/// here, so a single retry would show in the time each call takes, however slow the machine running the test.
@Suite(.serialized) struct NonRetryableErrorTests {
    static let pause = "20000"
    static let limit: Duration = .seconds(10)

    /// Runs `body`, expecting a `ClientError` that is not retryable, within `limit`.
    static func failsAtOnce(
        _ what: String, exception: String? = nil, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        let started = ContinuousClock.now
        do {
            try await body()
            Issue.record("\(what) succeeded", sourceLocation: sourceLocation)
        } catch let e as ClientError {
            let took = ContinuousClock.now - started
            #expect(!e.isRetryable, "\(what): \(e)", sourceLocation: sourceLocation)
            #expect(took < limit, "\(what) took \(took)", sourceLocation: sourceLocation)
            if let exception { #expect(e.exceptionName == exception || e.message.contains(exception), "\(what): \(e.exceptionName) \(e.message)", sourceLocation: sourceLocation) }
        } catch {
            Issue.record("\(what) threw \(error), not a ClientError", sourceLocation: sourceLocation)
        }
    }

    @Test func missingTablesAndFamiliesAndBadRequestsFailWithoutRetrying() async throws {
        try await MiniCluster.runWithTable("e", configuration: ["hbase.client.pause": Self.pause]) { _, connection, t in
            let table = connection.table(t)
            let missing = connection.table(try TableName("missing"))
            var put = Put(row: b("r"))
            put.add(family: b("f"), qualifier: b("q"), value: b("v"))
            var noFamily = Put(row: b("r"))
            noFamily.add(family: b("nope"), qualifier: b("q"), value: b("v"))
            var negative = Put(row: b("r"))
            negative.add(family: b("f"), qualifier: b("q"), value: b("v"), timestamp: -5)
            var getNoFamily = Get(row: b("r"))
            getNoFamily.columns.addFamily(b("nope"))

            await Self.failsAtOnce("put to a missing table", exception: "TableNotFoundException") { try await missing.put(put) }
            await Self.failsAtOnce("get from a missing table", exception: "TableNotFoundException") { _ = try await missing.get(Get(row: b("r"))) }
            await Self.failsAtOnce("scan of a missing table", exception: "TableNotFoundException") { _ = try await missing.scanAll(Scan()) }
            await Self.failsAtOnce("batch put to a missing table", exception: "TableNotFoundException") { try await missing.put([put, put]) }
            await Self.failsAtOnce("put to a missing family", exception: "NoSuchColumnFamilyException") { try await table.put(noFamily) }
            await Self.failsAtOnce("get of a missing family", exception: "NoSuchColumnFamilyException") { _ = try await table.get(getNoFamily) }
            await Self.failsAtOnce("batch put to a missing family", exception: "NoSuchColumnFamilyException") { try await table.put([put, noFamily]) }
            await Self.failsAtOnce("a negative timestamp", exception: "DoNotRetryIOException") { try await table.put(negative) }
            await Self.failsAtOnce("an empty row", exception: "IllegalArgumentException") { try await table.put(Put(row: [])) }
            await Self.failsAtOnce("a put with no cells", exception: "IllegalArgumentException") { try await table.put(Put(row: b("r"))) }
            await Self.failsAtOnce("an increment with no columns", exception: "IllegalArgumentException") { try await table.increment(Increment(row: b("r"))) }
            let mutator = connection.bufferedMutator(t)
            try await mutator.mutate(.put(noFamily))
            await Self.failsAtOnce("a buffered put to a missing family", exception: "NoSuchColumnFamilyException") { try await mutator.flush() }
            let toMissing = connection.bufferedMutator(try TableName("missing"))
            try await toMissing.mutate(.put(put))
            await Self.failsAtOnce("a buffered put to a missing table", exception: "TableNotFoundException") { try await toMissing.flush() }
            // The good put beside the bad one in the batch was stored.
            #expect(try await table.get(Get(row: b("r"))).value(family: b("f"), qualifier: b("q")) == b("v"))
        }
    }

    @Test func aClosedConnectionEndsCallsThatAreStillRetrying() async throws {
        try await MiniCluster.runWithTable("stuck", configuration: ["hbase.client.pause": Self.pause]) { cluster, connection, t in
            // Its only region looks stuck in transition in meta: a fresh client retries the put.
            let region = try #require(try await connection.admin().regions(of: t).first)
            var stuck = Put(row: region.region.regionName)
            stuck.add(family: b("info"), qualifier: b("state"), value: b(RegionState.opening.rawValue))
            try await connection.table(.meta).put(stuck)
            let other = try await Connection.connect(cluster.configuration)
            var put = Put(row: b("r"))
            put.add(family: b("f"), qualifier: b("q"), value: b("v"))
            let call = Task { () -> ClientError? in
                do { try await other.table(t).put(put) } catch { return ClientError(error) }
                return nil
            }
            try await Task.sleep(for: .milliseconds(1500))
            let closing = ContinuousClock.now
            await other.close()
            let e = await call.value
            #expect(ContinuousClock.now - closing < Self.limit)
            #expect(e?.errorCode == .connectionClosed, "\(String(describing: e))")
            #expect(e?.message.contains(RegionState.opening.rawValue) == true)
        }
    }
}
