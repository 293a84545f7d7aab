/// The kind of a cell: a value, or one of the four delete markers.
///
/// Raw values are HBase's KeyValue type codes; in the cell order a larger code sorts first at equal
/// timestamps, so a marker is met before the put it masks.
public enum CellType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// Sorts before every real type; used only in seek keys.
    case minimum = 0
    case put = 4
    /// Masks the put at exactly this timestamp in this column.
    case delete = 8
    /// Masks every column of the family at exactly this timestamp.
    case deleteFamilyVersion = 10
    /// Masks every version of this column at or below this timestamp.
    case deleteColumn = 12
    /// Masks every cell of the family at or below this timestamp.
    case deleteFamily = 14
    /// Sorts after every real type; used only in seek keys.
    case maximum = 255

    public var isDelete: Bool { self == .delete || self == .deleteColumn || self == .deleteFamily || self == .deleteFamilyVersion }

    public var description: String {
        switch self {
        case .minimum: "Minimum"
        case .put: "Put"
        case .delete: "Delete"
        case .deleteFamilyVersion: "DeleteFamilyVersion"
        case .deleteColumn: "DeleteColumn"
        case .deleteFamily: "DeleteFamily"
        case .maximum: "Maximum"
        }
    }
}
