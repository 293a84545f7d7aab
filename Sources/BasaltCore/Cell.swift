/// One versioned value (or delete marker) of one column of one row: HBase's KeyValue as a Swift value.
///
/// The public, owning form of a cell, used in mutations and results. The engine keeps cells in the
/// flat `EncodedCell` layout and only builds `Cell`s at the API boundary. A value type; `Sendable`.
public struct Cell: Sendable, Hashable, CustomStringConvertible {
    /// Timestamp meaning "the server's current time": replaced when the mutation is applied.
    public static let latestTimestamp = Int64.max

    public var row: [UInt8]
    public var family: [UInt8]
    public var qualifier: [UInt8]
    public var timestamp: Int64
    public var type: CellType
    public var value: [UInt8]
    /// The region sequence id (MVCC write number) the cell was written with; 0 before it is written.
    public var sequenceId: UInt64

    public init(
        row: [UInt8], family: [UInt8], qualifier: [UInt8], timestamp: Int64 = Cell.latestTimestamp,
        type: CellType = .put, value: [UInt8] = [], sequenceId: UInt64 = 0
    ) {
        self.row = row
        self.family = family
        self.qualifier = qualifier
        self.timestamp = timestamp
        self.type = type
        self.value = value
        self.sequenceId = sequenceId
    }

    /// Bytes this cell takes in the `EncodedCell` layout.
    public var encodedLength: Int {
        EncodedCell.headerLength + EncodedCell.keyLength(rowLength: row.count, familyLength: family.count, qualifierLength: qualifier.count)
            + value.count
    }

    public var description: String {
        "\(Bytes.toStringBinary(row))/\(Bytes.toStringBinary(family)):\(Bytes.toStringBinary(qualifier))/\(timestamp)/\(type)/vlen=\(value.count)/seqid=\(sequenceId)"
    }
}

extension Cell: Comparable {
    /// HBase's order: row ↑, family ↑, qualifier ↑, timestamp ↓, type ↓, then sequence id ↓.
    public static func < (a: Cell, b: Cell) -> Bool { CellComparator.compare(a, b) < 0 }
}
