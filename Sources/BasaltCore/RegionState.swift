/// A region's state as hbase:meta records it in `info:state`, with HBase's names (`RegionState.State`).
public enum RegionState: String, Sendable, CaseIterable, CustomStringConvertible {
    case offline = "OFFLINE"
    case pendingOpen = "PENDING_OPEN"
    case opening = "OPENING"
    case open = "OPEN"
    case pendingClose = "PENDING_CLOSE"
    case closing = "CLOSING"
    case closed = "CLOSED"
    case splitting = "SPLITTING"
    case split = "SPLIT"
    case failedOpen = "FAILED_OPEN"
    case failedClose = "FAILED_CLOSE"
    case merging = "MERGING"
    case merged = "MERGED"
    case splittingNew = "SPLITTING_NEW"
    case mergingNew = "MERGING_NEW"
    case abnormallyClosed = "ABNORMALLY_CLOSED"

    /// The state a meta `info:state` value names; a name this build does not know reads as OFFLINE (the
    /// region is then in transition and recovery decides what to do with it).
    public init(metaName: String) {
        self = RegionState(rawValue: metaName) ?? .offline
    }

    public var description: String { rawValue }
}
