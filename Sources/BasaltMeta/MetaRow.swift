import BasaltCore
import BasaltProtocol
import Foundation

/// The rows of `hbase:meta`, as HBase lays them out. A region's row is keyed by its region name and holds,
/// in family `info`: `regioninfo` (`PBUF` + RegionInfo), `server` (`host:port`), `serverstartcode` and
/// `seqnumDuringOpen` (8-byte big-endian), `state` (e.g. `OPEN`), `sn` (`host,port,startcode`), and
/// `splitA`/`splitB` on a split parent. A table's state row is keyed by the table name and holds
/// `table:state` (a TableState message). Written by the master, read by clients. Stateless.
public enum MetaRow {
    public static let infoFamily = Bytes.of("info")
    public static let tableFamily = Bytes.of("table")
    public static let regionInfoQualifier = Bytes.of("regioninfo")
    public static let serverQualifier = Bytes.of("server")
    public static let startCodeQualifier = Bytes.of("serverstartcode")
    public static let seqNumQualifier = Bytes.of("seqnumDuringOpen")
    public static let stateQualifier = Bytes.of("state")
    public static let serverNameQualifier = Bytes.of("sn")
    public static let splitAQualifier = Bytes.of("splitA")
    public static let splitBQualifier = Bytes.of("splitB")
    /// On a merged region until its parents' files are cleaned up: `merge0000`, `merge0001`, ...
    public static func mergeQualifier(_ i: Int) -> [UInt8] { Bytes.of("merge" + String(repeating: "0", count: max(0, 4 - String(i).count)) + String(i)) }
    public static let tableStateQualifier = Bytes.of("state")

    /// The descriptor of `hbase:meta` itself: families `info` (3 versions, in memory) and `table`.
    public static func metaDescriptor() throws -> TableDescriptor {
        var info = ColumnFamilyDescriptor(name: infoFamily)
        info.maxVersions = 3
        info.inMemory = true
        info.blockSize = 8192
        var table = ColumnFamilyDescriptor(name: tableFamily)
        table.maxVersions = 3
        table.inMemory = true
        return try TableDescriptor(name: .meta, families: [info, table])
    }

    /// Where a region is, as meta records it.
    public struct Location: Sendable, Equatable {
        public var region: RegionInfo
        public var server: ServerName?
        public var state: RegionState
        public var openSeqNum: Int64
        public var split: Bool
        public var offline: Bool
        /// `splitA`/`splitB`: the daughters of a region being split (state SPLITTING) or split.
        public var daughters: [RegionInfo]
        /// `merge0000`...: the regions a merged region (state MERGING_NEW, or merged) was made of.
        public var mergeParents: [RegionInfo]

        public init(
            region: RegionInfo, server: ServerName?, state: RegionState, openSeqNum: Int64 = 0, split: Bool = false, offline: Bool = false,
            daughters: [RegionInfo] = [], mergeParents: [RegionInfo] = []
        ) {
            self.region = region
            self.server = server
            self.state = state
            self.openSeqNum = openSeqNum
            self.split = split
            self.offline = offline
            self.daughters = daughters
            self.mergeParents = mergeParents
        }
    }

    /// The put that records a region's location: regioninfo and state always; server, start code, sn
    /// and seqnumDuringOpen when it has a server.
    public static func put(_ location: Location) throws -> Put {
        var put = Put(row: location.region.regionName)
        var proto = Basalt_RegionInfo(location.region)
        proto.split = location.split
        proto.offline = location.offline
        put.add(family: infoFamily, qualifier: regionInfoQualifier, value: try PBUFCodec.encode(proto))
        put.add(family: infoFamily, qualifier: stateQualifier, value: Bytes.of(location.state.rawValue))
        if let server = location.server {
            put.add(family: infoFamily, qualifier: serverQualifier, value: Bytes.of(server.hostAndPort))
            put.add(family: infoFamily, qualifier: startCodeQualifier, value: Bytes.fromInt64(server.startCode))
            put.add(family: infoFamily, qualifier: serverNameQualifier, value: Bytes.of(server.description))
            put.add(family: infoFamily, qualifier: seqNumQualifier, value: Bytes.fromInt64(location.openSeqNum))
        }
        for (q, d) in zip([splitAQualifier, splitBQualifier], location.daughters) {
            put.add(family: infoFamily, qualifier: q, value: try PBUFCodec.encode(Basalt_RegionInfo(d)))
        }
        for (i, p) in location.mergeParents.enumerated() {
            put.add(family: infoFamily, qualifier: mergeQualifier(i), value: try PBUFCodec.encode(Basalt_RegionInfo(p)))
        }
        return put
    }

