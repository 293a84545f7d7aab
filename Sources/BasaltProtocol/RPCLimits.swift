import BasaltCore

/// How large one RPC may be: `hbase.ipc.max.request.size` (256 MB, HBase's default) bounds a request a
/// server accepts and a response a client accepts, so a client's whole write buffer, or a row holding
/// cells up to `hbase.server.keyvalue.maxsize`, fits in one call. A value type.
public struct RPCLimits: Sendable, Hashable {
    public static let defaultMaxRequestSize = 256 << 20
    /// Bytes of one request or response message.
    public var maxMessageSize: Int

    public init(maxMessageSize: Int = RPCLimits.defaultMaxRequestSize) {
        self.maxMessageSize = maxMessageSize
    }

    /// Reads `hbase.ipc.max.request.size`; a value below 1 KB is refused.
    public init(_ conf: BasaltConfiguration) throws {
        let size = try conf.int("hbase.ipc.max.request.size", default: Self.defaultMaxRequestSize)
        guard size >= 1024 else {
            throw CoreError(.invalidConfiguration, "hbase.ipc.max.request.size is \(size) bytes; it must be at least 1024")
        }
        self.init(maxMessageSize: size)
    }
}
