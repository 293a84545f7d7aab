import BasaltCore

/// Errors of the protocol layer: a message that does not convert into `BasaltCore`'s types, a frame that
/// breaks HBase's RPC framing, a connection that failed, and an exception a server answered with
/// (`.remote`, carrying HBase's exception class name and whether the server says not to retry).
/// Raised by the conversions, the frame codec and the RPC transport. A value type; safe to share.
public struct ProtocolError: BasaltError, Equatable {
    public enum Code: String, Sendable {
        case malformedRequest = "MALFORMED_REQUEST"
        case malformedData = "MALFORMED_DATA"
        /// The connection failed or closed before the answer came: the call may be retried elsewhere.
        case connection = "CONNECTION"
        /// A frame over the RPC size limit (`hbase.ipc.max.request.size`).
        case tooLarge = "REQUEST_TOO_BIG"
        /// The server answered with an exception.
        case remote = "REMOTE_EXCEPTION"
    }

    public let kind: Code
    public let message: String
    /// For `.remote`: the exception's class as HBase names it (e.g.
    /// `org.apache.hadoop.hbase.NotServingRegionException`).
    public let exceptionClassName: String?
    /// For `.remote`: the server's `do_not_retry`.
    public let doNotRetry: Bool

    public init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
        exceptionClassName = nil
        doNotRetry = kind != .connection
    }

    /// An exception a server answered with.
    public init(remote className: String, message: String, doNotRetry: Bool) {
        kind = .remote
        self.message = message
        exceptionClassName = className
        self.doNotRetry = doNotRetry
    }

    public var code: String { kind.rawValue }
    public var isRetryable: Bool { !doNotRetry }
}
