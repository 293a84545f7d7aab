import BasaltCore
import Testing

/// `RowOrder`: plain bytes for user tables, and meta's order by parts (table, start key, region id),
/// which is what lets a reversed lookup from `table,row,99999999999999` find the region holding `row`
/// whatever bytes the keys hold.
@Suite struct RowOrderTests {
    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// The meta row of a region of `table` starting at `start`.
    static func regionRow(_ table: String, _ start: [UInt8], id: Int64 = 1_700_000_000_000) throws -> [UInt8] {
        RegionInfo(table: try TableName(table), startKey: start, regionId: id).regionName
    }

    static func search(_ table: String, _ row: [UInt8]) -> [UInt8] {
        b(table) + [UInt8(ascii: ",")] + row + b(",99999999999999")
    }

    @Test func bytesOrderIsUnsignedLexicographic() {
        #expect(RowOrder.bytes.compare([0x00], [0xFF]) < 0)
        #expect(RowOrder.bytes.compare([0x2C], [0x00, 0x01]) > 0)
        #expect(RowOrder.bytes.compare([], [0x00]) < 0)
        #expect(RowOrder.bytes.compare(Self.b("abc"), Self.b("abc")) == 0)
    }

    @Test func metaOrderSortsByTableThenStartKeyThenRegionId() throws {
        // Each row sorts before the next in meta's order (several of these pairs are the other way round
        // as plain bytes).
        let sorted: [[UInt8]] = [
            Self.b("t"),                                   // the table's state row
            Self.b("t,"),                                  // where a locating scan stops
            try Self.regionRow("t", []),                   // the region with the empty start key
            try Self.regionRow("t", [], id: 1_800_000_000_000),
            try Self.regionRow("t", [0x00]),
            try Self.regionRow("t", [0x00, 0x00]),
            try Self.regionRow("t", [0x00, 0x2B]),
            try Self.regionRow("t", [0x00, 0x2C]),
            try Self.regionRow("t", [0x00, 0x80]),
            try Self.regionRow("t", Self.b("+")),
            try Self.regionRow("t", Self.b("a")),
            try Self.regionRow("t", Self.b("a,b")),        // a comma inside a start key
            try Self.regionRow("t", [0xFF]),
            Self.b("t-x"),                                 // another table sorting after `t`
            try Self.regionRow("t-x", []),
            try Self.regionRow("t0", []),
        ]
        for i in sorted.indices {
            for j in sorted.indices {
                let c = RowOrder.meta.compare(sorted[i], sorted[j])
                #expect(c.signum() == (i < j ? -1 : i == j ? 0 : 1), "\(Bytes.toStringBinary(sorted[i])) vs \(Bytes.toStringBinary(sorted[j]))")
            }
        }
        // Plain bytes get the first two region rows of the list the wrong way round: the bug this fixes.
        #expect(RowOrder.bytes.compare(try Self.regionRow("t", []), try Self.regionRow("t", [0x00])) > 0)
    }

    @Test func metaOrderIsATotalOrderThatAgreesWithByteEquality() {
        var rng = SplitMix64(seed: 7)
        let alphabet: [UInt8] = [0x00, 0x01, 0x2B, 0x2C, 0x2D, 0x39, 0x61, 0xFF]
        let rows: [[UInt8]] = (0..<300).map { _ in
            (0..<Int(rng.next() % 9)).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
        }
        let sorted = rows.sorted { RowOrder.meta.compare($0, $1) < 0 }
        for i in sorted.indices.dropFirst() {
            #expect(RowOrder.meta.compare(sorted[i - 1], sorted[i]) <= 0)
            #expect(RowOrder.meta.compare(sorted[i], sorted[i - 1]) >= 0)
        }
        for x in rows.prefix(60) {
            for y in rows.prefix(60) {
                #expect((RowOrder.meta.compare(x, y) == 0) == (x == y))
                #expect(RowOrder.meta.compare(x, y).signum() == -RowOrder.meta.compare(y, x).signum())
            }
        }
    }

    /// The property the client's lookup relies on: the greatest region row at or before the search key
    /// of `row` belongs to the region with the greatest start key at or below `row`.
    @Test func closestRowBeforeTheSearchKeyIsTheRegionHoldingTheRow() throws {
        var rng = SplitMix64(seed: 11)
        func randomKey() -> [UInt8] {
            let pool: [UInt8] = [0x00, 0x01, 0x10, 0x2B, 0x2C, 0x2D, 0x7F, 0x80, 0xFF, UInt8(ascii: "a")]
            return (0..<(1 + Int(rng.next() % 4))).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
        }
        for round in 0..<40 {
            let splits = Array(Set((0..<(1 + round % 12)).map { _ in randomKey() })).sorted { RowOrder.bytes.compare($0, $1) < 0 }
            let starts = [[]] + splits
            var metaRows = try starts.map { try Self.regionRow("bk", $0) }
            metaRows += [Self.b("bk"), Self.b("bj"), try Self.regionRow("bj", [0xFF]), try Self.regionRow("bl", []), Self.b("bl")]
            metaRows.sort { RowOrder.meta.compare($0, $1) < 0 }
            for _ in 0..<50 {
                let row = randomKey()
                let key = Self.search("bk", row)
                let found = metaRows.last { RowOrder.meta.compare($0, key) <= 0 }
                let expected = starts.last { RowOrder.bytes.compare($0, row) <= 0 }!
                #expect(found == (try Self.regionRow("bk", expected)), "row \(Bytes.toStringBinary(row)) with splits \(splits.map(Bytes.toStringBinary))")
            }
        }
    }

    @Test func namesRoundTrip() throws {
        for o in RowOrder.allCases { #expect(RowOrder(name: o.name) == o) }
        #expect(RowOrder(name: "reverse") == nil)
        #expect(RowOrder(table: .meta) == .meta)
        #expect(RowOrder(table: try TableName("t")) == .bytes)
    }
}
