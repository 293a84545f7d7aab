import BasaltCore
import Testing

@Suite struct FilterLanguageTests {
    func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func parsesFiltersArgumentsAndComparators() throws {
        #expect(try Filter(parsing: "PrefixFilter ('row1')") == .prefix(b("row1")))
        #expect(try Filter(parsing: "SingleColumnValueFilter ('f', 'q', =, 'binary:v')")
            == .singleColumnValue(family: b("f"), qualifier: b("q"), op: .equal, comparator: .binary(b("v")), filterIfMissing: false, latestVersionOnly: true, exclude: false))
        #expect(try Filter(parsing: "SingleColumnValueExcludeFilter('f','q',>=,'binaryprefix:ab',true,false)")
            == .singleColumnValue(family: b("f"), qualifier: b("q"), op: .greaterOrEqual, comparator: .binaryPrefix(b("ab")), filterIfMissing: true, latestVersionOnly: false, exclude: true))
        #expect(try Filter(parsing: "QualifierFilter(!=, 'regexstring:^a.*')") == .qualifier(.notEqual, .regex("^a.*")))
        #expect(try Filter(parsing: "ValueFilter(=,'substring:ABC')") == .value(.equal, .substring("abc")))
        #expect(try Filter(parsing: "KeyOnlyFilter()") == .keyOnly(lengthAsValue: false))
        #expect(try Filter(parsing: "ColumnRangeFilter('a', true, 'c', false)") == .columnRange(min: b("a"), minInclusive: true, max: b("c"), maxInclusive: false))
        #expect(try Filter(parsing: "MultipleColumnPrefixFilter('a', 'b')") == .multipleColumnPrefix([b("a"), b("b")]))
        #expect(try Filter(parsing: "TimestampsFilter(5, 6)") == .timestamps([5, 6]))
        #expect(try Filter(parsing: "ColumnPaginationFilter(2, 1)") == .columnPagination(limit: 2, offset: 1))
        // A doubled quote is a quote.
        #expect(try Filter(parsing: "PrefixFilter('it''s')") == .prefix(b("it's")))
    }

    @Test func precedenceAndParentheses() throws {
        // AND binds tighter than OR; SKIP and WHILE tighter than both.
        #expect(try Filter(parsing: "PrefixFilter('a') OR PrefixFilter('b') AND KeyOnlyFilter()")
            == .or([.prefix(b("a")), .and([.prefix(b("b")), .keyOnly(lengthAsValue: false)])]))
        #expect(try Filter(parsing: "(PrefixFilter('a') OR PrefixFilter('b')) AND KeyOnlyFilter()")
            == .and([.or([.prefix(b("a")), .prefix(b("b"))]), .keyOnly(lengthAsValue: false)]))
        #expect(try Filter(parsing: "SKIP ValueFilter(=, 'binary:0') AND FirstKeyOnlyFilter()")
            == .and([.skip(.value(.equal, .binary(b("0")))), .firstKeyOnly]))
        #expect(try Filter(parsing: "WHILE RowFilter(<=, 'binary:m')") == .while(.row(.lessOrEqual, .binary(b("m")))))
    }

    @Test func roundTripsThroughParts() throws {
        let f = try Filter(parsing: "(SingleColumnValueFilter('f','q',<,'binary:9',true,true) OR SKIP PageFilter(3)) AND InclusiveStopFilter('z')")
        let p = f.parts
        func rebuild(_ f: Filter) throws -> Filter {
            let p = f.parts
            return try Filter(name: p.name, arguments: p.arguments, children: p.children.map(rebuild))
        }
        #expect(try rebuild(f) == f)
        #expect(p.name == "AND")
    }

    @Test func badFilterStringsFailClearly() {
        for text in ["NoSuchFilter()", "PrefixFilter('a'", "PrefixFilter('a', 'b')", "RowFilter(~, 'binary:a')", "RowFilter(=, 'nokind')",
                     "PageFilter(-1)", "PrefixFilter('a') AND", "QualifierFilter(=, 'regexstring:(')", "PrefixFilter('unterminated)"] {
            #expect(throws: CoreError.self, "\(text)") { try Filter(parsing: text) }
        }
    }
}
