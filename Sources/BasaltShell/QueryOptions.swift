import BasaltCore

/// Turns `get` and `scan` options (`{COLUMNS => [...], VERSIONS => 3, FILTER => "..."}`) into a `Get`
/// or `Scan`, with HBase's keys. Options HBase has that change nothing here (CONSISTENCY, ATTRIBUTES,
/// ...) are accepted and ignored; unknown keys are refused.
struct QueryOptions {
    var columns = ColumnSelection.all
    var converters: [[UInt8]: String] = [:]
    var maxVersions = 1
    var timeRange = TimeRange.all
    var filter: Filter?
    var maxLength: Int?

    static let ignored: Set<String> = [
        "CONSISTENCY", "REGION_REPLICA_ID", "ATTRIBUTES", "AUTHORIZATIONS", "ISOLATION_LEVEL", "READ_TYPE", "ALLOW_PARTIAL_RESULTS",
        "CACHE_BLOCKS", "FORMATTER", "FORMATTER_CLASS", "METRICS", "ALL_METRICS", "MAX_RESULT_SIZE",
    ]

    /// Reads a key this type knows; false when the key is not one of its.
    mutating func read(_ key: String, _ value: ShellValue) throws(ShellError) -> Bool {
        switch key {
        case "COLUMN", "COLUMNS":
            for c in value.asList { try addColumn(try c.asBytes("a column")) }
        case "VERSIONS": maxVersions = Int(try value.asInt("VERSIONS"))
        case "TIMESTAMP":
            let ts = try value.asInt("TIMESTAMP")
            do {
                timeRange = try TimeRange.at(ts)
            } catch {
                throw .arguments(ShellError.reason(error))
            }
        case "TIMERANGE":
            let bounds = value.asList
            guard bounds.count == 2 else { throw .arguments("TIMERANGE takes [from, to): two timestamps, got \(value)") }
            do {
                timeRange = try TimeRange(minimum: try bounds[0].asInt("TIMERANGE start"), maximum: try bounds[1].asInt("TIMERANGE end"))
            } catch let e as ShellError {
                throw e
            } catch {
                throw .arguments(ShellError.reason(error))
            }
        case "FILTER":
            guard let text = value.stringValue else { throw .arguments("FILTER takes a filter-language string such as \"PrefixFilter('r')\", not \(value)") }
            do {
                filter = try Filter(parsing: text)
            } catch {
                throw .arguments("Incorrect filter string \(text): \(ShellError.reason(error))")
            }
        case "MAXLENGTH": maxLength = Int(try value.asInt("MAXLENGTH"))
        default:
            return Self.ignored.contains(key)
        }
        guard maxVersions >= 1 else { throw .arguments("VERSIONS must be at least 1, got \(maxVersions)") }
        return true
    }

    mutating func addColumn(_ bytes: [UInt8]) throws(ShellError) {
        let spec = try ColumnSpec(bytes)
        spec.add(to: &columns)
        if let converter = spec.converter { converters[spec.family + [UInt8(ascii: ":")] + (spec.qualifier ?? [])] = converter }
    }

    /// A cell's value as text, through the column's converter if one was given.
    func show(_ cell: Cell) -> String {
        guard !converters.isEmpty else { return Bytes.toStringBinary(cell.value) }
        return ValueConverter.show(cell.value, converters[cell.family + [UInt8(ascii: ":")] + cell.qualifier])
    }

    /// `MAXLENGTH` cuts the cell text.
    func cut(_ text: String) -> String {
        guard let maxLength, maxLength >= 0, text.count > maxLength else { return text }
        return String(text.prefix(maxLength))
    }
}
