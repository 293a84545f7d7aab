import BasaltClient
import BasaltCore
import BasaltServer
import BasaltTestSupport
import Foundation
import Testing

/// Cells up to `hbase.server.keyvalue.maxsize` (10 MB) go through every path: the client, the RPC layer,
/// scans, the WAL, the MemStore, HFiles (a block holding one cell larger than the block size) and
/// recovery. A larger cell is refused before anything is written; an RPC over `hbase.ipc.max.request.size`
/// fails at once, and a batch is cut into requests that fit.
@Suite(.serialized) struct CellSizeLimitTests {
    static let f = b("f"), q = b("q")

    static func put(_ row: String, size: Int, seed: UInt8 = 1) -> Put {
        var p = Put(row: b(row))
        p.add(family: f, qualifier: q, value: pattern(size, seed))
        return p
    }

    static func pattern(_ size: Int, _ seed: UInt8) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) } }

    @Test func cellsJustUnderTheLimitGoThroughEveryPathAndSurviveACrash() async throws {
        let dir = try TemporaryDirectory(prefix: "basalt-big-cells")
        defer { dir.remove() }
        let conf = MiniCluster.testConfiguration()
        let t = try TableName("big")
        let nearLimit = 10 * 1024 * 1024 - 200
        try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 1).withConnection(stopFlushing: false) { connection in
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f")]))
            let table = connection.table(t)
            try await table.put(Self.put("a-big", size: nearLimit, seed: 1))
            try await table.put(Self.put("b-small", size: 10, seed: 2))
            let mutator = connection.bufferedMutator(t)
            for i in 0..<4 { try await mutator.mutate(.put(Self.put("c-\(i)", size: 3 << 20, seed: UInt8(3 + i)))) }
            try await mutator.close()
            #expect(try await table.get(Get(row: b("a-big"))).value(family: Self.f, qualifier: Self.q) == Self.pattern(nearLimit, 1))
            let rows = try await table.scanAll(Scan())
            #expect(rows.map { String(decoding: $0.row, as: UTF8.self) } == ["a-big", "b-small", "c-0", "c-1", "c-2", "c-3"])
            #expect(rows[0].cells.first?.value.count == nearLimit)
            // From an HFile: the cell is 160 times the block size, so its block holds it alone.
            try await connection.admin().flush(t)
            #expect(try await table.get(Get(row: b("a-big"))).value(family: Self.f, qualifier: Self.q) == Self.pattern(nearLimit, 1))
            #expect(try await table.get(Get(row: b("c-3"))).value(family: Self.f, qualifier: Self.q) == Self.pattern(3 << 20, 6))
            // Only in the WAL when the cluster stops without a flush.
            try await table.put(Self.put("d-wal", size: nearLimit, seed: 9))
        }
        try await LocalCluster.start(root: dir.path, configuration: conf, regionServers: 1).withConnection { connection in
            let table = connection.table(t)
            let replayed = try await table.get(Get(row: b("d-wal")))
            #expect(replayed.value(family: Self.f, qualifier: Self.q) == Self.pattern(nearLimit, 9))
            let flushed = try await table.get(Get(row: b("a-big")))
            #expect(flushed.value(family: Self.f, qualifier: Self.q) == Self.pattern(nearLimit, 1))
            let all = try await table.scanAll(Scan())
            #expect(all.count == 7)
        }
    }

    @Test func aCellOverTheLimitIsRefusedAtOnceAndNothingIsWritten() async throws {
        // A one-second pause: a single retry would show in the time taken.
        try await MiniCluster.runWithTable("limits", configuration: ["hbase.client.pause": "1000"]) { cluster, connection, t in
            let over = 10 * 1024 * 1024 + 1
            // The client refuses it (hbase.client.keyvalue.maxsize) before sending.
            let tooLarge = Self.put("over", size: over)
            var started = ContinuousClock.now
            let client = await #expect(throws: ClientError.self) { try await connection.table(t).put(tooLarge) }
            #expect(client?.exceptionName == "IllegalArgumentException")
            #expect(client?.message.contains("KeyValue size too large") == true)
            #expect(client?.message.contains("'over'") == true)
            #expect(ContinuousClock.now - started < .milliseconds(900))
            let mutator = connection.bufferedMutator(t)
            await #expect(throws: ClientError.self) { try await mutator.mutate(.put(tooLarge)) }

            // With the client's check off, the server refuses it (hbase.server.keyvalue.maxsize), not to be retried.
            var unchecked = cluster.configuration
            unchecked["hbase.client.keyvalue.maxsize"] = "0"
            unchecked["hbase.client.pause"] = "1000"
            let raw = try await Connection.connect(unchecked)
            started = ContinuousClock.now
            let server = await #expect(throws: ClientError.self) { try await raw.table(t).put(tooLarge) }
            #expect(server?.exceptionName == "DoNotRetryIOException")
            #expect(server?.isRetryable == false)
            #expect(server?.message.contains("exceeds limit of 10485760 bytes") == true, "\(server?.message ?? "")")
            #expect(server?.message.contains("over/f:q") == true)
            #expect(ContinuousClock.now - started < .milliseconds(900))
            await raw.close()
            #expect(try await connection.table(t).get(Get(row: b("over"))).isEmpty)
        }
    }

    @Test func anRPCOverTheRequestLimitFailsAtOnceAndABatchIsCutToFit() async throws {
        let conf = ["hbase.ipc.max.request.size": "\(2 << 20)", "hbase.client.max.perrequest.heapsize": "\(1 << 20)", "hbase.client.pause": "1000"]
        try await MiniCluster.runWithTable("rpc", configuration: conf) { _, connection, t in
            let table = connection.table(t)
            let huge = Self.put("huge", size: 3 << 20)
            let started = ContinuousClock.now
            let e = await #expect(throws: ClientError.self) { try await table.put(huge) }
            #expect(e?.errorCode == .requestTooBig)
            #expect(e?.isRetryable == false)
            #expect(ContinuousClock.now - started < .milliseconds(900))
            // 12 puts of 700 KB: 8.4 MB in all, sent as requests of about 1 MB.
            try await table.put((0..<12).map { Self.put(String(format: "r%02d", $0), size: 700 << 10, seed: UInt8($0)) })
            for i in 0..<12 {
                let v = try await table.get(Get(row: b(String(format: "r%02d", i)))).value(family: Self.f, qualifier: Self.q)
                #expect(v == Self.pattern(700 << 10, UInt8(i)))
            }
            #expect(try await table.get(Get(row: b("huge"))).isEmpty)
        }
    }
}
