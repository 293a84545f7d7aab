/// How far a mutation's WAL entry must get before the write is acknowledged (HBase's `Durability`).
public enum Durability: String, Sendable, CaseIterable {
    /// Use the table's setting (which defaults to `syncWAL`).
    case useDefault = "USE_DEFAULT"
    /// No WAL entry: lost if the process dies before a flush.
    case skipWAL = "SKIP_WAL"
    /// Acknowledged before the entry reaches the OS; written within a bounded delay.
    case asyncWAL = "ASYNC_WAL"
    /// Acknowledged after `write(2)`: survives a process crash.
    case syncWAL = "SYNC_WAL"
    /// Acknowledged after `fdatasync`: survives a power loss.
    case fsyncWAL = "FSYNC_WAL"

    /// Parses HBase's names, case-insensitively.
    public init(parsing text: String) throws {
        guard let d = Durability(rawValue: text.uppercased()) else {
            throw CoreError(.invalidArgument, "unknown durability '\(text)': use one of \(Durability.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        self = d
    }

    /// Resolves `useDefault` against a table default (itself resolved to `syncWAL` when also default).
    public func resolved(tableDefault: Durability) -> Durability {
        guard self == .useDefault else { return self }
        return tableDefault == .useDefault ? .syncWAL : tableDefault
    }

    /// The rank of the promise: a group that satisfies a higher rank satisfies the lower ones.
    public var strength: Int {
        switch self {
        case .skipWAL: 0
        case .asyncWAL: 1
        case .useDefault, .syncWAL: 2
        case .fsyncWAL: 3
        }
    }
}
