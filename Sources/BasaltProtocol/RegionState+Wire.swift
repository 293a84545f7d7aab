import BasaltCore

extension Basalt_RegionState.State {
    /// The wire's number for a meta state.
    public init(_ state: RegionState) {
        self = switch state {
        case .offline: .offline
        case .pendingOpen: .pendingOpen
        case .opening: .opening
        case .open: .open
        case .pendingClose: .pendingClose
        case .closing: .closing
        case .closed: .closed
        case .splitting: .splitting
        case .split: .split
        case .failedOpen: .failedOpen
        case .failedClose: .failedClose
        case .merging: .merging
        case .merged: .merged
        case .splittingNew: .splittingNew
        case .mergingNew: .mergingNew
        case .abnormallyClosed: .abnormallyClosed
        }
    }

    /// The meta state a wire number stands for (OFFLINE for one this build does not know).
    public var regionState: RegionState {
        switch self {
        case .offline, .UNRECOGNIZED: .offline
        case .pendingOpen: .pendingOpen
        case .opening: .opening
        case .open: .open
        case .pendingClose: .pendingClose
        case .closing: .closing
        case .closed: .closed
        case .splitting: .splitting
        case .split: .split
        case .failedOpen: .failedOpen
        case .failedClose: .failedClose
        case .merging: .merging
        case .merged: .merged
        case .splittingNew: .splittingNew
        case .mergingNew: .mergingNew
        case .abnormallyClosed: .abnormallyClosed
        }
    }
}
