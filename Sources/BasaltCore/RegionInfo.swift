import Crypto

/// What identifies a region: its table, its key range [startKey, endKey) and its id (creation time in
/// ms). Its name is HBase's `table,startkey,regionid.ENCODED.` where ENCODED is the lowercase MD5 hex of
/// `table,startkey,regionid`. A value type; `Sendable`.
public struct RegionInfo: Sendable, Hashable, CustomStringConvertible {
    public let table: TableName
    public let startKey: [UInt8]
    /// Exclusive; empty means "to the end of the table".
    public let endKey: [UInt8]
    public let regionId: Int64
    /// The full region name bytes, `table,startkey,regionid.ENCODED.`.
    public let regionName: [UInt8]
    /// The 32-character MD5 hex that names the region's folder.
    public let encodedName: String
    /// How the table's rows sort (meta's order by parts for `hbase:meta`, bytes otherwise).
    public let rowOrder: RowOrder

    public init(table: TableName, startKey: [UInt8] = [], endKey: [UInt8] = [], regionId: Int64) {
        self.table = table
        self.startKey = startKey
        self.endKey = endKey
        self.regionId = regionId
        self.rowOrder = RowOrder(table: table)
        var base = table.nameBytes
        base.append(UInt8(ascii: ","))
        base.append(contentsOf: startKey)
        base.append(UInt8(ascii: ","))
        base.append(contentsOf: Array(String(regionId).utf8))
        let digest = Insecure.MD5.hash(data: base)
        let encoded = Bytes.hex(digest)
        self.encodedName = encoded
        var name = base
        name.append(UInt8(ascii: "."))
        name.append(contentsOf: Array(encoded.utf8))
        name.append(UInt8(ascii: "."))
        self.regionName = name
    }

    /// HBase's first (and only) meta region: an old-format name, `hbase:meta,,1`, whose encoded name is
    /// the Jenkins hash HBase has always used for it, `1588230740`. Its folder is `data/hbase/meta/1588230740`.
    public static let firstMeta = RegionInfo(meta: ())

    private init(meta: Void) {
        table = .meta
        startKey = []
        endKey = []
        regionId = 1
        rowOrder = .meta
        regionName = Array("hbase:meta,,1".utf8)
        encodedName = "1588230740"
    }

    public var encodedNameBytes: [UInt8] { Array(encodedName.utf8) }

    /// The encoded name inside a full region name (`table,startkey,regionid.ENCODED.`, or the old-format
    /// `hbase:meta,,1`), or nil when the bytes do not end that way.
    public static func encodedName(fromRegionName name: [UInt8]) -> String? {
        if name == firstMeta.regionName { return firstMeta.encodedName }
        let dot = UInt8(ascii: ".")
        guard name.count >= 34, name[name.count - 1] == dot, name[name.count - 34] == dot else { return nil }
        let hex = name[(name.count - 33)..<(name.count - 1)]
        guard hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        return String(decoding: hex, as: UTF8.self)
    }

    public var regionNameAsString: String { Bytes.toStringBinary(regionName) }

    /// Whether `row` falls in [startKey, endKey).
    public func contains(row: [UInt8]) -> Bool {
        rowOrder.compare(row, startKey) >= 0 && (endKey.isEmpty || rowOrder.compare(row, endKey) < 0)
    }

    public func contains(row: UnsafeRawBufferPointer) -> Bool {
        rowOrder.compare(row, startKey) >= 0 && (endKey.isEmpty || rowOrder.compare(row, endKey) < 0)
    }

    /// HBase's shell form: `{ENCODED => ..., NAME => '...', STARTKEY => '...', ENDKEY => '...'}`.
    public var description: String {
        "{ENCODED => \(encodedName), NAME => '\(regionNameAsString)', STARTKEY => '\(Bytes.toStringBinary(startKey))', ENDKEY => '\(Bytes.toStringBinary(endKey))'}"
    }
}
