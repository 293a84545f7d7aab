/// A table's schema: its name, its column families and table-wide settings. A value type; `Sendable`.
public struct TableDescriptor: Sendable, Hashable {
    public var name: TableName
    /// Families sorted by name.
    public private(set) var families: [ColumnFamilyDescriptor]
    public var durability: Durability = .useDefault
    /// Table attributes Basalt does not interpret, kept as given (see `ColumnFamilyDescriptor.otherAttributes`).
    public var otherAttributes: [[UInt8]: [UInt8]] = [:]
    /// The table's configuration overrides, kept as given.
    public var configuration: [String: String] = [:]

    public init(name: TableName, families: [ColumnFamilyDescriptor]) throws {
        self.name = name
        self.families = []
        for f in families { try addFamily(f) }
        guard !self.families.isEmpty else {
            throw CoreError(.invalidArgument, "table '\(name)' needs at least one column family")
        }
    }

    public mutating func addFamily(_ family: ColumnFamilyDescriptor) throws {
        try family.validate()
        if self.family(named: family.name) != nil {
            throw CoreError(.invalidArgument, "column family '\(family.nameAsString)' is given twice")
        }
        families.append(family)
        families.sort { CellComparator.compareBytes($0.name, $1.name) < 0 }
    }

    public func family(named name: [UInt8]) -> ColumnFamilyDescriptor? { families.first { $0.name == name } }

    /// Replaces the family of the same name, or adds it.
    public mutating func setFamily(_ family: ColumnFamilyDescriptor) throws {
        try family.validate()
        families.removeAll { $0.name == family.name }
        try addFamily(family)
    }

    /// Removes a family; a table keeps at least one.
    public mutating func removeFamily(named name: [UInt8]) throws {
        guard family(named: name) != nil else {
            throw CoreError(.invalidArgument, "table '\(self.name)' has no column family '\(Bytes.toStringBinary(name))'")
        }
        guard families.count > 1 else {
            throw CoreError(.invalidArgument, "column family '\(Bytes.toStringBinary(name))' is the last of table '\(self.name)': a table needs at least one")
        }
        families.removeAll { $0.name == name }
    }
}
