import BasaltCore

/// How the client retries: as HBase's client, `hbase.client.retries.number` retries (15) after the first
/// attempt, sleeping `hbase.client.pause` (100 ms) times HBase's backoff multipliers between them, with 1%
/// jitter. A value type.
public struct RetryPolicy: Sendable, Hashable {
    /// HBase's `HConstants.RETRY_BACKOFF`.
    static let backoff: [Int64] = [1, 2, 3, 5, 10, 20, 40, 100, 100, 100, 100, 200, 200]

    /// Retries after the first attempt (0: one attempt only).
    public var retries: Int
    public var pauseMs: Int64

    /// Calls a request may make in all: the first and its retries (HBase's `retries2Attempts`).
    public var attempts: Int { retries == .max ? .max : retries + 1 }

    /// `hbase.client.retries.number` and `hbase.client.pause` (ms) when not set.
    public static let defaultRetries = 15
    public static let defaultPauseMs: Int64 = 100

    /// The longest base pause accepted: an hour (times the backoff's 200, the longest sleep is 200 h).
    public static let maxPauseMs: Int64 = 3_600_000

    /// Values out of range are brought into it: no fewer than 0 retries, a pause of 1 ms to `maxPauseMs`.
    public init(retries: Int = Self.defaultRetries, pauseMs: Int64 = Self.defaultPauseMs) {
        self.retries = max(0, retries)
        self.pauseMs = min(max(1, pauseMs), Self.maxPauseMs)
    }

    /// From `hbase.client.retries.number` and `hbase.client.pause`; a pause over `maxPauseMs` is refused.
    public init(_ conf: BasaltConfiguration) throws {
        let pause = try conf.int("hbase.client.pause", default: Int(Self.defaultPauseMs))
        guard pause <= Self.maxPauseMs else {
            throw ClientError.invalidArgument("hbase.client.pause is \(pause) ms; it must be at most \(Self.maxPauseMs) ms (an hour)")
        }
        self.init(retries: try conf.int("hbase.client.retries.number", default: Self.defaultRetries), pauseMs: Int64(pause))
    }

    /// The sleep before retry number `attempt` (1-based).
    public func pause(beforeAttempt attempt: Int) -> Duration {
        let multiplier = Self.backoff[min(max(attempt - 1, 0), Self.backoff.count - 1)]
        let base = pauseMs * multiplier
        let jitter = Int64(Double(base) * 0.01 * Double.random(in: 0...1))
        return .milliseconds(base + jitter)
    }
}
