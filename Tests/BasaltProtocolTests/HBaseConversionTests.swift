import BasaltCore
import BasaltProtocol
import Foundation
import NIOCore
import SwiftProtobuf
import Testing

/// `BasaltCore` values to and from HBase's messages: mutations in both of HBase's forms (cells in the
/// message, or in the cell block), reads with proto2's defaults, and every filter Basalt has.
@Suite struct HBaseConversionTests {
    static let f = b("f"), q = b("q")

    @Test func mutationsRoundTripThroughTheMessage() throws {
        var put = Put(row: b("r1"))
        put.add(family: Self.f, qualifier: Self.q, value: b("v1"))
        put.add(family: Self.f, qualifier: b("q2"), value: b("v2"), timestamp: 42)
        put.add(family: b("g"), qualifier: Self.q, value: [])
        put.durability = .fsyncWAL
        #expect(try HBaseMutationProto(put: put).toMutation() == .put(put))

        var del = Delete(row: b("r2"))
        del.addColumn(family: Self.f, qualifier: Self.q)
        del.addColumn(family: Self.f, qualifier: b("x"), timestamp: 7)
        del.addColumns(family: Self.f, qualifier: b("y"), timestamp: 8)
        del.addFamily(family: b("g"))
        del.addFamilyVersion(family: b("h"), timestamp: 9)
        #expect(try HBaseMutationProto(delete: del).toMutation() == .delete(del))
        let wholeRow = Delete(row: b("r3"), timestamp: 99)
        #expect(try HBaseMutationProto(delete: wholeRow).toMutation() == .delete(wholeRow))

        var inc = Increment(row: b("r4"))
        inc.add(family: Self.f, qualifier: Self.q, amount: -3)
        #expect(try HBaseMutationProto(inc).toMutation() == .increment(inc))
        var app = Append(row: b("r5"))
        app.add(family: Self.f, qualifier: Self.q, value: b("tail"))
        #expect(try HBaseMutationProto(app).toMutation() == .append(app))
    }

    /// What a Java client sends: absent timestamps mean "latest", an absent delete type means "one
    /// version", and the mutation's own timestamp is the default for its cells.
    @Test func proto2AbsenceKeepsHBasesMeaning() throws {
        var m = HBaseMutationProto()
        m.row = Data("r".utf8)
        m.mutateType = .delete
        var cv = HBaseMutationProto.ColumnValue()
        cv.family = Data("f".utf8)
        var qv = HBaseMutationProto.ColumnValue.QualifierValue()
        qv.qualifier = Data("q".utf8)
        cv.qualifierValue = [qv]
        m.columnValue = [cv]
        guard case .delete(let d) = try m.toMutation() else { Issue.record("not a delete"); return }
        #expect(d.markers.count == 1 && d.markers[0].type == .delete && d.markers[0].timestamp == Cell.latestTimestamp)
        m.timestamp = 500
        guard case .delete(let d2) = try m.toMutation() else { Issue.record("not a delete"); return }
        #expect(d2.markers[0].timestamp == 500)

        var get = HBaseGet()
        get.row = Data("r".utf8)
        let g = try get.toGet()
        #expect(g.maxVersions == 1 && g.timeRange.isAll && g.columns.isAll)
        let scan = try HBaseScan().toScan()
        #expect(scan.includeStartRow && !scan.includeStopRow && scan.maxVersions == 1 && scan.cacheBlocks && !scan.reversed)
        var closest = HBaseGet()
        closest.row = Data("r".utf8)
        closest.closestRowBefore = true
        #expect(throws: ProtocolError.self) { _ = try closest.toGet() }
    }

