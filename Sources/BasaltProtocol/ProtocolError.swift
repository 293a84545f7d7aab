import BasaltCore

/// A message that does not convert into `BasaltCore`'s types: a missing field, an unknown enum value, a
/// malformed name. Raised by the conversions in this module. A value type; safe to share across tasks.
public struct ProtocolError: BasaltError, Equatable {
    public enum Code: String, Sendable {
        case malformedRequest = "MALFORMED_REQUEST"
        case malformedData = "MALFORMED_DATA"
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
