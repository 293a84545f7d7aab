import BasaltCore
import BasaltProtocol
import BasaltStorage
import GRPCCore

/// Errors a server (region server or master) answers with. Each carries HBase's exception name, so a
/// client (and HBase-minded users) can tell `NotServingRegionException` from `TableNotFoundException`,
/// and whether a retry can succeed. Crosses the wire as a gRPC status with that name, Basalt's code and
/// the retry flag in metadata (see `rpcError`). A value type; safe to share across tasks.
public struct ServerError: BasaltError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case notServingRegion = "NOT_SERVING_REGION"
        case regionTooBusy = "REGION_TOO_BUSY"
        case tableNotFound = "TABLE_NOT_FOUND"
        case tableExists = "TABLE_EXISTS"
        case tableNotEnabled = "TABLE_NOT_ENABLED"
        case tableNotDisabled = "TABLE_NOT_DISABLED"
        case noSuchColumnFamily = "NO_SUCH_COLUMN_FAMILY"
        case unknownScanner = "UNKNOWN_SCANNER"
        case outOfOrderScannerNextCall = "OUT_OF_ORDER_SCANNER_NEXT_CALL"
        case invalidArgument = "INVALID_ARGUMENT"
        case serverNotRunning = "SERVER_NOT_RUNNING"
        case pleaseHoldOn = "PLEASE_HOLD"
        case io = "IO_ERROR"
        case corrupt = "CORRUPT"
        case notMaster = "NOT_MASTER"

        /// HBase's exception class for this kind (its simple name).
        public var exceptionName: String {
            switch self {
            case .notServingRegion: "NotServingRegionException"
            case .regionTooBusy: "RegionTooBusyException"
            case .tableNotFound: "TableNotFoundException"
            case .tableExists: "TableExistsException"
            case .tableNotEnabled: "TableNotEnabledException"
            case .tableNotDisabled: "TableNotDisabledException"
            case .noSuchColumnFamily: "NoSuchColumnFamilyException"
            case .unknownScanner: "UnknownScannerException"
            case .outOfOrderScannerNextCall: "OutOfOrderScannerNextException"
            case .invalidArgument: "DoNotRetryIOException"
            case .serverNotRunning: "ServerNotRunningYetException"
            case .pleaseHoldOn: "PleaseHoldException"
            case .io: "IOException"
            case .corrupt: "CorruptHFileException"
            case .notMaster: "NotMasterException"
            }
        }

        public var isRetryable: Bool {
            switch self {
            case .notServingRegion, .regionTooBusy, .serverNotRunning, .pleaseHoldOn, .io, .notMaster: true
            default: false
            }
        }
    }

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

    /// Metadata keys carrying the exception on the wire.
    public static let exceptionKey = "basalt-exception"
    public static let codeKey = "basalt-code"
    public static let retryableKey = "basalt-retryable"

    /// The code a failed call to another server carried (see `rpcError`), if it carried one.
    static func code(of error: any Error) -> String? {
        guard let rpc = error as? RPCError else { return (error as? ServerError)?.code }
        return rpc.metadata[stringValues: codeKey].first(where: { _ in true })
    }

    /// The gRPC error a handler throws for this failure.
    public var rpcError: RPCError {
        var metadata = Metadata()
        metadata.addString(exceptionName, forKey: Self.exceptionKey)
        metadata.addString(code, forKey: Self.codeKey)
        metadata.addString(isRetryable ? "true" : "false", forKey: Self.retryableKey)
        let status: RPCError.Code = switch kind {
        case .notServingRegion, .serverNotRunning, .pleaseHoldOn, .notMaster: .unavailable
        case .regionTooBusy: .resourceExhausted
        case .tableNotFound, .unknownScanner: .notFound
        case .tableExists: .alreadyExists
        case .tableNotEnabled, .tableNotDisabled, .outOfOrderScannerNextCall: .failedPrecondition
        case .noSuchColumnFamily, .invalidArgument: .invalidArgument
        case .io, .corrupt: .internalError
        }
        return RPCError(code: status, message: "\(exceptionName): \(message)", metadata: metadata)
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
