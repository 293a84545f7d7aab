import BasaltCore
import Synchronization

/// A region and the server that serves it, as the client caches it. A value type.
public struct RegionLocation: Sendable, Hashable, CustomStringConvertible {
    public let region: RegionInfo
    public let server: ServerName
    /// The region's sequence number when it was opened (`seqnumDuringOpen`).
    public let openSeqNum: Int64

    public init(region: RegionInfo, server: ServerName, openSeqNum: Int64 = 0) {
        self.region = region
        self.server = server
        self.openSeqNum = openSeqNum
    }

    public var description: String { "\(region.regionNameAsString) on \(server)" }
}

/// The client's region location cache: per table, locations sorted by start key, so the region of a row
/// is a binary search. Entries leave when a server says the region is not there, or the server fails.
/// Safe to share across tasks.
final class LocationCache: Sendable {
    private let tables = Mutex<[TableName: [RegionLocation]]>([:])

    /// The cached region holding `row`, if any.
    func find(_ table: TableName, row: [UInt8]) -> RegionLocation? {
        tables.withLock { all in
            guard let list = all[table], let i = Self.lastStarting(atOrBefore: row, in: list) else { return nil }
            return list[i].region.contains(row: row) ? list[i] : nil
        }
    }

    /// Caches a location, dropping every cached region of the table that overlaps it.
    func add(_ location: RegionLocation) {
        tables.withLock { all in
            var list = all[location.region.table] ?? []
            list.removeAll { Self.overlaps($0.region, location.region) }
            let i = list.firstIndex { CellComparator.compareBytes($0.region.startKey, location.region.startKey) > 0 } ?? list.count
            list.insert(location, at: i)
            all[location.region.table] = list
        }
    }

    /// Forgets one region's location (only if it still names the same server).
    func remove(_ location: RegionLocation) {
        tables.withLock { all in
            all[location.region.table]?.removeAll { $0.region == location.region && $0.server == location.server }
        }
    }

    /// Forgets every region on a server (it could not be reached).
    func remove(server: ServerName) {
        tables.withLock { all in
            for key in all.keys { all[key]?.removeAll { $0.server == server } }
        }
    }

    func clear(_ table: TableName) { tables.withLock { _ = $0.removeValue(forKey: table) } }

    private static func lastStarting(atOrBefore row: [UInt8], in list: [RegionLocation]) -> Int? {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if CellComparator.compareBytes(list[mid].region.startKey, row) <= 0 { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? nil : lo - 1
    }

    private static func overlaps(_ a: RegionInfo, _ b: RegionInfo) -> Bool {
        let aBeforeB = !a.endKey.isEmpty && CellComparator.compareBytes(a.endKey, b.startKey) <= 0
        let bBeforeA = !b.endKey.isEmpty && CellComparator.compareBytes(b.endKey, a.startKey) <= 0
        return !(aBeforeB || bBeforeA)
    }
}
