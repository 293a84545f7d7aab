import BasaltClient
import BasaltCore
import BasaltTestSupport
import Testing

/// Filters parsed on the client and evaluated on the region servers, across regions.
@Suite(.serialized) struct ClientFilterTests {
    @Test func filtersSelectRowsAndCells() async throws {
        try await MiniCluster.run(regionServers: 2) { cluster, connection in
            let t = try TableName("filtered")
            try await connection.admin().createTable(try TableDescriptor(name: t, families: [ColumnFamilyDescriptor("f"), ColumnFamilyDescriptor("g")]), splitKeys: [b("row3")])
            let table = connection.table(t)
            var puts: [Put] = []
            for i in 0..<6 {
                var p = Put(row: b("row\(i)"))
                p.add(family: b("f"), qualifier: b("a"), value: b("v\(i)"))
                p.add(family: b("f"), qualifier: b("b"), value: b(i % 2 == 0 ? "even" : "odd"))
                p.add(family: b("g"), qualifier: b("c"), value: b("x"))
                puts.append(p)
            }
            try await table.put(puts)
            func rows(_ filter: String, reversed: Bool = false) async throws -> [String] {
                var scan = Scan()
                scan.filter = try Filter(parsing: filter)
                scan.reversed = reversed
                return try await table.scanAll(scan).map { String(decoding: $0.row, as: UTF8.self) }
            }
            #expect(try await rows("PrefixFilter('row4')") == ["row4"])
            #expect(try await rows("RowFilter(>=, 'binary:row4')") == ["row4", "row5"])
            #expect(try await rows("SingleColumnValueFilter('f', 'b', =, 'binary:even')") == ["row0", "row2", "row4"])
            #expect(try await rows("SingleColumnValueFilter('f', 'b', =, 'binary:even') AND RowFilter(>, 'binary:row1')") == ["row2", "row4"])
            #expect(try await rows("RowFilter(=, 'binary:row0') OR RowFilter(=, 'binary:row5')") == ["row0", "row5"])
            #expect(try await rows("WHILE RowFilter(<, 'binary:row2')") == ["row0", "row1"])
            #expect(try await rows("InclusiveStopFilter('row3')") == ["row0", "row1", "row2", "row3"])
            #expect(try await rows("SKIP ValueFilter(!=, 'binary:odd')") == ["row0", "row2", "row4"])
            #expect(try await rows("ValueFilter(=, 'regexstring:^v[24]$')") == ["row2", "row4"])
            #expect(try await rows("PrefixFilter('row1')", reversed: true) == ["row1"])

            var scan = Scan()
            scan.filter = try Filter(parsing: "ColumnPrefixFilter('a') AND KeyOnlyFilter()")
            let keys = try await table.scanAll(scan)
            #expect(keys.count == 6)
            #expect(keys.allSatisfy { $0.cells.count == 1 && $0.cells[0].qualifier == b("a") && $0.cells[0].value.isEmpty })
            scan.filter = try Filter(parsing: "FirstKeyOnlyFilter()")
            #expect(try await table.scanAll(scan).allSatisfy { $0.cells.count == 1 })
            scan.filter = try Filter(parsing: "FamilyFilter(=, 'binary:g')")
            #expect(try await table.scanAll(scan).allSatisfy { $0.cells.map(\.family) == [b("g")] })
            scan.filter = try Filter(parsing: "ColumnPaginationFilter(1, 1)")
            #expect(try await table.scanAll(scan).allSatisfy { $0.cells.map(\.qualifier) == [b("b")] })
            scan.filter = try Filter(parsing: "SingleColumnValueExcludeFilter('f', 'b', =, 'binary:odd')")
            let excluded = try await table.scanAll(scan)
            #expect(excluded.map(\.row) == [b("row1"), b("row3"), b("row5")])
            #expect(excluded.allSatisfy { !$0.cells.contains { $0.qualifier == b("b") } })
            // A filtered scan's limit counts the rows it returns.
            scan.filter = try Filter(parsing: "SingleColumnValueFilter('f', 'b', =, 'binary:odd')")
            scan.limit = 2
            #expect(try await table.scanAll(scan).map(\.row) == [b("row1"), b("row3")])

            // Gets take filters too.
            var get = Get(row: b("row2"))
            get.filter = try Filter(parsing: "QualifierFilter(=, 'binary:a')")
            #expect(try await table.get(get).cells.map(\.qualifier) == [b("a")])
            get.filter = try Filter(parsing: "ValueFilter(=, 'binary:nothing')")
            #expect(try await table.get(get).isEmpty)
        }
    }
}
