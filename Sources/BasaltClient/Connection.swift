import BasaltCoordination
import BasaltCore
import BasaltProtocol
import Logging
import Synchronization

/// A client's link to a cluster: a coordination session (to find `hbase:meta` and the master), native RPC
/// connections to the servers, and the region location cache shared by every `Table`, `BufferedMutator` and
/// `Admin` made from it. Create one per process and share it; safe to share across tasks.
public final class Connection: Sendable {
    public let configuration: BasaltConfiguration
    public let coordination: any Coordination
    private let ownsCoordination: Bool
    let servers: ServerConnections
    let cache = LocationCache()
    let retry: RetryPolicy
    let logger: Logger
    private let metaServer = Mutex<ServerName?>(nil)
    /// Set by `close()`: calls in flight stop retrying and fail with `CONNECTION_CLOSED`.
    private let closing = Atomic<Bool>(false)

    /// `hbase.client.write.buffer` (2 MB): what a `BufferedMutator` holds before it sends.
    public let writeBufferSize: Int
    /// `hbase.client.scanner.caching`: rows per scan call (0: as many as the size limit allows).
    public let scannerCaching: Int
    /// `hbase.client.scanner.max.result.size` (2 MB): bytes per scan call.
    public let scannerMaxResultSize: Int
    /// `hbase.client.scanner.timeout.period` (60 s): a scanner's lease, for error messages.
    public let scannerTimeoutMs: Int
    /// `hbase.client.keyvalue.maxsize` (10 MB): the largest cell the client sends; 0 or less: no check.
    public let maxKeyValueSize: Int
    /// `hbase.client.max.perrequest.heapsize` (4 MB): a batch's mutations for one server go in requests
    /// of about this size, one after another.
    public let maxPerRequestSize: Int
    /// `hbase.ipc.max.request.size` (256 MB): the largest request sent and response accepted.
    public let limits: RPCLimits

    static let defaultMaxKeyValueSize = 10 << 20
    static let defaultMaxPerRequestSize = 4 << 20
    /// `hbase.client.write.buffer`, `hbase.client.scanner.max.result.size` and
    /// `hbase.client.scanner.timeout.period` when not set, as HBase's client has them.
    static let defaultWriteBufferSize = 2 << 20
    static let defaultScannerMaxResultSize = 2 << 20
    static let defaultScannerTimeoutMs = 60_000

    /// Connects to the cluster named by `hbase.zookeeper.quorum` and `zookeeper.znode.parent`.
    public static func connect(_ configuration: BasaltConfiguration = .init(), logger: Logger = Logger(label: "basalt.client")) async throws -> Connection {
        let coordination: ZooKeeperCoordination
        do {
            coordination = try await ZooKeeperCoordination.connect(configuration: configuration)
        } catch {
            let quorum = ZooKeeperCoordination.servers(configuration).joined(separator: ",")
            throw ClientError.connection("cannot reach ZooKeeper at \(quorum) (hbase.zookeeper.quorum): \(ClientError(error).message)")
        }
        return try Connection(coordination: coordination, configuration: configuration, ownsCoordination: true, logger: logger)
    }

    /// A connection over an existing coordination session (which the caller keeps and closes).
    public convenience init(coordination: any Coordination, configuration: BasaltConfiguration = .init(), logger: Logger = Logger(label: "basalt.client")) throws {
        try self.init(coordination: coordination, configuration: configuration, ownsCoordination: false, logger: logger)
    }

    private init(coordination: any Coordination, configuration: BasaltConfiguration, ownsCoordination: Bool, logger: Logger) throws {
        self.configuration = configuration
        self.coordination = coordination
        self.ownsCoordination = ownsCoordination
        self.logger = logger
        retry = try RetryPolicy(configuration)
        writeBufferSize = try configuration.int("hbase.client.write.buffer", default: Self.defaultWriteBufferSize)
        scannerCaching = try configuration.int("hbase.client.scanner.caching", default: 0)
        scannerMaxResultSize = try configuration.int("hbase.client.scanner.max.result.size", default: Self.defaultScannerMaxResultSize)
        scannerTimeoutMs = try configuration.int("hbase.client.scanner.timeout.period", default: Self.defaultScannerTimeoutMs)
        maxKeyValueSize = try configuration.int("hbase.client.keyvalue.maxsize", default: Self.defaultMaxKeyValueSize)
        maxPerRequestSize = max(1, try configuration.int("hbase.client.max.perrequest.heapsize", default: Self.defaultMaxPerRequestSize))
        limits = try RPCLimits(configuration)
        servers = ServerConnections(limits: limits)
    }

