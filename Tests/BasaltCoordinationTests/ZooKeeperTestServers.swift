import BasaltCoordination
import BasaltTestSupport
import Foundation
import Testing

/// The two servers every client test runs against: Basalt's embedded server and Apache ZooKeeper 3.8.
enum ServerKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case embedded
    case apache

    var testDescription: String { rawValue }
}

/// One server of each kind, shared by the tests of this run (each test works under its own path).
enum SharedServers {
    // Sessions may last 1 to 10 s: long enough that a loaded 2-core machine running blocking tests beside
    // these does not expire a default session, short enough for the expiry tests (2 s sessions).
    static let tickMs = 500
    static let embedded = Task { try await EmbeddedZooKeeperServer.start(.init(port: 0, tickTime: .milliseconds(tickMs))) }
    static let apache = Result { try ApacheZooKeeper(size: 1, tickMs: tickMs) }

    static func connectString(_ kind: ServerKind) async throws -> String {
        switch kind {
        case .embedded: try await embedded.value.connectString
        case .apache: try apache.get().connectString
        }
    }

    static func client(_ kind: ServerKind, timeout: Duration = .seconds(10)) async throws -> ZooKeeperClient {
        try await ZooKeeperClient.connect(.init(servers: [connectString(kind)], sessionTimeout: timeout))
    }
}

/// Records a client's event stream so a test can wait for what it expects.
final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [WatchedEvent] = []
    private var task: Task<Void, Never>?

    init(_ client: ZooKeeperClient) {
        let stream = client.events()
        task = Task { [weak self] in
            for await e in stream {
                guard let self else { return }
                self.lock.withLock { self.events.append(e) }
            }
        }
    }

    deinit { task?.cancel() }

    var all: [WatchedEvent] { lock.withLock { events } }
    var watchEvents: [WatchedEvent] { all.filter { $0.type != .none } }
    var sessionStates: [SessionState] { all.filter { $0.type == .none }.map(\.state) }

    /// Waits until `predicate` holds for the recorded events, or the timeout passes; returns the events.
    @discardableResult
    func wait(timeout: Duration = .seconds(10), until predicate: ([WatchedEvent]) -> Bool) async -> [WatchedEvent] {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if predicate(all) { break }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return all
    }
}

/// A fresh path prefix for one test, created on the server.
func testRoot(_ client: ZooKeeperClient, _ name: String) async throws -> String {
    let root = "/\(name)-\(UUID().uuidString.prefix(8).lowercased())"
    try await client.create(root)
    return root
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

/// Asserts that `body` throws a `CoordinationError` with `code`; returns it.
@discardableResult
func expectCode(_ code: CoordinationError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async -> CoordinationError? {
    do {
        try await body()
        Issue.record("expected \(code.name), but the call succeeded", sourceLocation: sourceLocation)
    } catch let e as CoordinationError {
        #expect(e.kind == code, "expected \(code.name), got \(e)", sourceLocation: sourceLocation)
        return e
    } catch {
        Issue.record("expected \(code.name), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}
