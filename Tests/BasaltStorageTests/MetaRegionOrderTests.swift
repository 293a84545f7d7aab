import BasaltCore
import BasaltTestSupport
import Testing
@testable import BasaltStorage

/// A region of `hbase:meta` keeps its rows in meta's order (`RowOrder.meta`) everywhere: MemStore, HFile
/// blocks and index, merged scans forward and reversed, after a flush and after a reopen. Start keys are
/// random binary, including bytes below `,`.
@Suite struct MetaRegionOrderTests {
    static let info = b("info")

    static func factory(_ fs: MemoryFileSystem = MemoryFileSystem()) throws -> TestRegionFactory {
        var family = ColumnFamilyDescriptor("info")
        family.blockSize = 1024  // many blocks and an index over them
        return try TestRegionFactory(fileSystem: fs, families: [family], table: "hbase:meta")
    }

    /// Random binary start keys, drawn to hit the bytes around `,` often.
    static func randomKey(_ rng: inout SplitMix64) -> [UInt8] {
        let pool: [UInt8] = [0x00, 0x01, 0x2B, 0x2C, 0x2D, 0x61, 0x7F, 0x80, 0xFE, 0xFF]
        return (0..<(1 + Int(rng.next() % 5))).map { _ in pool[Int(rng.next() % UInt64(pool.count))] }
    }

    /// The meta rows of a table's regions (sorted start keys) and its state row.
    static func rows(table: String, starts: [[UInt8]]) throws -> [[UInt8]] {
        try starts.map { RegionInfo(table: try TableName(table), startKey: $0, regionId: 1_700_000_000_000).regionName } + [b(table)]
    }

    static func put(_ region: Region, _ row: [UInt8]) throws {
        var p = Put(row: row)
        p.add(family: info, qualifier: b("regioninfo"), value: row)
        try region.put(p)
    }

    /// Every row comes back in meta's order, and a reversed scan from `table,row,99999999999999` finds the
    /// region that holds `row`.
    static func check(_ region: Region, all: [[UInt8]], starts: [[UInt8]], probes: [[UInt8]]) throws {
        let scanned = try region.scanner(Scan()).all().map(\.row)
        #expect(scanned == all.sorted { RowOrder.meta.compare($0, $1) < 0 })
        let reversed = try region.scanner({ var s = Scan(); s.reversed = true; return s }()).all().map(\.row)
        #expect(reversed == scanned.reversed())
        for row in probes {
            var scan = Scan(startRow: b("bk,") + row + b(",99999999999999"), stopRow: b("bk,"))
            scan.reversed = true
            scan.limit = 1
            let found = try region.scanner(scan).next()?.row
            let start = starts.last { RowOrder.bytes.compare($0, row) <= 0 } ?? []
            let expected = RegionInfo(table: try TableName("bk"), startKey: start, regionId: 1_700_000_000_000).regionName
            #expect(found == expected, "lookup of \(Bytes.toStringBinary(row))")
        }
    }

    @Test func rowsKeepMetasOrderInMemStoreFilesAndAfterReopen() throws {
        var rng = SplitMix64(seed: 42)
        let f = try Self.factory()
        let (wal, region) = try f.open()
        var splits = Set<[UInt8]>()
        while splits.count < 60 { splits.insert(Self.randomKey(&rng)) }
        let starts = [[]] + splits.sorted { RowOrder.bytes.compare($0, $1) < 0 }
        let all = try Self.rows(table: "bk", starts: starts) + Self.rows(table: "bj", starts: [[], [0x00], [0x2C]])
            + Self.rows(table: "bl", starts: [[], [0xFF]])
        let probes = (0..<200).map { _ in Self.randomKey(&rng) } + starts + starts.map { $0 + [0x00] }
        let shuffled = all.shuffled(using: &rng)
        let half = shuffled.count / 2

        for r in shuffled[..<half] { try Self.put(region, r) }
        try Self.check(region, all: Array(shuffled[..<half]), starts: starts, probes: [])
        _ = try region.flush()
        for r in shuffled[half...] { try Self.put(region, r) }
        // Half in an HFile (several blocks), half in the MemStore.
        #expect(region.stores[0].storeFiles.count == 1)
        #expect(region.stores[0].storeFiles[0].order == .meta)
        #expect(region.stores[0].storeFiles[0].layout.dataBlockCount > 2)
        try Self.check(region, all: all, starts: starts, probes: probes)

        region.close()
        try wal.close()
        let (wal2, reopened) = try f.open()
        defer { try? wal2.close() }
        try Self.check(reopened, all: all, starts: starts, probes: probes)
        _ = try reopened.flush()
        _ = try reopened.compact(major: true)
        try Self.check(reopened, all: all, starts: starts, probes: probes)
    }

    /// A meta HFile written before meta had its own order (cells in byte order, no order recorded) is
    /// rewritten in meta's order when the region opens, and the old file goes.
    @Test func aMetaFileInByteOrderIsRewrittenAtOpen() throws {
        let fs = MemoryFileSystem()
        let f = try Self.factory(fs)
        let starts: [[UInt8]] = [[], [0x00], [0x00, 0x00], [0x00, 0x80], [0x10], Array("+".utf8), Array("a".utf8)]
        let all = try Self.rows(table: "bk", starts: starts)
        let dir = joinPath(f.files.directory, "info")
        try fs.createDirectory(dir)
        let legacy = joinPath(dir, "legacy")
        let w = try HFileWriter(fileSystem: fs, path: legacy, blockSize: 1024, bloomType: .row, expectedKeys: all.count, createdAt: 1, order: .bytes)
        var buffer = [UInt8](repeating: 0, count: 4096)
        for (i, row) in all.sorted(by: { RowOrder.bytes.compare($0, $1) < 0 }).enumerated() {
            let cell = Cell(row: row, family: Self.info, qualifier: b("regioninfo"), timestamp: 5, type: .put, value: row, sequenceId: UInt64(i + 1))
            try buffer.withUnsafeMutableBytes { p in
                EncodedCell.write(cell, to: p.baseAddress!)
                try w.append(EncodedCell(p.baseAddress!), sequenceId: cell.sequenceId)
            }
        }
        try w.finish()
        let (wal, region) = try f.open()
        defer { try? wal.close() }
        #expect(region.stores[0].storeFiles.map(\.order) == [.meta])
        #expect(region.stores[0].storeFiles[0].info.compactedFrom == ["legacy"])
        #expect(region.maxSequenceId >= UInt64(all.count))
        try Self.check(region, all: all, starts: starts, probes: starts + starts.map { $0 + [0x00] } + [[0x00, 0x01], [0x0F], [0xFF]])
        region.close()
        #expect(!(try fs.list(dir)).contains("legacy"))
    }
}