    /// Runs a task on the event loop where this connection's RPCs are written and answered: a task that
    /// prefers it (`withTaskExecutorPreference(connection.executor) { … }`, or
    /// `group.addTask(executorPreference: connection.executor)`) makes each call and resumes with its
    /// answer on that one thread, without the two hand-offs to and from Swift's cooperative pool that a
    /// call costs otherwise (about 15 µs of a point get's round trip on loopback). As HBase's AsyncTable
    /// runs its callbacks on the RPC threads: such a task must not block, or every call of the
    /// connection waits for it.
    public var executor: any TaskExecutor { servers.executor }

    public func table(_ name: TableName) -> Table { Table(name: name, connection: self) }

    public func admin() -> Admin { Admin(connection: self) }

    public func regionLocator(_ table: TableName) -> RegionLocator { RegionLocator(table: table, connection: self) }

    /// A buffered writer for one table (`hbase.client.write.buffer` unless `bufferSize` says otherwise;
    /// with `flushInterval`, also sends what it holds that often).
    public func bufferedMutator(_ table: TableName, bufferSize: Int? = nil, flushInterval: Duration? = nil) -> BufferedMutator {
        BufferedMutator(table: table, connection: self, bufferSize: bufferSize ?? writeBufferSize, flushInterval: flushInterval)
    }

    /// Closes the server connections (and the coordination session when this connection opened it).
    /// Calls still retrying fail at once with `CONNECTION_CLOSED` instead of running out their retries.
    public func close() async {
        closing.store(true, ordering: .releasing)
        await servers.closeAll()
        if ownsCoordination { await coordination.close() }
    }

    // MARK: - Where things are

    /// The server hosting `hbase:meta`, from `meta-region-server` (cached until `reload`).
    func metaLocation(reload: Bool = false) async throws -> ServerName {
        if !reload, let s = metaServer.withLock({ $0 }) { return s }
        let path = coordination.layout.metaRegionServer
        guard let value = try await coordination.read(path) else {
            throw ClientError.regionInTransition("hbase:meta is not online yet (\(path) does not exist)")
        }
        let server = try PBUFCodec.metaServer(from: value.data)
        metaServer.withLock { $0 = server }
        return server
    }

    func forgetMetaLocation() { metaServer.withLock { $0 = nil } }

    /// The active master, from the `master` znode.
    func masterLocation() async throws -> ServerName {
        guard let data = try await coordination.activeMaster() else {
            throw ClientError(.masterNotRunning, message: "no active master (\(coordination.layout.master) does not exist)", retryable: true, exceptionName: "MasterNotRunningException")
        }
        return try PBUFCodec.masterServer(from: data)
    }

    /// Runs `body`, retrying failures a retry can cure under the retry policy; `onFailure` sees each
    /// retryable failure first (to drop stale locations). Non-retryable failures surface at once.
    func retrying<T: Sendable>(_ body: () async throws -> T, onFailure: (ClientError) -> Void = { _ in }) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch {
                let e = ClientError(error)
                guard e.isRetryable else { throw e }
                onFailure(e)
                attempt += 1
                if attempt >= retry.attempts { throw ClientError.retriesExhausted(attempt, last: e) }
                logger.debug("retrying", metadata: ["attempt": "\(attempt)", "error": "\(e)"])
                try await pause(beforeAttempt: attempt, after: e)
            }
        }
    }

    /// Whether `close()` was called.
    public var isClosed: Bool { closing.load(ordering: .acquiring) }

    /// Sleeps the retry policy's pause before retry number `attempt`, in short steps, failing with
    /// `CONNECTION_CLOSED` as soon as the connection closes (or the task is cancelled): a closing
    /// process never waits out a client's backoff.
    func pause(beforeAttempt attempt: Int, after last: ClientError) async throws {
        let until = ContinuousClock.now + retry.pause(beforeAttempt: attempt)
        while true {
            if isClosed || Task.isCancelled { throw ClientError.connectionClosed(after: last) }
            let left = until - ContinuousClock.now
            if left <= .zero { return }
            try? await Task.sleep(for: min(left, .milliseconds(50)))
        }
    }

    /// Runs `body` against the region holding `row`, relocating and retrying when the location was
    /// stale or the server failed.
    func withRegion<T: Sendable>(_ table: TableName, row: [UInt8], _ body: (RegionLocation) async throws -> T) async throws -> T {
        var last: RegionLocation?
        var reload = false
        return try await retrying({
            let location = try await locate(table, row: row, reload: reload)
            last = location
            return try await body(location)
        }, onFailure: { e in
            guard e.invalidatesLocation, let location = last else { return }
            reload = true
            invalidate(location, because: e)
        })
    }

    /// Drops a location that failed; on a connection failure, every location on that server.
    func invalidate(_ location: RegionLocation, because e: ClientError) {
        if e.errorCode == .connection {
            cache.remove(server: location.server)
            servers.forget(location.server)
        } else {
            cache.remove(location)
        }
        if location.region.table == .meta { forgetMetaLocation() }
    }
}