    /// The cell-block form: the mutation says how many cells are its own, and they come from the block.
    @Test func mutationsWhoseCellsAreInTheCellBlock() throws {
        var m = HBaseMutationProto()
        m.row = Data("r".utf8)
        m.mutateType = .delete
        m.associatedCellCount = 2
        let cells = [
            Cell(row: b("r"), family: Self.f, qualifier: Self.q, timestamp: 5, type: .deleteColumn),
            Cell(row: b("r"), family: b("g"), qualifier: [], timestamp: 6, type: .deleteFamily),
        ]
        var block = ByteBuffer()
        for c in cells { KeyValueCodec.write(c, into: &block) }
        let read = try KeyValueCodec.read(&block, count: Int(m.associatedCellCount))
        guard case .delete(let d) = try m.toMutation(blockCells: read) else { Issue.record("not a delete"); return }
        #expect(d.markers.map(\.type) == [.deleteColumn, .deleteFamily])
        #expect(d.markers.map(\.timestamp) == [5, 6])
        // A cell of another row is refused.
        #expect(throws: ProtocolError.self) { _ = try m.toMutation(blockCells: [Cell(row: b("other"), family: Self.f, qualifier: Self.q)]) }
    }

    @Test func readsRoundTrip() throws {
        var get = Get(row: b("r"))
        get.columns.addFamily(Self.f)
        get.columns.addColumn(family: b("g"), qualifier: Self.q)
        get.maxVersions = 3
        get.timeRange = try TimeRange(minimum: 5, maximum: 10)
        get.filter = .keyOnly(lengthAsValue: true)
        #expect(try HBaseGet(get).toGet() == get)

        var scan = Scan(startRow: [0x00, 0x2C], stopRow: [0xFF])
        scan.includeStartRow = false
        scan.includeStopRow = true
        scan.reversed = true
        scan.raw = true
        scan.cacheBlocks = false
        scan.maxVersions = 2
        scan.filter = .and([.prefix(b("a")), .or([.page(3), .firstKeyOnly])])
        #expect(try HBaseScan(scan).toScan() == scan)
    }

    @Test func schemasRoundTripAndKeepWhatBasaltDoesNotInterpret() throws {
        var a = ColumnFamilyDescriptor("a")
        a.maxVersions = 5
        a.minVersions = 1
        a.timeToLive = 3600
        a.keepDeletedCells = .ttl
        a.bloomFilter = .rowcol
        a.blockSize = 8192
        a.inMemory = true
        a.blockCache = false
        a.compression = "SNAPPY"
        a.otherAttributes[b("max_versions")] = b("5")
        a.configuration["x"] = "y"
        var d = try TableDescriptor(name: try TableName(namespace: "ns", qualifier: "t"), families: [a, ColumnFamilyDescriptor("b")])
        d.durability = .fsyncWAL
        d.otherAttributes[b("OWNER")] = b("me")
        #expect(try HBaseTableSchema(d).toDescriptor() == d)

        // As the Java client sends a family: every setting as an attribute, some Basalt does not know.
        var family = HBaseColumnFamilySchema()
        family.name = Data("f".utf8)
        for (k, v) in [("VERSIONS", "3"), ("TTL", "FOREVER"), ("BLOOMFILTER", "ROW"), ("DATA_BLOCK_ENCODING", "NONE"), ("REPLICATION_SCOPE", "0"), ("compression_type", "LZO")] {
            var p = HBaseBytesBytesPair()
            p.first = Data(k.utf8)
            p.second = Data(v.utf8)
            family.attributes.append(p)
        }
        let f = try family.toDescriptor()
        #expect(f.maxVersions == 3 && f.timeToLive == ColumnFamilyDescriptor.forever && f.bloomFilter == .row)
        #expect(f.otherAttributes == [b("DATA_BLOCK_ENCODING"): b("NONE"), b("REPLICATION_SCOPE"): b("0"), b("compression_type"): b("LZO")])
        var bad = family
        var p = HBaseBytesBytesPair()
        p.first = Data("VERSIONS".utf8)
        p.second = Data("many".utf8)
        bad.attributes.append(p)
        let e = #expect(throws: ProtocolError.self) { _ = try bad.toDescriptor() }
        #expect(e?.message.contains("VERSIONS") == true)

        let region = RegionInfo(table: try TableName("t"), startKey: [0x00], endKey: [0x2C], regionId: 1_700_000_000_000)
        #expect(try HBaseRegionInfo(region).toRegionInfo() == region)
        #expect(try HBaseRegionInfo(.firstMeta).toRegionInfo() == .firstMeta)
    }

