import BasaltCore
import Foundation
import SwiftProtobuf

// Filters and comparators as HBase sends them: a Java class name and that class's serialized message.
// Every filter `BasaltCore.Filter` has goes both ways; a class Basalt does not have is refused with a
// message naming it.

enum HBaseFilterClass {
    static let package = "org.apache.hadoop.hbase.filter."
    static let prefix = package + "PrefixFilter"
    static let row = package + "RowFilter"
    static let family = package + "FamilyFilter"
    static let qualifier = package + "QualifierFilter"
    static let value = package + "ValueFilter"
    static let columnPrefix = package + "ColumnPrefixFilter"
    static let multipleColumnPrefix = package + "MultipleColumnPrefixFilter"
    static let columnRange = package + "ColumnRangeFilter"
    static let keyOnly = package + "KeyOnlyFilter"
    static let firstKeyOnly = package + "FirstKeyOnlyFilter"
    static let page = package + "PageFilter"
    static let columnCountGet = package + "ColumnCountGetFilter"
    static let columnPagination = package + "ColumnPaginationFilter"
    static let timestamps = package + "TimestampsFilter"
    static let inclusiveStop = package + "InclusiveStopFilter"
    static let singleColumnValue = package + "SingleColumnValueFilter"
    static let singleColumnValueExclude = package + "SingleColumnValueExcludeFilter"
    static let list = package + "FilterList"
    static let skip = package + "SkipFilter"
    static let whileMatch = package + "WhileMatchFilter"

    static let binaryComparator = package + "BinaryComparator"
    static let binaryPrefixComparator = package + "BinaryPrefixComparator"
    static let regexComparator = package + "RegexStringComparator"
    static let substringComparator = package + "SubstringComparator"
    static let nullComparator = package + "NullComparator"
}

extension HBaseCompareType {
    public init(_ op: CompareOperator) {
        switch op {
        case .less: self = .less
        case .lessOrEqual: self = .lessOrEqual
        case .equal: self = .equal
        case .notEqual: self = .notEqual
        case .greaterOrEqual: self = .greaterOrEqual
        case .greater: self = .greater
        case .noOp: self = .noOp
        }
    }

    public var compareOperator: CompareOperator {
        switch self {
        case .less: .less
        case .lessOrEqual: .lessOrEqual
        case .equal: .equal
        case .notEqual: .notEqual
        case .greaterOrEqual: .greaterOrEqual
        case .greater: .greater
        case .noOp: .noOp
        }
    }
}

extension HBaseComparator {
    public init(_ c: ByteComparator) throws(ProtocolError) {
        self.init()
        do {
            switch c {
            case .binary(let v):
                name = HBaseFilterClass.binaryComparator
                var m = HBaseBinaryComparator()
                m.comparable.value = Data(v)
                serializedComparator = try m.serializedBytes()
            case .binaryPrefix(let v):
                name = HBaseFilterClass.binaryPrefixComparator
                var m = HBaseBinaryPrefixComparator()
                m.comparable.value = Data(v)
                serializedComparator = try m.serializedBytes()
            case .regex(let p):
                name = HBaseFilterClass.regexComparator
                var m = HBaseRegexStringComparator()
                m.pattern = p
                m.patternFlags = 0
                m.charset = "ISO-8859-1"
                serializedComparator = try m.serializedBytes()
            case .substring(let s):
                name = HBaseFilterClass.substringComparator
                var m = HBaseSubstringComparator()
                m.substr = s
                serializedComparator = try m.serializedBytes()
            }
        } catch {
            throw ProtocolError(.malformedData, "comparator \(c) does not encode: \(error)")
        }
    }

    /// The comparator; `NullComparator` (a missing or empty value) is nil.
    public func toByteComparator() throws(ProtocolError) -> ByteComparator? {
        switch name {
        case HBaseFilterClass.binaryComparator:
            return .binary(Array(try decodeFilterPart(HBaseBinaryComparator.self, serializedComparator, name).comparable.value))
        case HBaseFilterClass.binaryPrefixComparator:
            return .binaryPrefix(Array(try decodeFilterPart(HBaseBinaryPrefixComparator.self, serializedComparator, name).comparable.value))
        case HBaseFilterClass.regexComparator:
            return .regex(try decodeFilterPart(HBaseRegexStringComparator.self, serializedComparator, name).pattern)
        case HBaseFilterClass.substringComparator:
            return .substring(try decodeFilterPart(HBaseSubstringComparator.self, serializedComparator, name).substr.lowercased())
        case HBaseFilterClass.nullComparator:
            return nil
        default:
            throw ProtocolError(.malformedRequest, "comparator \(name) is not supported by Basalt")
        }
    }

    /// The comparator of a filter, which must not be `NullComparator`.
    func filterComparator(_ filter: String) throws(ProtocolError) -> ByteComparator {
        guard let c = try toByteComparator() else {
            throw ProtocolError(.malformedRequest, "\(filter) with a NullComparator is not supported by Basalt")
        }
        return c
    }
}

