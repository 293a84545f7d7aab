import BasaltCore
import BasaltProtocol
import BasaltStorage

/// Errors a server (region server or master) answers with. Each carries HBase's exception name, so a
/// client (and HBase-minded users) can tell `NotServingRegionException` from `TableNotFoundException`,
/// and whether a retry can succeed. Crosses the wire as HBase's exception (see `rpcException`). A value type; safe to share across tasks.
public struct ServerError: BasaltError, Equatable {
    public typealias Kind = ServerErrorKind

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var isRetryable: Bool { kind.isRetryable }
    public var exceptionName: String { kind.exceptionName }

    /// Any error as the server reports it: `BasaltError`s keep their meaning, others become `IOException`.
    public init(_ error: any Error) {
        switch error {
        case let e as ServerError:
            self = e
        case let e as ProtocolError where e.kind == .remote:
            // Another server's answer, passed on: its kind when it is one of Basalt's.
            let kind = e.exceptionClassName.flatMap { Kind(exceptionClass: $0) } ?? (e.doNotRetry ? .invalidArgument : .io)
            self.init(kind, e.message)
        case let e as StorageError:
            let kind: Kind = switch e.kind {
            case .invalidArgument, .incompatibleValue: .invalidArgument
            case .noSuchColumnFamily: .noSuchColumnFamily
            case .wrongRegion, .closed: .notServingRegion
            case .regionTooBusy, .rowLockTimeout: .regionTooBusy
            case .io, .walFailed: .io
            case .walCorrupt, .corruptFile: .corrupt
            }
            self.init(kind, e.message)
        case let e as any BasaltError where !e.isRetryable:
            self.init(.invalidArgument, e.message)
        case let e as any BasaltError:
            self.init(.io, e.message)
        default:
            self.init(.io, "\(error)")
        }
    }

    /// The Basalt code a failed call to another server carried, if the server was Basalt (or HBase
    /// answered with one of the classes Basalt uses).
    static func code(of error: any Error) -> String? {
        switch error {
        case let e as ServerError: e.code
        case let e as ProtocolError: e.exceptionClassName.flatMap { Kind(exceptionClass: $0)?.rawValue }
        default: nil
        }
    }

    /// The exception a call is answered with for this failure.
    public var rpcException: RPCException {
        RPCException(kind.exceptionClass, message, doNotRetry: !isRetryable)
    }

    /// The failure as a message inside a response (one action of a multi).
    public var proto: Basalt_Exception {
        var e = Basalt_Exception()
        e.name = exceptionName
        e.message = message
        e.retryable = isRetryable
        e.code = code
        return e
    }
}
