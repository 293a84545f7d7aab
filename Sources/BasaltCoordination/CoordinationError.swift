import BasaltCore

/// Errors of the coordination layer: ZooKeeper's result codes, with the path concerned in the message.
///
/// The numeric codes are ZooKeeper's own, so a code read off the wire (from Apache ZooKeeper or from the
/// embedded server) maps one to one. A value type; safe to share across tasks.
public struct CoordinationError: BasaltError, Equatable {
    /// ZooKeeper's result codes (`KeeperException.Code`), by their wire values.
    public enum Code: Int32, Sendable, CaseIterable {
        case ok = 0
        case systemError = -1
        case runtimeInconsistency = -2
        case dataInconsistency = -3
        case connectionLoss = -4
        case marshallingError = -5
        case unimplemented = -6
        case operationTimeout = -7
        case badArguments = -8
        case unknownSession = -12
        case newConfigNoQuorum = -13
        case reconfigInProgress = -14
        case apiError = -100
        case noNode = -101
        case noAuth = -102
        case badVersion = -103
        case noChildrenForEphemerals = -108
        case nodeExists = -110
        case notEmpty = -111
        case sessionExpired = -112
        case invalidCallback = -113
        case invalidACL = -114
        case authFailed = -115
        case sessionMoved = -118
        case notReadOnly = -119
        case ephemeralOnLocalSession = -120
        case noWatcher = -121
        case requestTimeout = -122
        case reconfigDisabled = -123
        case sessionClosedRequireSasl = -124
        case quotaExceeded = -125
        case throttled = -127

        /// ZooKeeper's name for the code (`NoNode`, `BadVersion`, ...).
        public var name: String {
            switch self {
            case .ok: "OK"
            case .systemError: "SystemError"
            case .runtimeInconsistency: "RuntimeInconsistency"
            case .dataInconsistency: "DataInconsistency"
            case .connectionLoss: "ConnectionLoss"
            case .marshallingError: "MarshallingError"
            case .unimplemented: "Unimplemented"
            case .operationTimeout: "OperationTimeout"
            case .badArguments: "BadArguments"
            case .unknownSession: "UnknownSession"
            case .newConfigNoQuorum: "NewConfigNoQuorum"
            case .reconfigInProgress: "ReconfigInProgress"
            case .apiError: "APIError"
            case .noNode: "NoNode"
            case .noAuth: "NoAuth"
            case .badVersion: "BadVersion"
            case .noChildrenForEphemerals: "NoChildrenForEphemerals"
            case .nodeExists: "NodeExists"
            case .notEmpty: "NotEmpty"
            case .sessionExpired: "SessionExpired"
            case .invalidCallback: "InvalidCallback"
            case .invalidACL: "InvalidACL"
            case .authFailed: "AuthFailed"
            case .sessionMoved: "SessionMoved"
            case .notReadOnly: "NotReadOnly"
            case .ephemeralOnLocalSession: "EphemeralOnLocalSession"
            case .noWatcher: "NoWatcher"
            case .requestTimeout: "RequestTimeout"
            case .reconfigDisabled: "ReconfigDisabled"
            case .sessionClosedRequireSasl: "SessionClosedRequireSasl"
            case .quotaExceeded: "QuotaExceeded"
            case .throttled: "Throttled"
            }
        }
    }

    public let kind: Code
    /// The znode the failed call named, when there is one.
    public let path: String?
    public let message: String

    public init(_ kind: Code, path: String? = nil, _ detail: String? = nil) {
        self.kind = kind
        self.path = path
        var text = Self.explanation(kind)
        if let path { text += " for \(path)" }
        if let detail { text += ": \(detail)" }
        self.message = text
    }

    /// Builds the error for a code read off the wire; unknown codes become `SystemError` naming the value.
    public init(wireCode: Int32, path: String?) {
        if let known = Code(rawValue: wireCode) {
            self.init(known, path: path)
        } else {
            self.init(.systemError, path: path, "unknown ZooKeeper result code \(wireCode)")
        }
    }

    public var code: String { kind.name }

    /// Connection losses and timeouts may succeed on another try; a lost session needs a new client.
    public var isRetryable: Bool {
        switch kind {
        case .connectionLoss, .operationTimeout, .requestTimeout, .throttled, .sessionMoved: true
        default: false
        }
    }

    private static func explanation(_ code: Code) -> String {
        switch code {
        case .noNode: "no such znode"
        case .nodeExists: "the znode already exists"
        case .badVersion: "the znode's version is not the one expected"
        case .notEmpty: "the znode has children"
        case .noChildrenForEphemerals: "an ephemeral znode cannot have children"
        case .sessionExpired: "the session has expired or was closed; its ephemeral znodes are gone and a new client is needed"
        case .connectionLoss: "the connection to ZooKeeper was lost; the call may or may not have taken effect"
        case .badArguments: "invalid path or argument"
        case .operationTimeout: "no answer from ZooKeeper in time"
        case .marshallingError: "a message could not be encoded or decoded"
        default: "ZooKeeper answered \(code.name)"
        }
    }
}