func decodeFilterPart<M: SwiftProtobuf.Message>(_ type: M.Type, _ bytes: Data, _ name: String) throws(ProtocolError) -> M {
    do {
        return try M(serializedBytes: bytes)
    } catch {
        throw ProtocolError(.malformedRequest, "\(name) does not decode: \(error)")
    }
}

extension HBaseFilter {
    public init(_ f: Filter) throws(ProtocolError) {
        self.init()
        func set(_ className: String, _ m: some SwiftProtobuf.Message) throws(ProtocolError) {
            name = className
            do { serializedFilter = try m.serializedBytes() } catch { throw ProtocolError(.malformedData, "\(className) does not encode: \(error)") }
        }
        func compare(_ op: CompareOperator, _ c: ByteComparator) throws(ProtocolError) -> HBaseCompareFilter {
            var cf = HBaseCompareFilter()
            cf.compareOp = HBaseCompareType(op)
            cf.comparator = try HBaseComparator(c)
            return cf
        }
        switch f {
        case .prefix(let p):
            var m = HBasePrefixFilter()
            m.prefix = Data(p)
            try set(HBaseFilterClass.prefix, m)
        case .row(let op, let c):
            var m = HBaseRowFilter()
            m.compareFilter = try compare(op, c)
            try set(HBaseFilterClass.row, m)
        case .family(let op, let c):
            var m = HBaseFamilyFilter()
            m.compareFilter = try compare(op, c)
            try set(HBaseFilterClass.family, m)
        case .qualifier(let op, let c):
            var m = HBaseQualifierFilter()
            m.compareFilter = try compare(op, c)
            try set(HBaseFilterClass.qualifier, m)
        case .value(let op, let c):
            var m = HBaseValueFilter()
            m.compareFilter = try compare(op, c)
            try set(HBaseFilterClass.value, m)
        case .columnPrefix(let p):
            var m = HBaseColumnPrefixFilter()
            m.prefix = Data(p)
            try set(HBaseFilterClass.columnPrefix, m)
        case .multipleColumnPrefix(let ps):
            var m = HBaseMultipleColumnPrefixFilter()
            m.sortedPrefixes = ps.sorted { CellComparator.compareBytes($0, $1) < 0 }.map { Data($0) }
            try set(HBaseFilterClass.multipleColumnPrefix, m)
        case .columnRange(let mn, let mni, let mx, let mxi):
            var m = HBaseColumnRangeFilter()
            if !mn.isEmpty { m.minColumn = Data(mn) }
            m.minColumnInclusive = mni
            if !mx.isEmpty { m.maxColumn = Data(mx) }
            m.maxColumnInclusive = mxi
            try set(HBaseFilterClass.columnRange, m)
        case .keyOnly(let lengthAsValue):
            var m = HBaseKeyOnlyFilter()
            m.lenAsVal = lengthAsValue
            try set(HBaseFilterClass.keyOnly, m)
        case .firstKeyOnly:
            try set(HBaseFilterClass.firstKeyOnly, HBaseFirstKeyOnlyFilter())
        case .page(let n):
            var m = HBasePageFilter()
            m.pageSize = Int64(n)
            try set(HBaseFilterClass.page, m)
        case .columnCountGet(let n):
            var m = HBaseColumnCountGetFilter()
            m.limit = Int32(clamping: n)
            try set(HBaseFilterClass.columnCountGet, m)
        case .columnPagination(let limit, let offset):
            var m = HBaseColumnPaginationFilter()
            m.limit = Int32(clamping: limit)
            m.offset = Int32(clamping: offset)
            try set(HBaseFilterClass.columnPagination, m)
        case .timestamps(let ts):
            var m = HBaseTimestampsFilter()
            m.timestamps = ts.sorted()
            try set(HBaseFilterClass.timestamps, m)
        case .inclusiveStop(let row):
            var m = HBaseInclusiveStopFilter()
            m.stopRowKey = Data(row)
            try set(HBaseFilterClass.inclusiveStop, m)
        case .singleColumnValue(let family, let qualifier, let op, let c, let filterIfMissing, let latestVersionOnly, let exclude):
            var m = HBaseSingleColumnValueFilter()
            m.columnFamily = Data(family)
            m.columnQualifier = Data(qualifier)
            m.compareOp = HBaseCompareType(op)
            m.comparator = try HBaseComparator(c)
            m.filterIfMissing = filterIfMissing
            m.latestVersionOnly = latestVersionOnly
            if exclude {
                var x = HBaseSingleColumnValueExcludeFilter()
                x.singleColumnValueFilter = m
                try set(HBaseFilterClass.singleColumnValueExclude, x)
            } else {
                try set(HBaseFilterClass.singleColumnValue, m)
            }
        case .and(let children), .or(let children):
            var m = HBaseFilterList()
            if case .and = f { m.operator = .mustPassAll } else { m.operator = .mustPassOne }
            for c in children { m.filters.append(try HBaseFilter(c)) }
            try set(HBaseFilterClass.list, m)
        case .skip(let inner):
            var m = HBaseSkipFilter()
            m.filter = try HBaseFilter(inner)
            try set(HBaseFilterClass.skip, m)
        case .while(let inner):
            var m = HBaseWhileMatchFilter()
            m.filter = try HBaseFilter(inner)
            try set(HBaseFilterClass.whileMatch, m)
        }
    }

