import BasaltCore

/// How large and how long one RPC may be. `hbase.ipc.max.request.size` (256 MB, HBase's default) bounds a
/// request a server accepts and a response a client accepts, so a client's whole write buffer, or a row
/// holding cells up to `hbase.server.keyvalue.maxsize`, fits in one call. `hbase.rpc.timeout` (60 s,
/// HBase's default) bounds how long a call waits for its answer: a server whose machine died sends no
/// reset, so without it a call in flight would wait for TCP to give up (many minutes). A call that times
/// out fails as a retryable connection error and closes its connection, so the retry dials afresh. A
/// value type.
public struct RPCLimits: Sendable, Hashable {
    public static let defaultMaxRequestSize = 256 << 20
    public static let defaultCallTimeout: Duration = .seconds(60)
    /// Bytes of one request or response message.
    public var maxMessageSize: Int
    /// How long a call waits for its answer.
    public var callTimeout: Duration

    public init(maxMessageSize: Int = RPCLimits.defaultMaxRequestSize, callTimeout: Duration = RPCLimits.defaultCallTimeout) {
        self.maxMessageSize = maxMessageSize
        self.callTimeout = callTimeout
    }

    /// Reads `hbase.ipc.max.request.size` (a value below 1 KB is refused) and `hbase.rpc.timeout` (ms,
    /// positive).
    public init(_ conf: BasaltConfiguration) throws {
        let size = try conf.int("hbase.ipc.max.request.size", default: Self.defaultMaxRequestSize)
        guard size >= 1024 else {
            throw CoreError(.invalidConfiguration, "hbase.ipc.max.request.size is \(size) bytes; it must be at least 1024")
        }
        let ms = try conf.int("hbase.rpc.timeout", default: Int(Self.defaultCallTimeout.components.seconds) * 1000)
        guard ms > 0 else {
            throw CoreError(.invalidConfiguration, "hbase.rpc.timeout is \(ms) ms; it must be positive")
        }
        self.init(maxMessageSize: size, callTimeout: .milliseconds(ms))
    }
}
