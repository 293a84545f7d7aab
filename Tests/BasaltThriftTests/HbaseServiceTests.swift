import BasaltClient
import BasaltCore
import BasaltThrift
import Testing

/// The `Hbase` service through a real gateway and cluster, checking the semantics Thrift1 clients rely
/// on and HBase's exceptions where HBase raises them.
@Suite(.serialized) struct HbaseServiceTests {
    @Test func tableAdministration() async throws {
        try await withGateway { server, _ in
            try await ThriftClient.withConnection(port: server.port) { c in
                let t = T.bin("admin_t")
                try await c.call("createTable", ThriftStruct([1: t, 2: .list(.structure, [T.family("f:"), T.family("g", versions: 1)])]))
                await #expect(throws: ThriftError(.alreadyExists, "table name already in use")) {
                    try await c.call("createTable", ThriftStruct([1: t, 2: .list(.structure, [T.family("f:")])]))
                }
                do {
                    try await c.call("createTable", ThriftStruct([1: T.bin("bad"), 2: .list(.structure, [T.family("f:", compression: "NOPE")])]))
                    Issue.record("an unknown compression was accepted")
                } catch let e as ThriftError { #expect(e.kind == .illegalArgument) }
                #expect(try await c.call("getTableNames", ThriftStruct()) == T.texts(["admin_t"]))
                #expect(try await c.call("isTableEnabled", ThriftStruct([1: t])) == .bool(true))

                guard case .map(_, _, let families)? = try await c.call("getColumnDescriptors", ThriftStruct([1: t])) else {
                    Issue.record("getColumnDescriptors did not answer a map")
                    return
                }
                #expect(families.map(\.key) == [T.bin("f:"), T.bin("g:")])
                if case .structure(let g) = families[1].value {
                    #expect(g.i32(2) == 1)
                    #expect(g.i32(9) == ColumnFamilyDescriptor.forever)
                }

                let regions = try await c.call("getTableRegions", ThriftStruct([1: t]))?.elements ?? []
                #expect(regions.count == 1)
                #expect(try await c.call("getTableRegions", ThriftStruct([1: T.bin("nosuch")])) == .list(.structure, []))
                guard case .structure(let region)? = regions.first else { return }
                let info = try await c.call("getRegionInfo", ThriftStruct([1: T.bin("admin_t,row,99999999999999")]))
                if case .structure(let found)? = info {
                    #expect(found.binary(4) == region.binary(4))
                    #expect(found.string(6) == "127.0.0.1")
                }

                try await c.call("compact", ThriftStruct([1: t]))
                try await c.call("majorCompact", ThriftStruct([1: .binary(region.binary(4) ?? [])]))
                #expect(try await c.call("getThriftServerType", ThriftStruct()) == .i32(1))
                if case .binary(let id)? = try await c.call("getClusterId", ThriftStruct()) { #expect(!id.isEmpty) }

                try await c.call("disableTable", ThriftStruct([1: t]))
                #expect(try await c.call("getTableNamesWithIsTableEnabled", ThriftStruct())
                    == .map(key: .binary, value: .bool, [ThriftPair(t, .bool(false))]))
                try await c.call("deleteTable", ThriftStruct([1: t]))
                await #expect(throws: ThriftError(.io, "table does not exist")) {
                    try await c.call("deleteTable", ThriftStruct([1: t]))
                }
                // A method the service does not have is a TApplicationException; the connection carries on.
                await #expect(throws: ThriftError(.unknownMethod, "Invalid method name: 'noSuchMethod'")) {
                    try await c.call("noSuchMethod", ThriftStruct())
                }
                #expect(try await c.call("getTableNames", ThriftStruct()) == T.texts([]))
            }
        }
    }

    @Test func readsWritesAndDeletes() async throws {
        try await withGateway { server, _ in
            try await ThriftClient.withConnection(port: server.port, proto: .compact, framed: true) { c in
                let t = T.bin("rw")
                try await c.call("createTable", ThriftStruct([1: t, 2: .list(.structure, [T.family("f:"), T.family("g:")])]))
                func mutateTs(_ row: String, _ m: [ThriftValue], _ ts: Int64) async throws {
                    try await c.call("mutateRowTs", ThriftStruct([1: t, 2: T.bin(row), 3: .list(.structure, m), 4: .i64(ts), 5: T.noAttributes]))
                }
                try await mutateTs("r", [T.mutation("f:a", "old")], 1000)
                try await mutateTs("r", [T.mutation("f:a", "new")], 2000)
                try await mutateTs("r", [T.mutation("g:", "empty-qualifier"), T.mutation("g:x", "x")], 3000)

                // *Ts reads are exclusive of ts.
                let ver = try await c.call("getVerTs", ThriftStruct([1: t, 2: T.bin("r"), 3: T.bin("f:a"), 4: .i64(2000), 5: .i32(10)]))
                #expect(T.cells(ver).map(\.0) == ["old"])
                #expect(T.cells(try await c.call("getVer", ThriftStruct([1: t, 2: T.bin("r"), 3: T.bin("f:a"), 4: .i32(10)]))).map(\.1) == [2000, 1000])
                #expect(T.rows(try await c.call("getRowTs", ThriftStruct([1: t, 2: T.bin("r"), 3: .i64(1000)]))).isEmpty)
                // `g` is the whole family, `g:` the empty qualifier.
                let family = T.rows(try await c.call("getRowWithColumns", ThriftStruct([1: t, 2: T.bin("r"), 3: T.texts(["g"])])))
                #expect(family.first?.columns == ["g:": "empty-qualifier", "g:x": "x"])
                let empty = T.rows(try await c.call("getRowWithColumns", ThriftStruct([1: t, 2: T.bin("r"), 3: T.texts(["g:"])])))
                #expect(empty.first?.columns == ["g:": "empty-qualifier"])
                // Rows without cells are left out.
                let rows = T.rows(try await c.call("getRows", ThriftStruct([1: t, 2: T.texts(["r", "missing"])])))
                #expect(rows.map(\.row) == ["r"])
                let ts = T.rows(try await c.call("getRowsWithColumnsTs", ThriftStruct([1: t, 2: T.texts(["r"]), 3: T.texts(["f:a"]), 4: .i64(1500)])))
                #expect(ts.first?.columns == ["f:a": "old"])

                // A column delete removes every version at or below ts.
                try await c.call("deleteAllTs", ThriftStruct([1: t, 2: T.bin("r"), 3: T.bin("f:a"), 4: .i64(1500)]))
                #expect(T.cells(try await c.call("getVer", ThriftStruct([1: t, 2: T.bin("r"), 3: T.bin("f:a"), 4: .i32(10)]))).map(\.0) == ["new"])
                try await c.call("deleteAll", ThriftStruct([1: t, 2: T.bin("r"), 3: T.bin("g")]))
                #expect(T.rows(try await c.call("getRow", ThriftStruct([1: t, 2: T.bin("r")]))).first?.columns == ["f:a": "new"])
                try await c.call("deleteAllRowTs", ThriftStruct([1: t, 2: T.bin("r"), 3: .i64(1999)]))
                #expect(T.rows(try await c.call("getRow", ThriftStruct([1: t, 2: T.bin("r")]))).first?.columns == ["f:a": "new"])
                try await c.call("deleteAllRow", ThriftStruct([1: t, 2: T.bin("r")]))
                #expect(T.rows(try await c.call("getRow", ThriftStruct([1: t, 2: T.bin("r")]))).isEmpty)

                // mutateRows applies every put, then every delete: a row's put and delete leave nothing.
                try await c.call("mutateRows", ThriftStruct([1: t, 2: .list(.structure, [
                    T.batch("m1", [T.mutation("f:a", "1"), T.mutation("f:a", delete: true)]),
                    T.batch("m2", [T.mutation("f:a", "2"), T.mutation("g", delete: true)]),
                ])]))
                let after = T.rows(try await c.call("getRows", ThriftStruct([1: t, 2: T.texts(["m1", "m2"])])))
                #expect(after.map(\.row) == ["m2"])
                // A put without a qualifier: IllegalArgument from mutateRows, ignored by mutateRow.
                do {
                    try await c.call("mutateRows", ThriftStruct([1: t, 2: .list(.structure, [T.batch("bad", [T.mutation("f", "v")])])]))
                    Issue.record("a put without a qualifier was accepted")
                } catch let e as ThriftError { #expect(e.kind == .illegalArgument) }
                try await c.call("mutateRow", ThriftStruct([1: t, 2: T.bin("ok"), 3: .list(.structure, [T.mutation("f", "v"), T.mutation("f:q", "v")])]))
                #expect(T.rows(try await c.call("getRow", ThriftStruct([1: t, 2: T.bin("ok")]))).first?.columns == ["f:q": "v"])

                // Counters are 8-byte big-endian and start from 0.
                #expect(try await c.call("atomicIncrement", ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("f:n"), 4: .i64(5)])) == .i64(5))
                #expect(try await c.call("atomicIncrement", ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("f:n"), 4: .i64(-7)])) == .i64(-2))
                let counter = try await c.call("get", ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("f:n")]))
                if case .structure(let cell)? = counter?.elements?.first { #expect(cell.binary(1) == [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]) }
                try await c.call("increment", ThriftStruct([1: .structure(ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("f:n"), 4: .i64(12)]))]))
                try await c.call("incrementRows", ThriftStruct([1: .list(.structure, [
                    .structure(ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("f:n"), 4: .i64(100)])),
                ])]))
                #expect(try await c.call("atomicIncrement", ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("f:n"), 4: .i64(0)])) == .i64(110))
                // A family alone counts in the empty qualifier.
                #expect(try await c.call("atomicIncrement", ThriftStruct([1: t, 2: T.bin("c"), 3: T.bin("g"), 4: .i64(3)])) == .i64(3))

                let appended = try await c.call("append", ThriftStruct([1: .structure(ThriftStruct([
                    1: t, 2: T.bin("ap"), 3: T.texts(["f:s"]), 4: T.texts(["ab"]),
                ]))]))
                #expect(T.cells(appended).map(\.0) == ["ab"])
                _ = try await c.call("append", ThriftStruct([1: .structure(ThriftStruct([1: t, 2: T.bin("ap"), 3: T.texts(["f:s"]), 4: T.texts(["cd"])]))]))
                #expect(T.cells(try await c.call("get", ThriftStruct([1: t, 2: T.bin("ap"), 3: T.bin("f:s")]))).map(\.0) == ["abcd"])

                // checkAndPut: a missing value means "the cell must not exist".
                let put = T.mutation("f:k", "1")
                #expect(try await c.call("checkAndPut", ThriftStruct([1: t, 2: T.bin("k"), 3: T.bin("f:k"), 6: put])) == .bool(true))
                #expect(try await c.call("checkAndPut", ThriftStruct([1: t, 2: T.bin("k"), 3: T.bin("f:k"), 6: put])) == .bool(false))
                #expect(try await c.call("checkAndPut", ThriftStruct([1: t, 2: T.bin("k"), 3: T.bin("f:k"), 5: T.bin("1"), 6: T.mutation("f:k", "2")])) == .bool(true))

                let before = try await c.call("getRowOrBefore", ThriftStruct([1: t, 2: T.bin("kz"), 3: T.bin("f")]))
                #expect(T.cells(before).map(\.0) == ["2"])

                // Reads of a table that does not exist are IOError.
                await #expect(throws: ThriftError.self) { try await c.call("getRow", ThriftStruct([1: T.bin("nosuch"), 2: T.bin("r")])) }
            }
        }
    }

    @Test func scanners() async throws {
        try await withGateway { server, _ in
            try await ThriftClient.withConnection(port: server.port, proto: .binary(strict: false)) { c in
                let t = T.bin("scan")
                try await c.call("createTable", ThriftStruct([1: t, 2: .list(.structure, [T.family("f:")])]))
                let batches = (0..<50).map { i in
                    T.batch(String(format: "r%02d", i), [T.mutation("f:b", "\(i)"), T.mutation("f:a", "\(i)")])
                }
                try await c.call("mutateRows", ThriftStruct([1: t, 2: .list(.structure, batches)]))
                func drain(_ id: ThriftValue?, _ n: Int32 = 7) async throws -> [ThriftValue] {
                    var all: [ThriftValue] = []
                    while let part = try await c.call("scannerGetList", ThriftStruct([1: id ?? .i32(-1), 2: .i32(n)]))?.elements, !part.isEmpty {
                        all += part
                    }
                    try await c.call("scannerClose", ThriftStruct([1: id ?? .i32(-1)]))
                    return all
                }
                let range = try await c.call("scannerOpenWithScan", ThriftStruct([1: t, 2: .structure(ThriftStruct([1: T.bin("r10"), 2: T.bin("r20"), 5: .i32(3)]))]))
                #expect(T.rows(.list(.structure, try await drain(range))).map(\.row) == (10..<20).map { String(format: "r%02d", $0) })

                // A batch size splits rows into parts; sortColumns answers sortedColumns in column order.
                let parts = try await c.call("scannerOpenWithScan", ThriftStruct([1: t, 2: .structure(ThriftStruct([
                    1: T.bin("r00"), 2: T.bin("r02"), 7: .i32(1), 8: .bool(true),
                ]))]))
                let got = try await drain(parts, 100)
                #expect(got.count == 4)
                if case .structure(let first)? = got.first {
                    #expect(first.map(2) == nil)
                    if case .structure(let column)? = first.list(3)?.first { #expect(column.binary(1) == b("f:a")) }
                }
                // A filter that decides on whole rows cannot take a batch size.
                await #expect(throws: ThriftError.self) {
                    try await c.call("scannerOpenWithScan", ThriftStruct([1: t, 2: .structure(ThriftStruct([
                        6: T.bin("SingleColumnValueFilter('f', 'a', =, 'binary:3')"), 7: .i32(1),
                    ]))]))
                }
                let filtered = try await c.call("scannerOpenWithScan", ThriftStruct([1: t, 2: .structure(ThriftStruct([
                    6: T.bin("SingleColumnValueFilter('f', 'a', =, 'binary:3')"),
                ]))]))
                #expect(T.rows(.list(.structure, try await drain(filtered))).map(\.row) == ["r03"])
                // Reversed: start after stop; a timestamp bound older than every cell gives no rows.
                let reversed = try await c.call("scannerOpenWithScan", ThriftStruct([1: t, 2: .structure(ThriftStruct([
                    1: T.bin("r05"), 2: T.bin("r02"), 9: .bool(true),
                ]))]))
                #expect(T.rows(.list(.structure, try await drain(reversed))).map(\.row) == ["r05", "r04", "r03"])
                let old = try await c.call("scannerOpenWithScan", ThriftStruct([1: t, 2: .structure(ThriftStruct([3: .i64(123)]))]))
                #expect(try await drain(old).isEmpty)

                let prefix = try await c.call("scannerOpenWithPrefix", ThriftStruct([1: t, 2: T.bin("r4"), 3: T.texts(["f:a"])]))
                let prefixed = T.rows(.list(.structure, try await drain(prefix)))
                #expect(prefixed.map(\.row) == (40..<50).map { "r\($0)" })
                #expect(prefixed.allSatisfy { Array($0.columns.keys) == ["f:a"] })
                let stop = try await c.call("scannerOpenWithStop", ThriftStruct([1: t, 2: T.bin("r47"), 3: T.bin("r49"), 4: T.texts([])]))
                #expect(T.rows(.list(.structure, try await drain(stop))).map(\.row) == ["r47", "r48"])
                let one = try await c.call("scannerOpen", ThriftStruct([1: t, 2: T.bin("r49"), 3: T.texts(["f"])]))
                #expect(T.rows(try await c.call("scannerGet", ThriftStruct([1: one ?? .i32(-1)]))).map(\.row) == ["r49"])
                #expect(try await c.call("scannerGet", ThriftStruct([1: one ?? .i32(-1)])) == .list(.structure, []))
                try await c.call("scannerClose", ThriftStruct([1: one ?? .i32(-1)]))

                // A scanner on a missing table fails at the open, with HBase's exception name.
                do {
                    try await c.call("scannerOpenWithScan", ThriftStruct([1: T.bin("nosuch"), 2: .structure(ThriftStruct())]))
                    Issue.record("a scanner opened on a missing table")
                } catch let e as ThriftError {
                    #expect(e.kind == .io)
                    #expect(e.message.hasPrefix("TableNotFoundException"))
                }
                // Unknown scanner ids are IllegalArgument.
                await #expect(throws: ThriftError(.illegalArgument, "scanner ID is invalid")) {
                    try await c.call("scannerGetList", ThriftStruct([1: .i32(4242), 2: .i32(1)]))
                }
                await #expect(throws: ThriftError(.illegalArgument, "scanner ID is invalid")) {
                    try await c.call("scannerClose", ThriftStruct([1: one ?? .i32(-1)]))
                }
            }
            #expect(await server.scannerCount() == 0)
        }
    }
}
