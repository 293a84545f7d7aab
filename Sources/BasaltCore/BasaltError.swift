/// The shape every Basalt error takes, whatever layer raised it.
///
/// Each layer (core, storage, coordination, server, client) has one concrete error type that conforms.
/// A caller can always read a stable `code`, a message a person can act on, and whether retrying the
/// same call (possibly after relocating the region) can succeed.
public protocol BasaltError: Error, CustomStringConvertible, Sendable {
    /// A stable, machine-readable name such as `INVALID_ARGUMENT` or `WAL_CORRUPT`.
    var code: String { get }
    /// What went wrong, naming the file, offset, region or value involved.
    var message: String { get }
    /// Whether a client may retry the same request and expect it to succeed eventually.
    var isRetryable: Bool { get }
}

extension BasaltError {
    public var description: String { "\(code): \(message)" }
}

/// Errors raised by `BasaltCore`: malformed names, bad arguments and undecodable bytes.
///
/// A value type; safe to share across tasks.
public struct CoreError: BasaltError, Equatable {
    public enum Code: String, Sendable {
        case invalidArgument = "INVALID_ARGUMENT"
        case invalidTableName = "INVALID_TABLE_NAME"
        case malformedData = "MALFORMED_DATA"
        case invalidConfiguration = "INVALID_CONFIGURATION"
    }

    public let kind: Code
    public let message: String

    public init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var isRetryable: Bool { false }
}
