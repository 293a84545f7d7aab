import BasaltCore
import Foundation

/// `Coordination` on the ZooKeeper protocol, through one `ZooKeeperClient` session.
public final class ZooKeeperCoordination: Coordination {
    public let layout: ZNodeLayout
    public let client: ZooKeeperClient

    public init(client: ZooKeeperClient, layout: ZNodeLayout = ZNodeLayout()) {
        self.client = client
        self.layout = layout
    }

    /// Connects to `hbase.zookeeper.quorum` (default `127.0.0.1:2181`; entries without a port take
    /// `hbase.zookeeper.property.clientPort`) with `zookeeper.session.timeout` (default 90 s, in ms; the distributed server processes default to 10 s).
    public static func connect(configuration: BasaltConfiguration) async throws -> ZooKeeperCoordination {
        let quorum = servers(configuration)
        let timeoutMs = Int64(configuration["zookeeper.session.timeout"] ?? "") ?? 90_000
        let client = try await ZooKeeperClient.connect(.init(servers: quorum, sessionTimeout: .milliseconds(timeoutMs)))
        return ZooKeeperCoordination(client: client, layout: ZNodeLayout(configuration: configuration))
    }

    /// `host:port` entries of `hbase.zookeeper.quorum`; entries without a port take
    /// `hbase.zookeeper.property.clientPort` (2181).
    public static func servers(_ configuration: BasaltConfiguration) -> [String] {
        let port = configuration[ZooKeeperDefaults.clientPortKey] ?? String(ZooKeeperDefaults.clientPort)
        return (configuration["hbase.zookeeper.quorum"] ?? "127.0.0.1").split(separator: ",").map { entry in
            entry.contains(":") ? String(entry) : "\(entry):\(port)"
        }
    }

    public func ensureLayout() async throws {
        for path in layout.persistentNodes { try await createParents(path) }
    }

    /// Creates `path` and its missing ancestors as empty persistent znodes.
    private func createParents(_ path: String) async throws {
        var prefix = ""
        for segment in path.split(separator: "/") {
            prefix += "/" + segment
            do {
                try await client.create(prefix)
            } catch let e as CoordinationError where e.kind == .nodeExists {}
        }
    }

    public func read(_ path: String) async throws -> ZNodeValue? {
        do {
            let (data, stat) = try await client.getData(path)
            return ZNodeValue(data: data, version: stat.version)
        } catch let e as CoordinationError where e.kind == .noNode {
            return nil
        }
    }

    public func write(_ path: String, data: [UInt8], expectedVersion: Int32?) async throws {
        while true {
            do {
                try await client.setData(path, data: data, version: expectedVersion ?? -1)
                return
            } catch let e as CoordinationError where e.kind == .noNode && expectedVersion == nil {
                try await createParents(ZNodeTree.parent(of: path))
                do {
                    try await client.create(path, data: data)
                    return
                } catch let e as CoordinationError where e.kind == .nodeExists {
                    continue  // someone created it meanwhile: set it
                }
            }
        }
    }

    public func delete(_ path: String) async throws {
        do {
            try await client.delete(path)
        } catch let e as CoordinationError where e.kind == .noNode {}
    }

    public func children(_ path: String) async throws -> [String] {
        do {
            return try await client.getChildren(path).children.sorted()
        } catch let e as CoordinationError where e.kind == .noNode {
            return []
        }
    }

    public func registerEphemeral(_ path: String, data: [UInt8]) async throws {
        try await createParents(ZNodeTree.parent(of: path))
        try await client.create(path, data: data, mode: .ephemeral)
    }

    public func watch(_ path: String) -> AsyncThrowingStream<ZNodeValue?, any Error> {
        rearming(path) { [client] in
            do {
                let (data, stat) = try await client.getData(path, watch: true)
                return ZNodeValue(data: data, version: stat.version)
            } catch let e as CoordinationError where e.kind == .noNode {
                // Not there: watch for its creation (exists leaves that watch); it may have just appeared.
                guard try await client.exists(path, watch: true) != nil else { return nil }
                let (data, stat) = try await client.getData(path)
                return ZNodeValue(data: data, version: stat.version)
            }
        }
    }

    public func watchChildren(_ path: String) -> AsyncThrowingStream<[String], any Error> {
        rearming(path) { [client] in
            do {
                return try await client.getChildren(path, watch: true).children.sorted()
            } catch let e as CoordinationError where e.kind == .noNode {
                _ = try await client.exists(path, watch: true)
                return []
            }
        }
    }

    /// Reads with a one-shot watch, yields what changed, and reads again after each firing on `path` (or a
    /// reconnect, which may have lost a firing). Ends when the session ends.
    private func rearming<T: Sendable & Equatable>(_ path: String, read: @escaping @Sendable () async throws -> T) -> AsyncThrowingStream<T, any Error> {
        let events = client.events()
        return AsyncThrowingStream { continuation in
            let task = Task {
                var last: T?
                do {
                    var iterator = events.makeAsyncIterator()
                    while !Task.isCancelled {
                        let value = try await read()
                        if value != last {
                            continuation.yield(value)
                            last = value
                        }
                        while let event = await iterator.next() {
                            if event.path == path || event.state == .connected { break }
                            if event.state == .expired || event.state == .closed {
                                throw CoordinationError(.sessionExpired, path: path)
                            }
                        }
                        if Task.isCancelled { break }
                        if client.sessionState == .expired || client.sessionState == .closed {
                            throw CoordinationError(.sessionExpired, path: path)
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func becomeActiveMaster(_ name: ServerName, data: [UInt8]) async throws {
        try await ensureLayout()
        let backup = layout.backupMaster(name)
        var registeredAsBackup = false
        for try await current in watch(layout.master) {
            if current == nil {
                do {
                    try await client.create(layout.master, data: data, mode: .ephemeral)
                    if registeredAsBackup { try await delete(backup) }
                    return
                } catch let e as CoordinationError where e.kind == .nodeExists {
                    continue  // another candidate won the race: the watch reports it
                }
            }
            if !registeredAsBackup {
                try await registerEphemeral(backup, data: data)
                registeredAsBackup = true
            }
        }
        throw CoordinationError(.sessionExpired, path: layout.master, "the session ended before this server became the active master")
    }

    public func activeMaster() async throws -> [UInt8]? {
        try await read(layout.master)?.data
    }

    /// The cluster's id from `hbaseid` (`PBUF` + `ClusterId`, as HBase writes it), created when missing.
    public func clusterId() async throws -> String {
        if let existing = try await read(layout.clusterId) { return try Self.clusterId(existing.data) }
        try await ensureLayout()
        do {
            try await client.create(layout.clusterId, data: ClusterIdZNode.encode(UUID().uuidString.lowercased()))
        } catch let e as CoordinationError where e.kind == .nodeExists {}
        return try Self.clusterId(try await client.getData(layout.clusterId).data)
    }

    private static func clusterId(_ data: [UInt8]) throws -> String {
        guard let id = ClusterIdZNode.decode(data) else {
            throw CoordinationError(.dataInconsistency, path: "hbaseid", "the cluster id znode does not hold a ClusterId message")
        }
        return id
    }

    public func sessionStates() -> AsyncStream<SessionState> {
        let events = client.events()
        return AsyncStream { continuation in
            let task = Task {
                for await e in events where e.type == .none { continuation.yield(e.state) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    public func close() async {
        await client.close()
    }
}
