/// A change to one row: a put or a delete. What a batch (`mutateRows`) carries.
public enum Mutation: Sendable, Hashable {
    case put(Put)
    case delete(Delete)

    public var row: [UInt8] {
        switch self {
        case .put(let p): p.row
        case .delete(let d): d.row
        }
    }

    public var durability: Durability {
        switch self {
        case .put(let p): p.durability
        case .delete(let d): d.durability
        }
    }
}

/// Values to write into one row (HBase's `Put`). Cells without a timestamp get the put's timestamp,
/// and that defaults to the server's time when the put is applied. A value type.
public struct Put: Sendable, Hashable {
    public var row: [UInt8]
    public var timestamp: Int64
    public var durability: Durability = .useDefault
    public private(set) var cells: [Cell] = []

    public init(row: [UInt8], timestamp: Int64 = Cell.latestTimestamp) {
        self.row = row
        self.timestamp = timestamp
    }

    public var isEmpty: Bool { cells.isEmpty }

    @discardableResult
    public mutating func add(family: [UInt8], qualifier: [UInt8], value: [UInt8], timestamp: Int64? = nil) -> Self {
        cells.append(Cell(row: row, family: family, qualifier: qualifier, timestamp: timestamp ?? self.timestamp, type: .put, value: value))
        return self
    }

    /// Bytes the put's cells take in the encoded layout, for write-buffer accounting.
    public var heapSize: Int { cells.reduce(0) { $0 + $1.encodedLength } }
}

/// Markers to delete from one row (HBase 2.x's `Delete`). With no entries it deletes the whole row (every
/// family) at or below its timestamp. A value type.
public struct Delete: Sendable, Hashable {
    public var row: [UInt8]
    public var timestamp: Int64
    public var durability: Durability = .useDefault
    /// Marker cells; a `.delete` marker at `Cell.latestTimestamp` means "the latest version".
    public private(set) var markers: [Cell] = []

    public init(row: [UInt8], timestamp: Int64 = Cell.latestTimestamp) {
        self.row = row
        self.timestamp = timestamp
    }

    public var isEmpty: Bool { markers.isEmpty }

    /// One version of a column: the latest, or the one at `timestamp`.
    @discardableResult
    public mutating func addColumn(family: [UInt8], qualifier: [UInt8], timestamp: Int64? = nil) -> Self {
        markers.append(Cell(row: row, family: family, qualifier: qualifier, timestamp: timestamp ?? self.timestamp, type: .delete))
        return self
    }

    /// Every version of a column at or below the timestamp.
    @discardableResult
    public mutating func addColumns(family: [UInt8], qualifier: [UInt8], timestamp: Int64? = nil) -> Self {
        markers.append(Cell(row: row, family: family, qualifier: qualifier, timestamp: timestamp ?? self.timestamp, type: .deleteColumn))
        return self
    }

    /// Every cell of a family at or below the timestamp.
    @discardableResult
    public mutating func addFamily(family: [UInt8], timestamp: Int64? = nil) -> Self {
        markers.append(Cell(row: row, family: family, qualifier: [], timestamp: timestamp ?? self.timestamp, type: .deleteFamily))
        return self
    }

    /// Every column of a family at exactly the timestamp.
    @discardableResult
    public mutating func addFamilyVersion(family: [UInt8], timestamp: Int64) -> Self {
        markers.append(Cell(row: row, family: family, qualifier: [], timestamp: timestamp, type: .deleteFamilyVersion))
        return self
    }
}

/// Adds amounts to 8-byte big-endian counters in one row, atomically (HBase's `Increment`).
public struct Increment: Sendable, Hashable {
    public var row: [UInt8]
    public var durability: Durability = .useDefault
    public private(set) var columns: [(family: [UInt8], qualifier: [UInt8], amount: Int64)] = []

    public init(row: [UInt8]) { self.row = row }

    @discardableResult
    public mutating func add(family: [UInt8], qualifier: [UInt8], amount: Int64) -> Self {
        columns.append((family, qualifier, amount))
        return self
    }

    public static func == (a: Increment, b: Increment) -> Bool {
        a.row == b.row && a.durability == b.durability && a.columns.elementsEqual(b.columns) { $0 == $1 }
    }

    public func hash(into h: inout Hasher) { h.combine(row) }
}

/// Appends bytes to the current values of columns in one row, atomically (HBase's `Append`).
public struct Append: Sendable, Hashable {
    public var row: [UInt8]
    public var durability: Durability = .useDefault
    public private(set) var columns: [(family: [UInt8], qualifier: [UInt8], value: [UInt8])] = []

    public init(row: [UInt8]) { self.row = row }

    @discardableResult
    public mutating func add(family: [UInt8], qualifier: [UInt8], value: [UInt8]) -> Self {
        columns.append((family, qualifier, value))
        return self
    }

    public static func == (a: Append, b: Append) -> Bool {
        a.row == b.row && a.durability == b.durability && a.columns.elementsEqual(b.columns) { $0 == $1 }
    }

    public func hash(into h: inout Hasher) { h.combine(row) }
}

/// How `checkAndMutate` compares. As in HBase, the operator reads left to right from the expected value:
/// `LESS` holds when the expected value is less than the current one.
public enum CompareOperator: String, Sendable, CaseIterable {
    case less = "LESS", lessOrEqual = "LESS_OR_EQUAL", equal = "EQUAL", notEqual = "NOT_EQUAL"
    case greaterOrEqual = "GREATER_OR_EQUAL", greater = "GREATER", noOp = "NO_OP"

    /// Whether `expected OP current` holds, comparing bytes unsigned.
    public func matches(current: [UInt8], expected: [UInt8]) -> Bool {
        holds(CellComparator.compareBytes(expected, current))
    }

    /// Whether the operator accepts a comparison result (`left OP right` where `c` is left compared to right).
    public func holds(_ c: Int) -> Bool {
        switch self {
        case .less: return c < 0
        case .lessOrEqual: return c <= 0
        case .equal: return c == 0
        case .notEqual: return c != 0
        case .greaterOrEqual: return c >= 0
        case .greater: return c > 0
        case .noOp: return false
        }
    }
}

/// A conditional change to one row: applied only when the named cell compares as asked, all under the
/// row lock. `expected == nil` checks that the cell does not exist.
public struct CheckAndMutate: Sendable, Hashable {
    public var row: [UInt8]
    public var family: [UInt8]
    public var qualifier: [UInt8]
    public var compareOperator: CompareOperator
    public var expected: [UInt8]?
    public var mutations: [Mutation]

    public init(row: [UInt8], family: [UInt8], qualifier: [UInt8], compareOperator: CompareOperator = .equal, expected: [UInt8]?, mutations: [Mutation]) {
        self.row = row
        self.family = family
        self.qualifier = qualifier
        self.compareOperator = compareOperator
        self.expected = expected
        self.mutations = mutations
    }
}
