import BasaltCore

/// A znode's content as coordination reads it: data and data version.
public struct ZNodeValue: Sendable, Equatable {
    public var data: [UInt8]
    public var version: Int32

    public init(data: [UInt8], version: Int32) {
        self.data = data
        self.version = version
    }
}

/// What the master, the region servers and the clients need of coordination, over HBase's znode layout.
/// `ZooKeeperCoordination` implements it on the ZooKeeper protocol, against Apache ZooKeeper or the
/// embedded server alike.
public protocol Coordination: Sendable {
    var layout: ZNodeLayout { get }

    /// Creates the persistent znodes of the layout (`/hbase`, `backup-masters`, `rs`) where missing.
    func ensureLayout() async throws

    /// The znode's data and version, or nil when it does not exist.
    func read(_ path: String) async throws -> ZNodeValue?
    /// Creates the znode (persistent, parents included) or replaces its data. With `expectedVersion`, only
    /// if the znode is at that version (`BadVersion` otherwise).
    func write(_ path: String, data: [UInt8], expectedVersion: Int32?) async throws
    /// Deletes the znode if it exists.
    func delete(_ path: String) async throws
    /// The names of the znode's children, sorted; empty when it does not exist.
    func children(_ path: String) async throws -> [String]

    /// Creates an ephemeral znode that lives as long as this session (a region server under `rs/`).
    /// Fails with `NodeExists` if someone holds it.
    func registerEphemeral(_ path: String, data: [UInt8]) async throws

    /// The znode's value now and after every change (nil while it does not exist), until the session ends.
    func watch(_ path: String) -> AsyncThrowingStream<ZNodeValue?, any Error>
    /// The znode's children now and after every change, until the session ends.
    func watchChildren(_ path: String) -> AsyncThrowingStream<[String], any Error>

    /// Returns once this server is the active master: registers under `backup-masters/` and waits while
    /// another holds `master`, then takes `master` and leaves `backup-masters/`.
    func becomeActiveMaster(_ name: ServerName, data: [UInt8]) async throws
    /// The active master's znode data, or nil when there is none.
    func activeMaster() async throws -> [UInt8]?

    /// The cluster id in `hbaseid`, created (a new UUID) on first use.
    func clusterId() async throws -> String

    /// Session states as they change: `.disconnected`, `.connected`, and finally `.expired` or `.closed`.
    /// After `.expired` every ephemeral znode of this process is gone: its owner must stop serving.
    func sessionStates() -> AsyncStream<SessionState>

    /// Ends the session; its ephemeral znodes go at once.
    func close() async
}
