import Foundation

/// One flush or compaction the engine's threads carried out, for the status pages' history.
public struct BackgroundWork: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case flush
        case minorCompaction = "minor compaction"
        case majorCompaction = "major compaction"
    }

    public var kind: Kind
    /// The region's encoded name.
    public var region: String
    public var finishedAt: Date
    public var took: Duration
    /// Bytes flushed from the MemStore, or stores (families) a compaction rewrote.
    public var amount: Int

    /// How many the engine keeps, newest last.
    public static let historyLength = 32
}

/// The engine's queues and recent work at one moment.
public struct EngineActivity: Sendable {
    public var flushQueue: Int
    public var compactionQueue: Int
    /// Newest last, at most `BackgroundWork.historyLength`.
    public var recent: [BackgroundWork]
}
