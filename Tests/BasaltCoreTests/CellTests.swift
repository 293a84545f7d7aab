import Testing
@testable import BasaltCore

@Suite struct CellOrderTests {
    func cell(_ r: String, _ f: String, _ q: String, _ ts: Int64, _ t: CellType = .put, seq: UInt64 = 0) -> Cell {
        Cell(row: Array(r.utf8), family: Array(f.utf8), qualifier: Array(q.utf8), timestamp: ts, type: t, value: [1], sequenceId: seq)
    }

    @Test func hbaseOrder() {
        let ordered = [
            cell("a", "f", "q", 5),
            cell("a", "f", "q", 3, .deleteColumn),
            cell("a", "f", "q", 3, .delete),
            cell("a", "f", "q", 3, .put, seq: 9),
            cell("a", "f", "q", 3, .put, seq: 2),
            cell("a", "f", "r", 9),
            cell("a", "g", "", 1),
            cell("ab", "f", "q", 1),
            cell("b", "f", "q", 1),
        ]
        for i in 0..<ordered.count {
            for j in 0..<ordered.count {
                #expect((CellComparator.compare(ordered[i], ordered[j]) < 0) == (i < j), "\(ordered[i]) vs \(ordered[j])")
            }
        }
    }

    @Test func familyAndQualifierAreComparedSeparately() {
        // "a"+"bc" and "ab"+"c" concatenate alike; HBase orders by family first.
        #expect(CellComparator.compare(cell("r", "a", "bc", 1), cell("r", "ab", "c", 1)) < 0)
    }

    @Test func encodedLayoutRoundTripsAndComparesLikeCells() {
        let cells = [cell("row1", "fam", "qual", 42, .deleteFamily), cell("row1", "fam", "", 7), cell("r", "f", "q", 0)]
        var buffers: [[UInt8]] = []
        for c in cells {
            var buf = [UInt8](repeating: 0, count: c.encodedLength)
            let n = buf.withUnsafeMutableBytes { EncodedCell.write(c, to: $0.baseAddress!) }
            #expect(n == c.encodedLength)
            buffers.append(buf)
            buf.withUnsafeBytes { raw in
                let e = EncodedCell(raw.baseAddress!)
                #expect(e.toCell() == Cell(row: c.row, family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, type: c.type, value: c.value))
            }
        }
        for i in 0..<cells.count {
            for j in 0..<cells.count {
                let expected = CellComparator.compare(cells[i], cells[j]).signum()
                let got = buffers[i].withUnsafeBytes { a in
                    buffers[j].withUnsafeBytes { bb in CellComparator.compareKeys(EncodedCell(a.baseAddress!), EncodedCell(bb.baseAddress!), .bytes).signum() }
                }
                #expect(got == expected)
            }
        }
    }

    @Test func byteComparisonIsUnsigned() {
        #expect(CellComparator.compareBytes([0x7F], [0x80]) < 0)
        #expect(CellComparator.compareBytes([1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 5, 6, 7, 8, 10]) < 0)
        #expect(CellComparator.compareBytes([1, 2], [1, 2, 0]) < 0)
        #expect(CellComparator.compareBytes([], []) == 0)
    }
}

@Suite struct NameTests {
    @Test func regionNameMatchesTheSeedsMetaRow() throws {
        // From the seeds: `stu,,1563261835567.e9decf2d4db946585d09b85af36c44e8.`
        let info = RegionInfo(table: try TableName("stu"), startKey: [], endKey: [], regionId: 1_563_261_835_567)
        #expect(info.encodedName == "e9decf2d4db946585d09b85af36c44e8")
        #expect(info.regionNameAsString == "stu,,1563261835567.e9decf2d4db946585d09b85af36c44e8.")
        #expect(info.description.contains("ENCODED => e9decf2d4db946585d09b85af36c44e8"))
    }

    @Test func regionContainsItsRange() throws {
        let info = RegionInfo(table: try TableName("t"), startKey: Array("b".utf8), endKey: Array("d".utf8), regionId: 1)
        #expect(info.contains(row: Array("b".utf8)))
        #expect(info.contains(row: Array("c9".utf8)))
        #expect(!info.contains(row: Array("d".utf8)))
        #expect(!info.contains(row: Array("a".utf8)))
    }

    @Test func tableNames() throws {
        #expect(try TableName("t1").nameAsString == "t1")
        #expect(try TableName("ns1:t1").namespace == "ns1")
        #expect(try TableName("default:t1").nameAsString == "t1")
        #expect(TableName.meta.nameAsString == "hbase:meta")
        #expect(throws: CoreError.self) { try TableName("") }
        #expect(throws: CoreError.self) { try TableName("-t") }
        #expect(throws: CoreError.self) { try TableName("a b") }
        #expect(throws: CoreError.self) { try TableName("n-s:t") }
    }

    @Test func serverNames() throws {
        let s = try ServerName(parsing: "host1,16020,1563257559590")
        #expect(s.port == 16020)
        #expect(s.hostAndPort == "host1:16020")
        #expect(s.description == "host1,16020,1563257559590")
        #expect(throws: CoreError.self) { try ServerName(parsing: "host1:16020") }
    }

    @Test func durabilityParsing() throws {
        #expect(try Durability(parsing: "fsync_wal") == .fsyncWAL)
        #expect(throws: CoreError.self) { try Durability(parsing: "sometimes") }
        #expect(Durability.useDefault.resolved(tableDefault: .useDefault) == .syncWAL)
        #expect(Durability.useDefault.resolved(tableDefault: .asyncWAL) == .asyncWAL)
    }

    @Test func familyValidation() throws {
        var f = ColumnFamilyDescriptor("f")
        f.maxVersions = 0
        #expect(throws: CoreError.self) { try f.validate() }
        #expect(throws: CoreError.self) { try ColumnFamilyDescriptor("a:b").validate() }
        #expect(throws: CoreError.self) { try TableDescriptor(name: TableName("t"), families: []) }
        #expect(throws: CoreError.self) { try TableDescriptor(name: TableName("t"), families: [.init("f"), .init("f")]) }
    }

    @Test func configuration() throws {
        var c = BasaltConfiguration()
        try c.apply(definitions: ["hbase.x=5", "flag=true"])
        #expect(try c.int("hbase.x", default: 1) == 5)
        #expect(try c.bool("flag", default: false))
        #expect(try c.int("missing", default: 7) == 7)
        #expect(throws: CoreError.self) { try c.apply(definitions: ["novalue"]) }
        c["bad"] = "x"
        #expect(throws: CoreError.self) { try c.int("bad", default: 0) }
    }
}
