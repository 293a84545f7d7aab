import BasaltCore
import BasaltTestSupport
import Foundation
import Testing
@testable import BasaltStorage

@Suite struct HFileTests {
    /// Cells r0000..r{n-1}, family f, qualifiers q0/q1, in cell order, with sequence ids.
    static func cells(_ n: Int, valueSize: Int = 40) -> [Cell] {
        var out: [Cell] = []
        for i in 0..<n {
            for q in ["q0", "q1"] {
                out.append(Cell(row: b(String(format: "r%05d", i)), family: b("f"), qualifier: b(q), timestamp: Int64(1000 + i), type: .put, value: [UInt8](repeating: UInt8(i % 251), count: valueSize), sequenceId: UInt64(i + 1)))
            }
        }
        return out
    }

    static func write(_ fs: MemoryFileSystem, _ path: String, _ cells: [Cell], blockSize: Int = 1024, bloom: ColumnFamilyDescriptor.BloomType = .row, order: RowOrder = .bytes, maxIndexBlockSize: Int = HFileFormat.maxIndexBlockSize) throws -> HFileInfo {
        let w = try HFileWriter(fileSystem: fs, path: path, blockSize: blockSize, bloomType: bloom, expectedKeys: cells.count, createdAt: 42, order: order, maxIndexBlockSize: maxIndexBlockSize)
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        for c in cells {
            try buf.withUnsafeMutableBytes { p in
                EncodedCell.write(c, to: p.baseAddress!)
                try w.append(EncodedCell(p.baseAddress!), sequenceId: c.sequenceId)
            }
        }
        return try w.finish()
    }

    static func readAll(_ r: HFileReader) throws -> [Cell] {
        let s = r.scanner(cacheBlocks: true)
        try seekStart(s)
        var out: [Cell] = []
        while let c = s.peek {
            out.append(c.cell.toCell(sequenceId: c.sequenceId))
            try s.next()
        }
        return out
    }

    static func seekStart(_ s: HFileScanner) throws { try seek(s, row: []) }

    static func seek(_ s: HFileScanner, row: [UInt8]) throws {
        var key = [UInt8](repeating: 0, count: 64 + row.count)
        try key.withUnsafeMutableBytes { p in
            let e = UnsafeRawBufferPointer(start: nil, count: 0)
            try row.withUnsafeBytes { r in
                EncodedCell.write(to: p.baseAddress!, row: r, family: e, qualifier: e, timestamp: .max, type: CellType.maximum.rawValue, value: e)
            }
            try s.seek(EncodedCell(p.baseAddress!))
        }
    }

    @Test func roundTripsEveryCellAndItsFileInfo() throws {
        let fs = MemoryFileSystem()
        let cells = Self.cells(500)
        let info = try Self.write(fs, "h1", cells)
        let r = try HFileReader(fileSystem: fs, path: "h1", cache: nil)
        #expect(r.info == info)
        #expect(info.cellCount == 1000)
        #expect(info.rowCount == 500)
        #expect(info.maxSequenceId == 500)
        #expect(info.minTimestamp == 1000 && info.maxTimestamp == 1499)
        #expect(info.createdAt == 42)
        #expect(r.trailer.dataBlockCount > 50)
        let back = try Self.readAll(r)
        #expect(back == cells)
        #expect(back.map(\.sequenceId) == cells.map(\.sequenceId))
    }

    @Test func seeksToEveryRowAndPastTheEnd() throws {
        let fs = MemoryFileSystem()
        let cells = Self.cells(300)
        _ = try Self.write(fs, "h", cells)
        let r = try HFileReader(fileSystem: fs, path: "h", cache: BlockCache(capacity: 1 << 20))
        let s = r.scanner(cacheBlocks: true)
        for i in stride(from: 0, to: 300, by: 7) {
            try Self.seek(s, row: b(String(format: "r%05d", i)))
            #expect(s.peek.map { Array($0.cell.row) } == b(String(format: "r%05d", i)))
            // Between rows: lands on the next one.
            try Self.seek(s, row: b(String(format: "r%05d", i)) + [0])
            let next = i + 1 < 300 ? b(String(format: "r%05d", i + 1)) : nil
            #expect(s.peek.map { Array($0.cell.row) } == next)
        }
        try Self.seek(s, row: b("s"))
        #expect(s.peek == nil)
    }

    @Test func multiLevelIndexFindsEveryRow() throws {
        let fs = MemoryFileSystem()
        let cells = Self.cells(2000, valueSize: 10)
        _ = try Self.write(fs, "h", cells, blockSize: 1024, maxIndexBlockSize: 512)
        let r = try HFileReader(fileSystem: fs, path: "h", cache: BlockCache(capacity: 1 << 20))
        #expect(r.trailer.indexLevels >= 3)
        #expect(try Self.readAll(r) == cells)
        let s = r.scanner(cacheBlocks: true)
        for i in stride(from: 1, to: 2000, by: 37) {
            let row = b(String(format: "r%05d", i))
            try Self.seek(s, row: row)
            #expect(s.peek.map { Array($0.cell.row) } == row)
            let last = try row.withUnsafeBytes { try s.lastRow(below: $0) }
            #expect(last.map { Array(EncodedCell($0).row) } == b(String(format: "r%05d", i - 1)))
        }
        let first = try b("r00000").withUnsafeBytes { try s.lastRow(below: $0) }
        #expect(first == nil)
        #expect(try s.lastRow(below: nil).map { Array(EncodedCell($0).row) } == b("r01999"))
    }

