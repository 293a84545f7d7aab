import BasaltCoordination
import BasaltCore
import BasaltTestSupport
import Foundation
import Logging
import Testing

/// Collects log lines, so a test can check what the server said.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }

    var logger: Logger {
        Logger(label: "test") { _ in CapturingHandler(log: self) }
    }

    struct CapturingHandler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { log.append("\(event.level) \(event.message)") }
    }
}

@Suite("Embedded ZooKeeper-protocol server")
struct EmbeddedServerTests {
    @Test func fourLetterWords() async throws {
        let server = try await EmbeddedZooKeeperServer.start(.init(port: 0))
        defer { Task { await server.stop() } }
        #expect(Loopback.fourLetterWord("ruok", port: server.port) == "imok")
        #expect(Loopback.fourLetterWord("srvr", port: server.port)?.contains("Mode: standalone") == true)
        let mntr = Loopback.fourLetterWord("mntr", port: server.port) ?? ""
        #expect(mntr.contains("zk_znode_count\t4"))
        #expect(Loopback.fourLetterWord("isro", port: server.port) == "rw")
    }

    @Test func sessionTimeoutIsBoundedByTheTick() async throws {
        let server = try await EmbeddedZooKeeperServer.start(.init(port: 0, tickTime: .milliseconds(1000)))
        defer { Task { await server.stop() } }
        let long = try await ZooKeeperClient.connect(.init(servers: [server.connectString], sessionTimeout: .seconds(100)))
        let short = try await ZooKeeperClient.connect(.init(servers: [server.connectString], sessionTimeout: .milliseconds(10)))
        #expect(long.negotiatedTimeoutMs == 20_000)
        #expect(short.negotiatedTimeoutMs == 2000)
        #expect(server.sessionCount == 2)
        await long.close()
        await short.close()
        #expect(server.sessionCount == 0)
    }

    @Test func malformedRequestsCloseOnlyTheirConnection() async throws {
        let log = CapturedLog()
        let server = try await EmbeddedZooKeeperServer.start(.init(port: 0, logger: log.logger))
        defer { Task { await server.stop() } }
        let zk = try await ZooKeeperClient.connect(.init(servers: [server.connectString]))
        defer { Task { await zk.close() } }
        try await zk.create("/survivor", data: bytes("v"), mode: .ephemeral)

        var rng = SystemRandomNumberGenerator()
        let seed = UInt64.random(in: 0...UInt64.max, using: &rng)
        var gen = SplitMix64(seed: seed)
        var payloads: [[UInt8]] = [
            [0x7f, 0xff, 0xff, 0xff, 1, 2, 3],  // a frame of 2 GB
            [0xff, 0xff, 0xff, 0xfe],  // a negative length
            frame([0, 0, 0, 0]),  // a handshake cut short
        ]
        // A good handshake, then a getData whose path runs past the end of its frame.
        payloads.append(connectRequest() + frame([0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 50, 0x2f]))
        for _ in 0..<20 {
            payloads.append((0..<Int.random(in: 1...64, using: &gen)).map { _ in UInt8.random(in: 0...255, using: &gen) })
        }
        for (i, p) in payloads.enumerated() {
            let answer = Loopback.exchange(port: server.port, bytes: p, timeout: 3)
            #expect(answer != nil, "payload \(i) (seed \(seed)): connection refused")
            // The server stays up and the other session carries on.
            #expect(try await zk.getData("/survivor").data == bytes("v"), "after payload \(i), seed \(seed)")
        }
        #expect(Loopback.fourLetterWord("ruok", port: server.port) == "imok")
        #expect(try await zk.exists("/survivor")?.ephemeralOwner == zk.sessionId)
        #expect(log.all.contains { $0.hasPrefix("warning") && $0.contains("closing ZooKeeper connection") }, "log: \(log.all)")
    }

    private func frame(_ body: [UInt8]) -> [UInt8] {
        let n = UInt32(body.count)
        return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + body
    }

    /// protocolVersion 0, lastZxid 0, timeout 4000, session 0, a 16-byte password.
    private func connectRequest() -> [UInt8] {
        var body: [UInt8] = [0, 0, 0, 0] + [UInt8](repeating: 0, count: 8) + [0, 0, 0x0f, 0xa0] + [UInt8](repeating: 0, count: 8)
        body += [0, 0, 0, 16] + [UInt8](repeating: 0, count: 16)
        return frame(body)
    }
}
