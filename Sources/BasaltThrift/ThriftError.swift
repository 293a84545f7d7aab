import BasaltClient
import BasaltCore

/// Errors of the Thrift gateway: bad bytes on a connection, and the failures of calls, which reach
/// clients as the `Hbase` service's exceptions (`IOError`, `IllegalArgument`, `AlreadyExists`) or, for
/// calls the service does not know, as a `TApplicationException`. A value type; safe to share.
public struct ThriftError: BasaltError, Equatable {
    public enum Kind: String, Sendable {
        /// The bytes end inside a message (only a decoder waiting for more data sees this).
        case incomplete = "INCOMPLETE"
        /// The bytes are not a Thrift message of the protocol the connection speaks.
        case malformed = "MALFORMED"
        /// A frame or message larger than the configured limit.
        case tooLarge = "FRAME_TOO_LARGE"
        /// A call the service does not have.
        case unknownMethod = "UNKNOWN_METHOD"
        /// Thrift's `IllegalArgument`.
        case illegalArgument = "ILLEGAL_ARGUMENT"
        /// Thrift's `AlreadyExists`.
        case alreadyExists = "ALREADY_EXISTS"
        /// Thrift's `IOError`: what the cluster reported.
        case io = "IO_ERROR"
    }

    public let kind: Kind
    public let message: String
    public let isRetryable: Bool

    public init(_ kind: Kind, _ message: String, retryable: Bool = false) {
        self.kind = kind
        self.message = message
        self.isRetryable = retryable
    }

    public var code: String { kind.rawValue }

    static func malformed(_ message: String) -> ThriftError { ThriftError(.malformed, message) }
    static let incomplete = ThriftError(.incomplete, "the message is not complete")

    static func illegalArgument(_ message: String) -> ThriftError { ThriftError(.illegalArgument, message) }

    /// Any failure of a call as the gateway reports it: the client library's errors keep HBase's
    /// exception name in front of the message, as HBase's gateway shows the Java exception.
    static func wrapping(_ error: any Error) -> ThriftError {
        switch error {
        case let e as ThriftError: return e
        case let e as CoreError where e.kind == .invalidArgument || e.kind == .invalidTableName:
            return ThriftError(.illegalArgument, e.message)
        default:
            let e = ClientError(error)
            if e.errorCode == .invalidArgument { return ThriftError(.illegalArgument, e.message) }
            return ThriftError(.io, "\(e.exceptionName): \(e.message)", retryable: e.isRetryable)
        }
    }
}
