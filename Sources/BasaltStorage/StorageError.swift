import BasaltCore

/// Errors raised by the storage engine. Each names the file, offset, region or value concerned.
///
/// A value type; safe to share across tasks.
public struct StorageError: BasaltError, Equatable {
    public enum Code: String, Sendable {
        /// The request is malformed (empty row, oversized cell, unknown family...). Not retryable.
        case invalidArgument = "INVALID_ARGUMENT"
        case noSuchColumnFamily = "NO_SUCH_COLUMN_FAMILY"
        /// The row is outside this region: the client must relocate.
        case wrongRegion = "WRONG_REGION"
        /// A file operation failed (errno in the message).
        case io = "IO_ERROR"
        /// A WAL entry in the middle of a file fails its checksum or does not decode.
        case walCorrupt = "WAL_CORRUPT"
        /// The WAL could not be written; nothing more is accepted until the owner reopens it.
        case walFailed = "WAL_FAILED"
        /// The region or WAL is closed.
        case closed = "CLOSED"
        /// A row lock could not be taken in time.
        case rowLockTimeout = "ROW_LOCK_TIMEOUT"
        /// An increment or append found a value it cannot work on.
        case incompatibleValue = "INCOMPATIBLE_VALUE"
        /// An HFile fails its checks (checksum, truncation, bad layout); the message names file and offset.
        case corruptFile = "CORRUPT_FILE"
        /// The region holds too much unflushed data (or too many files) and the wait for a flush or
        /// compaction timed out. Retryable: the client backs off and tries again.
        case regionTooBusy = "REGION_TOO_BUSY"
    }

    public let kind: Code
    public let message: String

    public init(_ kind: Code, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }

    public var isRetryable: Bool {
        switch kind {
        case .wrongRegion, .rowLockTimeout, .closed, .regionTooBusy: true
        default: false
        }
    }
}