    @Test func bloomFiltersSkipAbsentRowsAndColumns() throws {
        let fs = MemoryFileSystem()
        let cells = Self.cells(1000)
        _ = try Self.write(fs, "row", cells, bloom: .row)
        _ = try Self.write(fs, "rowcol", cells, bloom: .rowcol)
        let row = try HFileReader(fileSystem: fs, path: "row", cache: nil)
        let rowcol = try HFileReader(fileSystem: fs, path: "rowcol", cache: nil)
        for i in 0..<1000 {
            let r = b(String(format: "r%05d", i))
            #expect(r.withUnsafeBytes { row.mayContain(row: $0, qualifiers: nil) })
            #expect(r.withUnsafeBytes { rowcol.mayContain(row: $0, qualifiers: [b("q1")]) })
        }
        var falseRow = 0, falseCol = 0
        for i in 1000..<11000 {
            let r = b(String(format: "r%05d", i))
            if r.withUnsafeBytes({ row.mayContain(row: $0, qualifiers: nil) }) { falseRow += 1 }
            if b(String(format: "r%05d", i - 1000)).withUnsafeBytes({ rowcol.mayContain(row: $0, qualifiers: [b("zz\(i)")]) }) { falseCol += 1 }
        }
        #expect(falseRow < 300, "false positive rate \(falseRow) / 10000")
        #expect(falseCol < 300, "false positive rate \(falseCol) / 10000")
    }

    @Test func rowColBloomKeepsFilesWithFamilyDeletes() throws {
        let fs = MemoryFileSystem()
        let marker = Cell(row: b("r"), family: b("f"), qualifier: [], timestamp: 5, type: .deleteFamily, sequenceId: 1)
        _ = try Self.write(fs, "h", [marker], bloom: .rowcol)
        let r = try HFileReader(fileSystem: fs, path: "h", cache: nil)
        #expect(b("r").withUnsafeBytes { r.mayContain(row: $0, qualifiers: [b("anything")]) })
    }

    @Test func corruptBlockNamesFileAndOffsetAndOtherBlocksStillRead() throws {
        let fs = MemoryFileSystem()
        let cells = Self.cells(400)
        _ = try Self.write(fs, "h", cells)
        let r0 = try HFileReader(fileSystem: fs, path: "h", cache: nil)
        let s0 = r0.scanner(cacheBlocks: false)
        try Self.seek(s0, row: b("r00200"))
        let (offset, _) = try #require(try {
            let k = Self.cells(201).last!
            var buf = [UInt8](repeating: 0, count: 256)
            return try buf.withUnsafeMutableBytes { p -> (Int64, Int)? in
                EncodedCell.write(k, to: p.baseAddress!)
                let key = EncodedCell(p.baseAddress!)
                let i = r0.rootIndex.firstAtOrAfter(key, .max, .bytes)
                return i < r0.rootIndex.count ? r0.rootIndex.child(i) : nil
            }
        }())
        fs.corrupt("h", at: Int(offset) + 20)
        let r = try HFileReader(fileSystem: fs, path: "h", cache: nil)
        let s = r.scanner(cacheBlocks: false)
        #expect {
            try Self.seek(s, row: b("r00200"))
        } throws: { e in
            guard let e = e as? StorageError else { return false }
            return e.kind == .corruptFile && e.message.contains("'h'") && e.message.contains("offset \(offset)")
        }
        try Self.seek(s, row: b("r00010"))
        #expect(s.peek.map { Array($0.cell.row) } == b("r00010"))
    }

    @Test func truncatedFileIsAClearError() throws {
        let fs = MemoryFileSystem()
        _ = try Self.write(fs, "h", Self.cells(100))
        try fs.truncate("h", to: try fs.fileSize("h") - 10)
        #expect {
            _ = try HFileReader(fileSystem: fs, path: "h", cache: nil)
        } throws: { e in
            (e as? StorageError)?.kind == .corruptFile && ((e as? StorageError)?.message.contains("truncated") ?? false)
        }
    }

    @Test func emptyFileHasNoCells() throws {
        let fs = MemoryFileSystem()
        let info = try Self.write(fs, "h", [])
        #expect(info.cellCount == 0)
        let r = try HFileReader(fileSystem: fs, path: "h", cache: nil)
        #expect(try Self.readAll(r).isEmpty)
        #expect(!r.mayContain(timeRange: .all))
    }

    @Test func blocksEnterTheCacheUnlessAskedNotTo() throws {
        let fs = MemoryFileSystem()
        _ = try Self.write(fs, "h", Self.cells(200))
        let cache = BlockCache(capacity: 8 << 20)
        let r = try HFileReader(fileSystem: fs, path: "h", cache: cache)
        _ = try { let s = r.scanner(cacheBlocks: false); try Self.seekStart(s); while s.peek != nil { try s.next() } }()
        #expect(cache.statistics.count == 0)
        _ = try Self.readAll(r)
        let n = cache.statistics.count
        #expect(n == r.trailer.dataBlockCount)
        _ = try Self.readAll(r)
        #expect(cache.statistics.hits >= n)
    }
}
