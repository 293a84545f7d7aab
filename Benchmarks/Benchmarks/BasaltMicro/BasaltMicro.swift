import BasaltCore
import BasaltProtocol
import BasaltStorage
import Benchmark
import NIOCore

/// The hot paths one at a time: cell compare, CRC32C, bloom probe, MemStore insert, a region's write
/// (WAL append and MemStore, on an in-memory file system) and read after a flush (block seek), meta's row
/// order, RPC framing. Names have no spaces: the thresholds files are named after them.
/// Thresholds live in Thresholds/ and are checked by scripts/bench-micro.
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(2),
        maxIterations: .kilo(10),
        // scripts/bench-micro checks each p90 against Thresholds/: time may drift 35% on this noisy
        // 2-core machine, allocations 10% (and at least 2).
        thresholds: [
            .wallClock: .init(relative: [.p90: 35.0]),
            .mallocCountTotal: .init(relative: [.p90: 10.0], absolute: [.p90: 2]),
        ]
    )

    let rowA = Array("user0000000000001234".utf8), rowB = Array("user0000000000001235".utf8)
    let cellA = Cell(row: rowA, family: [0x66], qualifier: Array("field0".utf8), timestamp: 1000, value: [])
    let cellB = Cell(row: rowB, family: [0x66], qualifier: Array("field0".utf8), timestamp: 1000, value: [])
    Benchmark("CellCompare") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(CellComparator.compare(cellA, cellB)) }
    }

    let block = [UInt8](repeating: 0xA5, count: 4096)
    Benchmark("CRC32C-4KiB") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(CRC32C.checksum(block)) }
    }

    let bloom = BloomFilter(expectedKeys: 10_000)
    for i in 0..<10_000 { Array("row\(i)".utf8).withUnsafeBytes { bloom.add(hash: BloomFilter.rowHash($0)) } }
    let probe = Array("row-absent".utf8)
    Benchmark("BloomProbe") { benchmark in
        probe.withUnsafeBytes { p in
            for _ in benchmark.scaledIterations { blackHole(bloom.mayContain(hash: BloomFilter.rowHash(p))) }
        }
    }

    Benchmark("MemStoreInsert-100B") { benchmark in
        let store = MemStore(pool: MemStoreChunkPool())
        let cells = (0..<benchmark.scaledIterations.count).map { i in
            Cell(row: Array("user\(i * 7919 % 1_000_003)".utf8), family: [0x66], qualifier: [0x71], value: [UInt8](repeating: 1, count: 100))
        }
        benchmark.startMeasurement()
        for (i, c) in cells.enumerated() { store.insert(c, timestamp: 1, sequenceId: UInt64(i + 1)) }
        benchmark.stopMeasurement()
        blackHole(store)
    }

    let meta = RowOrder.meta
    let metaA = Array("usertable,user0000001234,1700000000000.0123456789abcdef0123456789abcdef.".utf8)
    let metaB = Array("usertable,user0000001234,1700000000001.fedcba9876543210fedcba9876543210.".utf8)
    Benchmark("MetaRowCompare") { benchmark in
        for _ in benchmark.scaledIterations { blackHole(meta.compare(metaA, metaB)) }
    }

    Benchmark("RegionPut-AsyncWAL") { benchmark in
        let (engine, region) = try Fixture.region()
        let puts = (0..<benchmark.scaledIterations.count).map { i in
            var p = Put(row: Array("user\(i * 7919 % 1_000_003)".utf8))
            p.add(family: [0x66], qualifier: [0x71], value: [UInt8](repeating: 1, count: 100))
            p.durability = .asyncWAL
            return p
        }
        benchmark.startMeasurement()
        for p in puts { try region.put(p) }
        benchmark.stopMeasurement()
        try engine.shutdown(flush: false)
    }

    Benchmark("RegionGet-AfterFlush") { benchmark in
        let (engine, region) = try Fixture.region()
        for i in 0..<20_000 {
            var p = Put(row: Array("user\(i)".utf8))
            p.add(family: [0x66], qualifier: [0x71], value: [UInt8](repeating: 1, count: 100))
            p.durability = .skipWAL
            try region.put(p)
        }
        _ = try engine.flush(region)
        let gets = (0..<benchmark.scaledIterations.count).map { Get(row: Array("user\($0 * 7919 % 20_000)".utf8)) }
        benchmark.startMeasurement()
        for g in gets { blackHole(try region.get(g)) }
        benchmark.stopMeasurement()
        try engine.shutdown(flush: false)
    }

    var get = HBaseGetRequest()
    get.region.type = .regionName
    get.region.value = .init(metaA)
    get.get.row = .init(rowA)
    let request = get
    Benchmark("RPCFrame-EncodeDecode") { benchmark in
        var buffer = ByteBufferAllocator().buffer(capacity: 256)
        for i in benchmark.scaledIterations {
            buffer.clear()
            try RPCFraming.writeRequest(callId: UInt32(truncatingIfNeeded: i), method: "Get", param: request, into: &buffer)
            let length = Int(buffer.readInteger(as: UInt32.self) ?? 0)
            blackHole(try RPCFraming.readRequest(buffer.readSlice(length: length) ?? buffer))
        }
    }
}

/// A region of one family on an in-memory file system.
enum Fixture {
    static func region() throws -> (StorageEngine, Region) {
        let engine = try StorageEngine(fileSystem: MemoryFileSystem(), root: "/bench", serverName: "bench,1,1")
        let table = try TableName("bench")
        let descriptor = try TableDescriptor(name: table, families: [ColumnFamilyDescriptor("f")])
        let region = try engine.openRegion(RegionInfo(table: table, regionId: 1), descriptor: descriptor)
        return (engine, region)
    }
}
