import Foundation

/// One flush or compaction the engine's threads carried out, for the status pages' history.
package struct BackgroundWork: Sendable, Equatable {
    package enum Kind: String, Sendable {
        case flush
        case minorCompaction = "minor compaction"
        case majorCompaction = "major compaction"
    }

    package var kind: Kind
    /// The region's encoded name.
    package var region: String
    package var finishedAt: Date
    package var took: Duration
    /// Bytes flushed from the MemStore, or stores (families) a compaction rewrote.
    package var amount: Int

    /// How many the engine keeps, newest last.
    package static let historyLength = 32
}

/// The engine's queues and recent work at one moment.
package struct EngineActivity: Sendable {
    package var flushQueue: Int
    package var compactionQueue: Int
    /// Newest last, at most `BackgroundWork.historyLength`.
    package var recent: [BackgroundWork]
}
