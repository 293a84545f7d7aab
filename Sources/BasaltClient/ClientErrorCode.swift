import BasaltProtocol

/// The code of a `ClientError`: a server's (`ServerErrorKind`, decoded from its answer) or one of the
/// client's own. Open, because a newer server may answer with a code this build does not know; each code
/// this build uses is named once, here.
public struct ClientErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// The code of a failure a server reported.
    public init(_ kind: ServerErrorKind) { rawValue = kind.rawValue }

    public var description: String { rawValue }

    // The client's own.
    /// A server could not be reached.
    public static let connection = ClientErrorCode(rawValue: "CONNECTION")
    /// The connection closed (the process is stopping) while a call was retrying.
    public static let connectionClosed = ClientErrorCode(rawValue: "CONNECTION_CLOSED")
    public static let retriesExhausted = ClientErrorCode(rawValue: "RETRIES_EXHAUSTED")
    public static let scannerTimeout = ClientErrorCode(rawValue: "SCANNER_TIMEOUT")
    /// A region is being opened, closed, moved or split.
    public static let regionInTransition = ClientErrorCode(rawValue: "REGION_IN_TRANSITION")
    /// Over `hbase.ipc.max.request.size`.
    public static let requestTooBig = ClientErrorCode(rawValue: "REQUEST_TOO_BIG")
    public static let masterNotRunning = ClientErrorCode(rawValue: "MASTER_NOT_RUNNING")

    // The servers' that the client acts on.
    public static let notServingRegion = ClientErrorCode(.notServingRegion)
    public static let serverNotRunning = ClientErrorCode(.serverNotRunning)
    public static let tableNotFound = ClientErrorCode(.tableNotFound)
    public static let tableExists = ClientErrorCode(.tableExists)
    public static let tableNotEnabled = ClientErrorCode(.tableNotEnabled)
    public static let tableNotDisabled = ClientErrorCode(.tableNotDisabled)
    public static let noSuchColumnFamily = ClientErrorCode(.noSuchColumnFamily)
    public static let namespaceNotFound = ClientErrorCode(.namespaceNotFound)
    public static let unknownScanner = ClientErrorCode(.unknownScanner)
    public static let invalidArgument = ClientErrorCode(.invalidArgument)
    public static let io = ClientErrorCode(.io)
}