    static let everyFilter: [Filter] = [
        .prefix(b("ab")),
        .row(.less, .binary(b("m"))),
        .family(.equal, .binaryPrefix(b("f"))),
        .qualifier(.notEqual, .regex("q[0-9]+")),
        .value(.greaterOrEqual, .substring("abc")),
        .columnPrefix(b("c")),
        .multipleColumnPrefix([b("a"), b("b")]),
        .columnRange(min: b("a"), minInclusive: true, max: b("k"), maxInclusive: false),
        .keyOnly(lengthAsValue: false),
        .firstKeyOnly,
        .page(10),
        .columnCountGet(2),
        .columnPagination(limit: 3, offset: 1),
        .timestamps([1, 5, 9]),
        .inclusiveStop(b("z")),
        .singleColumnValue(family: b("f"), qualifier: b("q"), op: .equal, comparator: .binary(b("v")), filterIfMissing: true, latestVersionOnly: false, exclude: false),
        .singleColumnValue(family: b("f"), qualifier: b("q"), op: .greater, comparator: .binary(b("v")), filterIfMissing: false, latestVersionOnly: true, exclude: true),
        .and([.prefix(b("a")), .or([.firstKeyOnly, .skip(.value(.equal, .binary(b("x"))))])]),
        .while(.row(.lessOrEqual, .binary(b("q")))),
    ]

    @Test(arguments: everyFilter)
    func everyFilterRoundTrips(_ filter: Filter) throws {
        let proto = try HBaseFilter(filter)
        #expect(proto.name.hasPrefix("org.apache.hadoop.hbase.filter."))
        let bytes: [UInt8] = try proto.serializedBytes()
        #expect(try HBaseFilter(serializedBytes: bytes).toFilter() == filter)
    }

    /// The bytes a Java client sends for `new PrefixFilter("ab")` and `new RowFilter(EQUAL, new
    /// BinaryComparator("m"))`, worked out from HBase's messages.
    @Test func filtersAsJavaClientsSendThem() throws {
        var prefix = HBaseFilter()
        prefix.name = "org.apache.hadoop.hbase.filter.PrefixFilter"
        prefix.serializedFilter = Data([0x0a, 0x02, 0x61, 0x62])
        #expect(try prefix.toFilter() == .prefix(b("ab")))
        var comparator = HBaseComparator()
        comparator.name = "org.apache.hadoop.hbase.filter.BinaryComparator"
        comparator.serializedComparator = Data([0x0a, 0x03, 0x0a, 0x01, 0x6d])
        var cf = HBaseCompareFilter()
        cf.compareOp = .equal
        cf.comparator = comparator
        var rowFilter = HBaseRowFilter()
        rowFilter.compareFilter = cf
        var row = HBaseFilter()
        row.name = "org.apache.hadoop.hbase.filter.RowFilter"
        row.serializedFilter = try rowFilter.serializedBytes()
        #expect(try row.toFilter() == .row(.equal, .binary(b("m"))))
        var nullComparator = HBaseComparator()
        nullComparator.name = "org.apache.hadoop.hbase.filter.NullComparator"
        #expect(try nullComparator.toByteComparator() == nil)
    }

    @Test func unknownFiltersAreRefusedByName() throws {
        var fuzzy = HBaseFilter()
        fuzzy.name = "org.apache.hadoop.hbase.filter.FuzzyRowFilter"
        let e = #expect(throws: ProtocolError.self) { _ = try fuzzy.toFilter() }
        #expect(e?.message.contains("FuzzyRowFilter") == true)
        var garbage = HBaseFilter()
        garbage.name = "org.apache.hadoop.hbase.filter.PrefixFilter"
        garbage.serializedFilter = Data([0xFF, 0xFF])
        #expect(throws: ProtocolError.self) { _ = try garbage.toFilter() }
    }
}
