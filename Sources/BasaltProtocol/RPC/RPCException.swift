/// An exception as a server answers a call with it: HBase's Java class name (clients decide by it, e.g.
/// relocating on `NotServingRegionException`), a message, and whether the client must not retry. A value
/// type; safe to share.
public struct RPCException: Error, Sendable, Equatable {
    public var className: String
    public var message: String
    public var doNotRetry: Bool
    /// Set when a region moved: where it is now.
    public var hostname: String?
    public var port: Int32?

    public init(_ className: String, _ message: String, doNotRetry: Bool, hostname: String? = nil, port: Int32? = nil) {
        self.className = className
        self.message = message
        self.doNotRetry = doNotRetry
        self.hostname = hostname
        self.port = port
    }

    /// The exception as a `ResponseHeader` carries it.
    public var proto: HBaseExceptionResponse {
        var e = HBaseExceptionResponse()
        e.exceptionClassName = className
        e.stackTrace = "\(className): \(message)"
        e.doNotRetry = doNotRetry
        if let hostname { e.hostname = hostname }
        if let port { e.port = port }
        return e
    }

    /// The exception a `ResponseHeader` carries, as the client's error.
    public static func decode(_ e: HBaseExceptionResponse) -> ProtocolError {
        let text = e.stackTrace
        // HBase's stack trace starts with "class: message", then "\tat ..." lines.
        var message = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
        if message.hasPrefix(e.exceptionClassName + ": ") { message.removeFirst(e.exceptionClassName.count + 2) }
        return ProtocolError(remote: e.exceptionClassName, message: message, doNotRetry: e.doNotRetry)
    }
}

/// HBase's exception classes that travel on the wire, by their full Java names (an open set: a server may
/// answer with any class). Stateless.
public enum HBaseExceptionClass {
    public static let ioException = "java.io.IOException"
    public static let doNotRetry = "org.apache.hadoop.hbase.DoNotRetryIOException"
    public static let notServingRegion = "org.apache.hadoop.hbase.NotServingRegionException"
    public static let regionTooBusy = "org.apache.hadoop.hbase.RegionTooBusyException"
    public static let tableNotFound = "org.apache.hadoop.hbase.TableNotFoundException"
    public static let tableExists = "org.apache.hadoop.hbase.TableExistsException"
    public static let tableNotEnabled = "org.apache.hadoop.hbase.TableNotEnabledException"
    public static let tableNotDisabled = "org.apache.hadoop.hbase.TableNotDisabledException"
    public static let unknownScanner = "org.apache.hadoop.hbase.UnknownScannerException"
    public static let pleaseHoldOn = "org.apache.hadoop.hbase.PleaseHoldException"
    public static let namespaceNotFound = "org.apache.hadoop.hbase.NamespaceNotFoundException"
    public static let namespaceExists = "org.apache.hadoop.hbase.NamespaceExistException"
    public static let noSuchColumnFamily = "org.apache.hadoop.hbase.regionserver.NoSuchColumnFamilyException"
    public static let wrongRegion = "org.apache.hadoop.hbase.regionserver.WrongRegionException"
    public static let regionServerStopped = "org.apache.hadoop.hbase.regionserver.RegionServerStoppedException"
    public static let outOfOrderScannerNext = "org.apache.hadoop.hbase.exceptions.OutOfOrderScannerNextException"
    public static let unknownProtocol = "org.apache.hadoop.hbase.exceptions.UnknownProtocolException"
    public static let requestTooBig = "org.apache.hadoop.hbase.exceptions.RequestTooBigException"
    public static let serverNotRunningYet = "org.apache.hadoop.hbase.ipc.ServerNotRunningYetException"
    public static let fatalConnection = "org.apache.hadoop.hbase.ipc.FatalConnectionException"
    public static let callQueueTooBig = "org.apache.hadoop.hbase.CallQueueTooBigException"
    public static let unsupportedOperation = "java.lang.UnsupportedOperationException"
    public static let illegalArgument = "java.lang.IllegalArgumentException"
    public static let constraint = "org.apache.hadoop.hbase.constraint.ConstraintException"
    public static let corruptHFile = "org.apache.hadoop.hbase.io.hfile.CorruptHFileException"
    /// Basalt's answer from a master that is not the active one (HBase's clients treat it as an
    /// `IOException` and find the active master again).
    public static let notMaster = "org.apache.hadoop.hbase.NotMasterException"
}