    /// The delete that drops a region row's `splitA`/`splitB` and `merge*` columns.
    public static func clearSplitAndMerge(_ location: Location) -> Delete {
        var d = Delete(row: location.region.regionName)
        if !location.daughters.isEmpty {
            d.addColumns(family: infoFamily, qualifier: splitAQualifier)
            d.addColumns(family: infoFamily, qualifier: splitBQualifier)
        }
        for i in location.mergeParents.indices { d.addColumns(family: infoFamily, qualifier: mergeQualifier(i)) }
        return d
    }

    /// The location a meta row records, or nil for a row that is not a region row (a table-state row).
    public static func parse(_ row: RowResult) throws -> Location? {
        guard let infoBytes = row.value(family: infoFamily, qualifier: regionInfoQualifier) else { return nil }
        let proto = try PBUFCodec.decode(Basalt_RegionInfo.self, from: infoBytes)
        let region = try proto.toRegionInfo()
        var server: ServerName?
        if let hostPort = row.value(family: infoFamily, qualifier: serverQualifier),
           let code = row.value(family: infoFamily, qualifier: startCodeQualifier).flatMap(Bytes.toInt64) {
            let text = String(decoding: hostPort, as: UTF8.self)
            if let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) {
                server = ServerName(host: String(text[..<colon]), port: port, startCode: code)
            }
        }
        // A row without a state is one written before states were recorded: open where it says.
        let state = row.value(family: infoFamily, qualifier: stateQualifier).map { RegionState(metaName: String(decoding: $0, as: UTF8.self)) } ?? .open
        let seq = row.value(family: infoFamily, qualifier: seqNumQualifier).flatMap(Bytes.toInt64) ?? 0
        func regionInfo(_ q: [UInt8]) throws -> RegionInfo? {
            try row.value(family: infoFamily, qualifier: q).map { try PBUFCodec.decode(Basalt_RegionInfo.self, from: $0).toRegionInfo() }
        }
        let daughters = try [splitAQualifier, splitBQualifier].compactMap(regionInfo)
        var parents: [RegionInfo] = []
        while let p = try regionInfo(mergeQualifier(parents.count)) { parents.append(p) }
        return Location(
            region: region, server: server, state: state, openSeqNum: seq, split: proto.split, offline: proto.offline, daughters: daughters,
            mergeParents: parents)
    }

    /// Table states as HBase's TableState enum numbers them.
    public enum TableState: UInt8, Sendable {
        case enabled = 0, disabled = 1, disabling = 2, enabling = 3

        public var name: String {
            switch self {
            case .enabled: "ENABLED"
            case .disabled: "DISABLED"
            case .disabling: "DISABLING"
            case .enabling: "ENABLING"
            }
        }
    }

    /// The put recording a table's state: row = the table name, `table:state` = field 1 of TableState.
    public static func tableStatePut(_ table: TableName, _ state: TableState) -> Put {
        var put = Put(row: table.nameBytes)
        put.add(family: tableFamily, qualifier: tableStateQualifier, value: [0x08, state.rawValue])
        return put
    }

    /// The table state a table-state row records.
    public static func parseTableState(_ row: RowResult) throws -> TableState? {
        guard let v = row.value(family: tableFamily, qualifier: tableStateQualifier) else { return nil }
        if v.isEmpty { return .enabled }  // proto3 leaves a zero enum out
        guard v.count == 2, v[0] == 0x08, let s = TableState(rawValue: v[1]) else {
            throw ProtocolError(.malformedData, "table state of \(Bytes.toStringBinary(row.row)) does not decode: \(Bytes.toStringBinary(v))")
        }
        return s
    }

    /// The key a client's reversed meta scan starts from to find the region holding `row` of `table`:
    /// `table,row,99999999999999` (the closest region row at or before it holds the row).
    public static func searchKey(table: TableName, row: [UInt8]) -> [UInt8] {
        table.nameBytes + [UInt8(ascii: ",")] + row + Bytes.of(",99999999999999")
    }

    /// The first meta row key of a table (`table,,`): a locating scan stops there.
    public static func tableStart(_ table: TableName) -> [UInt8] {
        table.nameBytes + Bytes.of(",,")
    }

    /// A region info cell's value (`info:regioninfo`, a split daughter, a merge parent) with its offline
    /// and split flags; nil when the bytes do not decode.
    public static func regionInfo(fromCell bytes: [UInt8]) -> (region: RegionInfo, offline: Bool, split: Bool)? {
        guard let proto = try? PBUFCodec.decode(Basalt_RegionInfo.self, from: bytes), let info = try? proto.toRegionInfo() else { return nil }
        return (info, proto.offline, proto.split)
    }
}
