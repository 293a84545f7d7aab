import BasaltClient
import BasaltCore
import BasaltTestSupport
import BasaltThrift
import Logging
import Synchronization

func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Runs `body` with a one-server MiniCluster and a Thrift gateway on a free loopback port.
func withGateway(
    _ tweak: (inout ThriftServer.Configuration) -> Void = { _ in },
    _ body: (ThriftServer, Connection) async throws -> Void
) async throws {
    try await MiniCluster.run(regionServers: 1) { _, connection in
        var settings = ThriftServer.Configuration(host: "127.0.0.1", port: 0)
        tweak(&settings)
        let server = try await ThriftServer.start(settings, connection: connection)
        do {
            try await body(server, connection)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

/// Thrift argument and struct builders for the tests.
enum T {
    static func bin(_ s: String) -> ThriftValue { .binary(b(s)) }
    static func texts(_ s: [String]) -> ThriftValue { .list(.binary, s.map(bin)) }
    static let noAttributes = ThriftValue.map(key: .binary, value: .binary, [])

    static func mutation(_ column: String, _ value: String? = nil, delete: Bool = false, wal: Bool = true) -> ThriftValue {
        .structure(ThriftStruct([1: .bool(delete), 2: bin(column), 3: value.map(bin), 4: .bool(wal)]))
    }

    static func batch(_ row: String, _ mutations: [ThriftValue]) -> ThriftValue {
        .structure(ThriftStruct([1: bin(row), 2: .list(.structure, mutations)]))
    }

    static func family(_ name: String, versions: Int32 = 3, compression: String = "NONE") -> ThriftValue {
        .structure(ThriftStruct([1: bin(name), 2: .i32(versions), 3: .string(compression), 5: .string("NONE"), 9: .i32(-1)]))
    }

    /// A list<TCell> as (value, timestamp) pairs.
    static func cells(_ v: ThriftValue?) -> [(String, Int64)] {
        (v?.elements ?? []).compactMap {
            guard case .structure(let s) = $0 else { return nil }
            return (String(decoding: s.binary(1) ?? [], as: UTF8.self), s.i64(2) ?? -1)
        }
    }

    /// A list<TRowResult> as rows with their `columns` map as column → value.
    static func rows(_ v: ThriftValue?) -> [(row: String, columns: [String: String])] {
        (v?.elements ?? []).compactMap {
            guard case .structure(let s) = $0 else { return nil }
            var columns: [String: String] = [:]
            for p in s.map(2) ?? [] {
                guard case .binary(let k) = p.key, case .structure(let cell) = p.value else { continue }
                columns[String(decoding: k, as: UTF8.self)] = String(decoding: cell.binary(1) ?? [], as: UTF8.self)
            }
            return (String(decoding: s.binary(1) ?? [], as: UTF8.self), columns)
        }
    }
}

/// Keeps what a logger logged, to check the gateway's log lines.
final class LogStore: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger { Logger(label: "test.thrift") { _ in CollectingLogHandler(store: self) } }

    func contains(_ text: String) -> Bool { lines.withLock { $0.contains { $0.contains(text) } } }
    var count: Int { lines.withLock { $0.count } }
}

struct CollectingLogHandler: LogHandler {
    let store: LogStore
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String, line: UInt) {
        store.lines.withLock { $0.append("\(level): \(message)") }
    }
}