    /// The filter, or a `.malformedRequest` naming a class Basalt does not have.
    public func toFilter() throws(ProtocolError) -> Filter {
        let bytes = serializedFilter
        func part<M: SwiftProtobuf.Message>(_ t: M.Type) throws(ProtocolError) -> M { try decodeFilterPart(t, bytes, name) }
        switch name {
        case HBaseFilterClass.prefix: return .prefix(Array(try part(HBasePrefixFilter.self).prefix))
        case HBaseFilterClass.row:
            let cf = try part(HBaseRowFilter.self).compareFilter
            return .row(cf.compareOp.compareOperator, try cf.comparator.filterComparator(name))
        case HBaseFilterClass.family:
            let cf = try part(HBaseFamilyFilter.self).compareFilter
            return .family(cf.compareOp.compareOperator, try cf.comparator.filterComparator(name))
        case HBaseFilterClass.qualifier:
            let cf = try part(HBaseQualifierFilter.self).compareFilter
            return .qualifier(cf.compareOp.compareOperator, try cf.comparator.filterComparator(name))
        case HBaseFilterClass.value:
            let cf = try part(HBaseValueFilter.self).compareFilter
            return .value(cf.compareOp.compareOperator, try cf.comparator.filterComparator(name))
        case HBaseFilterClass.columnPrefix: return .columnPrefix(Array(try part(HBaseColumnPrefixFilter.self).prefix))
        case HBaseFilterClass.multipleColumnPrefix:
            return .multipleColumnPrefix(try part(HBaseMultipleColumnPrefixFilter.self).sortedPrefixes.map { Array($0) })
        case HBaseFilterClass.columnRange:
            let m = try part(HBaseColumnRangeFilter.self)
            return .columnRange(min: Array(m.minColumn), minInclusive: m.minColumnInclusive, max: Array(m.maxColumn), maxInclusive: m.maxColumnInclusive)
        case HBaseFilterClass.keyOnly: return .keyOnly(lengthAsValue: try part(HBaseKeyOnlyFilter.self).lenAsVal)
        case HBaseFilterClass.firstKeyOnly: return .firstKeyOnly
        case HBaseFilterClass.page:
            let n = try part(HBasePageFilter.self).pageSize
            guard n >= 0 else { throw ProtocolError(.malformedRequest, "PageFilter's page size must not be negative, got \(n)") }
            return .page(Int(n))
        case HBaseFilterClass.columnCountGet:
            let n = try part(HBaseColumnCountGetFilter.self).limit
            guard n >= 0 else { throw ProtocolError(.malformedRequest, "ColumnCountGetFilter's limit must not be negative, got \(n)") }
            return .columnCountGet(Int(n))
        case HBaseFilterClass.columnPagination:
            let m = try part(HBaseColumnPaginationFilter.self)
            guard m.limit >= 0, m.offset >= 0 else { throw ProtocolError(.malformedRequest, "ColumnPaginationFilter's limit and offset must not be negative") }
            if m.hasColumnOffset { throw ProtocolError(.malformedRequest, "ColumnPaginationFilter with a column offset is not supported by Basalt") }
            return .columnPagination(limit: Int(m.limit), offset: Int(m.offset))
        case HBaseFilterClass.timestamps: return .timestamps(try part(HBaseTimestampsFilter.self).timestamps)
        case HBaseFilterClass.inclusiveStop: return .inclusiveStop(Array(try part(HBaseInclusiveStopFilter.self).stopRowKey))
        case HBaseFilterClass.singleColumnValue:
            return try Self.singleColumnValue(try part(HBaseSingleColumnValueFilter.self), exclude: false, name)
        case HBaseFilterClass.singleColumnValueExclude:
            return try Self.singleColumnValue(try part(HBaseSingleColumnValueExcludeFilter.self).singleColumnValueFilter, exclude: true, name)
        case HBaseFilterClass.list:
            let m = try part(HBaseFilterList.self)
            var children: [Filter] = []
            for c in m.filters { children.append(try c.toFilter()) }
            return m.operator == .mustPassOne ? .or(children) : .and(children)
        case HBaseFilterClass.skip: return .skip(try part(HBaseSkipFilter.self).filter.toFilter())
        case HBaseFilterClass.whileMatch: return .while(try part(HBaseWhileMatchFilter.self).filter.toFilter())
        default:
            throw ProtocolError(.malformedRequest, "filter \(name) is not supported by Basalt")
        }
    }

    private static func singleColumnValue(_ m: HBaseSingleColumnValueFilter, exclude: Bool, _ name: String) throws(ProtocolError) -> Filter {
        .singleColumnValue(
            family: Array(m.columnFamily), qualifier: Array(m.columnQualifier), op: m.compareOp.compareOperator,
            comparator: try m.comparator.filterComparator(name), filterIfMissing: m.filterIfMissing,
            latestVersionOnly: m.hasLatestVersionOnly ? m.latestVersionOnly : true, exclude: exclude)
    }
}
