/// A half-open timestamp range [minimum, maximum), as HBase's `TimeRange`. A value type.
public struct TimeRange: Sendable, Hashable {
    public var minimum: Int64
    public var maximum: Int64

    public static let all = TimeRange(uncheckedMinimum: 0, maximum: .max)

    init(uncheckedMinimum: Int64, maximum: Int64) {
        self.minimum = uncheckedMinimum
        self.maximum = maximum
    }

    public init(minimum: Int64 = 0, maximum: Int64 = .max) throws {
        guard minimum >= 0, maximum >= minimum else {
            throw CoreError(.invalidArgument, "time range [\(minimum), \(maximum)) is invalid: need 0 <= min <= max")
        }
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Exactly one timestamp.
    public static func at(_ ts: Int64) throws -> TimeRange {
        try TimeRange(minimum: ts, maximum: ts == .max ? .max : ts + 1)
    }

    public var isAll: Bool { minimum == 0 && maximum == .max }

    @inlinable public func contains(_ ts: Int64) -> Bool { ts >= minimum && ts < maximum }
}
