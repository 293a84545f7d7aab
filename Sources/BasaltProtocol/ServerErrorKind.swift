/// The failures a Basalt server answers a call with, as one vocabulary shared by the servers (which raise
/// them) and the client (which decodes them): Basalt's code, HBase's exception class (the name that
/// travels in `ResponseHeader.exception`, by which every HBase client decides what to do) and whether a
/// retry can succeed. Each kind has its own class, so a class name decodes back to exactly one kind.
public enum ServerErrorKind: String, Sendable, CaseIterable {
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
    case namespaceNotFound = "NAMESPACE_NOT_FOUND"
    case namespaceExists = "NAMESPACE_EXISTS"
    /// A request that would break a rule of the cluster (dropping a namespace that holds tables).
    case constraint = "CONSTRAINT"
    case unknownMethod = "UNSUPPORTED"

    /// HBase's exception class for this kind, by its full Java name.
    public var exceptionClass: String {
        switch self {
        case .notServingRegion: HBaseExceptionClass.notServingRegion
        case .regionTooBusy: HBaseExceptionClass.regionTooBusy
        case .tableNotFound: HBaseExceptionClass.tableNotFound
        case .tableExists: HBaseExceptionClass.tableExists
        case .tableNotEnabled: HBaseExceptionClass.tableNotEnabled
        case .tableNotDisabled: HBaseExceptionClass.tableNotDisabled
        case .noSuchColumnFamily: HBaseExceptionClass.noSuchColumnFamily
        case .unknownScanner: HBaseExceptionClass.unknownScanner
        case .outOfOrderScannerNextCall: HBaseExceptionClass.outOfOrderScannerNext
        case .invalidArgument: HBaseExceptionClass.doNotRetry
        case .serverNotRunning: HBaseExceptionClass.serverNotRunningYet
        case .pleaseHoldOn: HBaseExceptionClass.pleaseHoldOn
        case .io: HBaseExceptionClass.ioException
        case .corrupt: HBaseExceptionClass.corruptHFile
        case .notMaster: HBaseExceptionClass.notMaster
        case .namespaceNotFound: HBaseExceptionClass.namespaceNotFound
        case .namespaceExists: HBaseExceptionClass.namespaceExists
        case .constraint: HBaseExceptionClass.constraint
        case .unknownMethod: HBaseExceptionClass.unknownProtocol
        }
    }

    /// The class's simple name (`TableNotFoundException`), as messages show it.
    public var exceptionName: String { Self.simpleName(exceptionClass) }

    public var isRetryable: Bool {
        switch self {
        case .notServingRegion, .regionTooBusy, .serverNotRunning, .pleaseHoldOn, .io, .notMaster: true
        default: false
        }
    }

    /// The kind a class name names (full or simple), if it is one of Basalt's.
    public init?(exceptionClass name: String) {
        guard let kind = Self.byClass[Self.simpleName(name)] else { return nil }
        self = kind
    }

    private static let byClass: [String: ServerErrorKind] = Dictionary(
        allCases.map { ($0.exceptionName, $0) }, uniquingKeysWith: { a, _ in a })

    /// `org.apache.hadoop.hbase.TableNotFoundException` → `TableNotFoundException`.
    public static func simpleName(_ className: String) -> String {
        guard let dot = className.lastIndex(of: ".") else { return className }
        return String(className[className.index(after: dot)...])
    }
}
