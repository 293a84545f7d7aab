import BasaltCore
import BasaltProtocol

/// Errors the client library raises. Failures a server reported keep the server's code (`TABLE_NOT_FOUND`,
/// `NOT_SERVING_REGION`, ...) and HBase's exception name; the client adds its own for what happens on its
/// side (`RETRIES_EXHAUSTED`, `CONNECTION`, `SCANNER_TIMEOUT`, ...). A value type; safe to share.
public struct ClientError: BasaltError, Equatable {
    public let errorCode: ClientErrorCode
    /// `errorCode` as text (`BasaltError`).
    public var code: String { errorCode.rawValue }
    public let message: String
    public let isRetryable: Bool
    /// HBase's exception class name, e.g. `TableNotFoundException`.
    public let exceptionName: String

    public init(_ code: ClientErrorCode, message: String, retryable: Bool, exceptionName: String) {
        self.errorCode = code
        self.message = message
        self.isRetryable = retryable
        self.exceptionName = exceptionName
    }

    public static func invalidArgument(_ message: String) -> ClientError {
        ClientError(.invalidArgument, message: message, retryable: false, exceptionName: "IllegalArgumentException")
    }

    public static func tableNotFound(_ table: TableName) -> ClientError {
        ClientError(.tableNotFound, message: "table \(table) does not exist", retryable: false, exceptionName: "TableNotFoundException")
    }

    public static func tableNotEnabled(_ table: TableName) -> ClientError {
        ClientError(.tableNotEnabled, message: "table \(table) is disabled", retryable: false, exceptionName: "TableNotEnabledException")
    }

    /// A region is being opened, closed, moved or split: try again shortly.
    static func regionInTransition(_ message: String) -> ClientError {
        ClientError(.regionInTransition, message: message, retryable: true, exceptionName: "RegionOfflineException")
    }

    static func connection(_ message: String) -> ClientError {
        ClientError(.connection, message: message, retryable: true, exceptionName: "ConnectException")
    }

    static func retriesExhausted(_ attempts: Int, last: any Error) -> ClientError {
        let inner = ClientError(last)
        return ClientError(
            .retriesExhausted, message: "failed after \(attempts) attempts; last: \(inner.exceptionName): \(inner.message)",
            retryable: false, exceptionName: "RetriesExhaustedException")
    }

    /// The connection was closed (the process is stopping) while a call was still retrying.
    static func connectionClosed(after last: ClientError) -> ClientError {
        ClientError(
            .connectionClosed, message: "the client connection closed (Basalt is stopping) while retrying; last: \(last.exceptionName): \(last.message)",
            retryable: false, exceptionName: "ConnectionClosedException")
    }

    static func scannerTimeout(_ message: String) -> ClientError {
        ClientError(.scannerTimeout, message: message, retryable: false, exceptionName: "ScannerTimeoutException")
    }

    /// Whether the region's location is known to be wrong (relocate before retrying).
    var invalidatesLocation: Bool {
        [.notServingRegion, .connection, .serverNotRunning, .regionInTransition].contains(errorCode)
    }

    /// Any error as the client reports it: a server's exception decodes into its code and HBase's class;
    /// a connection that failed means the server could not be reached.
    public init(_ error: any Error) {
        switch error {
        case let e as ClientError:
            self = e
        case let e as ProtocolError:
            self.init(protocol: e)
        case let e as any BasaltError:
            self.init(ClientErrorCode(rawValue: e.code), message: e.message, retryable: e.isRetryable, exceptionName: e.isRetryable ? "IOException" : "DoNotRetryIOException")
        default:
            self.init(.io, message: "\(error)", retryable: true, exceptionName: "IOException")
        }
    }

    init(protocol e: ProtocolError) {
        switch e.kind {
        case .remote:
            let className = e.exceptionClassName ?? HBaseExceptionClass.ioException
            let name = ServerErrorKind.simpleName(className)
            if let kind = ServerErrorKind(exceptionClass: className) {
                self.init(ClientErrorCode(kind), message: e.message, retryable: kind.isRetryable && !e.doNotRetry, exceptionName: name)
            } else if name == ServerErrorKind.simpleName(HBaseExceptionClass.requestTooBig) {
                self.init(
                    .requestTooBig, message: "\(e.message) (hbase.ipc.max.request.size limits one RPC)", retryable: false,
                    exceptionName: name)
            } else {
                self.init(e.doNotRetry ? .invalidArgument : .io, message: e.message, retryable: !e.doNotRetry, exceptionName: name)
            }
        case .connection:
            self = .connection("server unreachable: \(e.message)")
        case .tooLarge:
            // Over hbase.ipc.max.request.size, refused by one side or the other: it would be every time.
            self.init(
                .requestTooBig, message: "\(e.message) (hbase.ipc.max.request.size limits one RPC)", retryable: false,
                exceptionName: "RequestTooBigException")
        case .malformedRequest, .malformedData:
            self.init(.io, message: e.message, retryable: false, exceptionName: "DoNotRetryIOException")
        }
    }

    /// A failure a server reported inside a response (one action of a multi).
    init(proto e: Basalt_Exception) {
        self.init(e.code.isEmpty ? .io : ClientErrorCode(rawValue: e.code), message: e.message, retryable: e.retryable, exceptionName: e.name)
    }
}
