import Foundation

/// How a filter compares bytes (HBase's comparators, as the filter language names them:
/// `binary:`, `binaryprefix:`, `regexstring:`, `substring:`). A value type.
public enum ByteComparator: Sendable, Hashable {
    case binary([UInt8])
    case binaryPrefix([UInt8])
    /// Matches when the pattern is found anywhere in the value (read as ISO-8859-1, as HBase does).
    case regex(String)
    /// Matches when the value contains the text, ignoring case.
    case substring(String)

    /// Parses `type:value` as the filter language writes a comparator.
    public init(language text: [UInt8]) throws {
        guard let colon = text.firstIndex(of: UInt8(ascii: ":")) else {
            throw CoreError(.invalidArgument, "a comparator is written type:value (binary, binaryprefix, regexstring, substring), got '\(Bytes.toStringBinary(text))'")
        }
        let kind = String(decoding: text[..<colon], as: UTF8.self).lowercased()
        let value = Array(text[(colon + 1)...])
        switch kind {
        case "binary": self = .binary(value)
        case "binaryprefix": self = .binaryPrefix(value)
        case "regexstring":
            let pattern = String(decoding: value, as: UTF8.self)
            do { _ = try NSRegularExpression(pattern: pattern) } catch {
                throw CoreError(.invalidArgument, "'\(pattern)' is not a regular expression")
            }
            self = .regex(pattern)
        case "substring": self = .substring(String(decoding: value, as: UTF8.self).lowercased())
        default:
            throw CoreError(.invalidArgument, "unknown comparator type '\(kind)': use binary, binaryprefix, regexstring or substring")
        }
    }

    /// The `type:value` form.
    public var language: [UInt8] {
        switch self {
        case .binary(let v): Bytes.of("binary:") + v
        case .binaryPrefix(let v): Bytes.of("binaryprefix:") + v
        case .regex(let p): Bytes.of("regexstring:" + p)
        case .substring(let s): Bytes.of("substring:" + s)
        }
    }
}

/// A server-side filter: the filters of HBase's filter language and its four combinators. Clients build
/// one directly or parse the language (`Filter(parsing:)`); the region scanner applies it row by row.
/// A value type.
public indirect enum Filter: Sendable, Hashable {
    /// Rows whose key starts with the prefix.
    case prefix([UInt8])
    /// Rows whose key compares as asked: `row OP comparator`.
    case row(CompareOperator, ByteComparator)
    case family(CompareOperator, ByteComparator)
    case qualifier(CompareOperator, ByteComparator)
    case value(CompareOperator, ByteComparator)
    case columnPrefix([UInt8])
    case multipleColumnPrefix([[UInt8]])
    case columnRange(min: [UInt8], minInclusive: Bool, max: [UInt8], maxInclusive: Bool)
    /// Cells without their values (or with the value's 4-byte length as the value).
    case keyOnly(lengthAsValue: Bool)
    /// The first cell of each row.
    case firstKeyOnly
    /// At most this many rows (per region, as in HBase).
    case page(Int)
    /// The first N columns of a row; the scan ends after a row that had more.
    case columnCountGet(Int)
    case columnPagination(limit: Int, offset: Int)
    case timestamps([Int64])
    /// Rows up to and including the stop row.
    case inclusiveStop([UInt8])
    /// Rows whose column compares as asked (rows without it pass unless `filterIfMissing`); with
    /// `exclude`, the tested column is left out of the result (SingleColumnValueExcludeFilter).
    case singleColumnValue(family: [UInt8], qualifier: [UInt8], op: CompareOperator, comparator: ByteComparator, filterIfMissing: Bool, latestVersionOnly: Bool, exclude: Bool)
    case and([Filter])
    case or([Filter])
    /// Skips a whole row when the inner filter would drop any of its cells.
    case skip(Filter)
    /// Ends the scan at the first row the inner filter would drop anything of.
    case `while`(Filter)
}
