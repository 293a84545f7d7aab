import BasaltClient
import BasaltCore
import BasaltTestSupport
import BasaltThrift
import Foundation
import Testing

/// The gateway's manners: many connections at once, bad bytes closing only their own connection, frames
/// over the limit refused, scanners closed with their connection or when idle, idle connections kept
/// unless a timeout is configured.
@Suite(.serialized) struct ThriftServerTests {
    func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
        await pollUntil(seconds, condition) != nil
    }

    @Test func manyConcurrentConnectionsInEveryMode() async throws {
        try await withGateway { server, _ in
            try await ThriftClient.withConnection(port: server.port) { c in
                try await c.call("createTable", ThriftStruct([1: T.bin("many"), 2: .list(.structure, [T.family("f:")])]))
            }
            let modes: [(ThriftProtocol, Bool)] = [(.binary(strict: true), false), (.binary(strict: true), true), (.compact, false),
                                                   (.compact, true), (.binary(strict: false), false), (.binary(strict: false), true)]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<24 {
                    let (proto, framed) = modes[i % modes.count]
                    group.addTask {
                        try await ThriftClient.withConnection(port: server.port, proto: proto, framed: framed) { c in
                            let rows = (0..<20).map { T.batch("c\(i)-\($0)", [T.mutation("f:q", "\(i)")]) }
                            try await c.call("mutateRows", ThriftStruct([1: T.bin("many"), 2: .list(.structure, rows)]))
                            let got = T.rows(try await c.call("getRows", ThriftStruct([1: T.bin("many"), 2: T.texts((0..<20).map { "c\(i)-\($0)" })])))
                            #expect(got.count == 20)
                            #expect(got.allSatisfy { $0.columns == ["f:q": "\(i)"] })
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func badBytesCloseTheirConnectionAndNothingElse() async throws {
        let logs = LogStore()
        try await withGateway({ $0.logger = logs.logger; $0.maxFrameBytes = 64 << 10; $0.maxMessageBytes = 64 << 10 }) { server, _ in
            try await ThriftClient.withConnection(port: server.port) { good in
                try await good.call("createTable", ThriftStruct([1: T.bin("fuzz"), 2: .list(.structure, [T.family("f:")])]))
                var random = SplitMix64(seed: 0x5eed)
                let valid = ThriftCodec.encode(
                    ThriftMessage(name: "mutateRows", type: .call, sequenceId: 1, body: ThriftStruct([1: T.bin("fuzz"), 2: .list(.structure, [T.batch("x", [T.mutation("f:q", "v")])])])),
                    as: .binary(strict: true), framed: true)
                for round in 0..<60 {
                    var bytes: [UInt8]
                    switch round % 4 {
                    case 0:  // random bytes
                        bytes = (0..<Int.random(in: 1...200, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                    case 1:  // a valid frame cut short, then garbage
                        bytes = Array(valid.prefix(Int.random(in: 1..<valid.count, using: &random)))
                        bytes += (0..<8).map { _ in UInt8.random(in: 0...255, using: &random) }
                    case 2:  // a valid frame with bytes flipped inside
                        bytes = valid
                        for _ in 0..<3 { bytes[Int.random(in: 4..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random) }
                    default:  // a frame announced over the limit
                        bytes = [0x00, 0x7f, 0xff, 0xff, 0x80, 0x01, 0x00, 0x01]
                    }
                    try await ThriftClient.withConnection(port: server.port) { bad in
                        try await bad.send(raw: bytes)
                        // The server answers what it can, and closes a connection it cannot read or that
                        // ended inside a message.
                        bad.finishSending()
                        while (try? await bad.receive()) != nil {}
                    }
                    // Between bad connections the good one keeps working.
                    if round % 10 == 9 {
                        #expect(try await good.call("getTableNames", ThriftStruct()) == T.texts(["fuzz"]))
                    }
                }
                #expect(try await good.call("getTableNames", ThriftStruct()) == T.texts(["fuzz"]))
            }
            #expect(logs.contains("over the limit"))
            #expect(logs.contains("closing Thrift connection"))
            #expect(await eventually { server.connectionCount == 0 })
        }
    }

    @Test func anOversizedFrameIsRefusedBeforeItArrives() async throws {
        try await withGateway({ $0.maxFrameBytes = 1024 }) { server, _ in
            let closed = try await ThriftClient.withConnection(port: server.port, framed: true) { c in
                // Only the header of a 1 MB frame: the server must not wait for (or allocate) the rest.
                try await c.send(raw: [0x00, 0x10, 0x00, 0x00, 0x80, 0x01, 0x00, 0x01])
                return try await c.receive() == nil
            }
            #expect(closed)
            // A frame just within the limit is served.
            try await ThriftClient.withConnection(port: server.port, framed: true) { c in
                try await c.call("getTableNames", ThriftStruct())
            }
        }
    }

    @Test func scannersCloseWithTheirConnectionAndWhenIdle() async throws {
        // A timeout of 1 s and calls every 250 ms: a loaded CI machine has 750 ms of slack per call.
        try await withGateway({ $0.scannerTimeout = .milliseconds(1000) }) { server, _ in
            let open = ThriftStruct([1: T.bin("sc"), 2: .structure(ThriftStruct())])
            try await ThriftClient.withConnection(port: server.port) { c in
                try await c.call("createTable", ThriftStruct([1: T.bin("sc"), 2: .list(.structure, [T.family("f:")])]))
                try await c.call("mutateRows", ThriftStruct([1: T.bin("sc"), 2: .list(.structure, (0..<10).map { T.batch("r\($0)", [T.mutation("f:q", "v")]) })]))
                for _ in 0..<3 { try await c.call("scannerOpenWithScan", open) }
                #expect(await server.scannerCount() == 3)
            }
            // The client went away without closing them.
            #expect(await eventually { await server.scannerCount() == 0 })

            try await ThriftClient.withConnection(port: server.port) { c in
                let id = try await c.call("scannerOpenWithScan", open) ?? .i32(-1)
                #expect(T.rows(try await c.call("scannerGetList", ThriftStruct([1: id, 2: .i32(2)]))).count == 2)
                // A scanner in use is kept while its client keeps calling, longer than the timeout...
                for _ in 0..<6 {
                    try await Task.sleep(for: .milliseconds(250))
                    #expect(T.rows(try await c.call("scannerGetList", ThriftStruct([1: id, 2: .i32(1)]))).count == 1)
                }
                // ...and reclaimed once it sits idle past the timeout.
                try await Task.sleep(for: .milliseconds(3000))
                #expect(await server.scannerCount() == 0)
                await #expect(throws: ThriftError(.illegalArgument, "scanner ID is invalid")) {
                    try await c.call("scannerGetList", ThriftStruct([1: id, 2: .i32(1)]))
                }
            }
        }
    }

    @Test func idleConnectionsAreKeptUnlessATimeoutIsSet() async throws {
        try await withGateway { server, _ in
            try await ThriftClient.withConnection(port: server.port) { c in
                try await Task.sleep(for: .milliseconds(1200))
                #expect(try await c.call("getTableNames", ThriftStruct()) == T.texts([]))
            }
        }
        try await withGateway({ $0.idleTimeout = .milliseconds(300) }) { server, _ in
            let dropped = try await ThriftClient.withConnection(port: server.port) { c in
                try await Task.sleep(for: .milliseconds(1200))
                return (try? await c.call("getTableNames", ThriftStruct())) == nil
            }
            #expect(dropped)
        }
    }
}
