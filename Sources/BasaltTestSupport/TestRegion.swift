import BasaltCore
import BasaltStorage

/// Builds regions for tests: table `t`, families as given, a WAL in `wal/` and HFiles under `data/` of
/// the given file system. Reopening opens the HFiles and replays the WAL, as a restarted process would.
/// For tests only.
package struct TestRegionFactory: Sendable {
    package let fileSystem: any FileSystem
    package let info: RegionInfo
    package let descriptor: TableDescriptor
    package var walConfiguration = WAL.Configuration()
    package var regionConfiguration = Region.Configuration()
    package let pool = MemStoreChunkPool(chunkSize: 64 * 1024)
    package let blockCache = BlockCache(capacity: 4 << 20)

    package init(fileSystem: any FileSystem = MemoryFileSystem(), families: [ColumnFamilyDescriptor] = [ColumnFamilyDescriptor("f")], table: String = "t") throws {
        self.fileSystem = fileSystem
        let name = try TableName(table)
        info = RegionInfo(table: name, regionId: 1_700_000_000_000)
        descriptor = try TableDescriptor(name: name, families: families)
    }

    /// Opens the WAL (repairing torn tails) and the region (replaying the WAL).
    package func open(clock: @escaping @Sendable () -> Int64 = Region.systemClock) throws -> (WAL, Region) {
        let wal = try WAL(fileSystem: fileSystem, directory: "wal", configuration: walConfiguration)
        let region = try Region(
            info: info, descriptor: descriptor, wal: wal, pool: pool, configuration: regionConfiguration, files: files, clock: clock)
        return (wal, region)
    }

    /// Where the region's files live.
    package var files: RegionFiles {
        RegionFiles(fileSystem: fileSystem, directory: RegionFiles.directory(root: "", region: info), blockCache: blockCache)
    }
}

/// Shorthand for byte strings in tests.
package func b(_ s: String) -> [UInt8] { Array(s.utf8) }

extension Region {
    /// The newest value of one column, for tests.
    package func value(_ row: String, _ family: String, _ qualifier: String) throws -> [UInt8]? {
        var g = Get(row: b(row))
        g.columns.addColumn(family: b(family), qualifier: b(qualifier))
        return try get(g).value(family: b(family), qualifier: b(qualifier))
    }

    /// Puts one value, for tests.
    package func put(_ row: String, _ family: String, _ qualifier: String, _ value: String, ts: Int64? = nil, durability: Durability = .useDefault) throws {
        var p = Put(row: b(row))
        p.durability = durability
        p.add(family: b(family), qualifier: b(qualifier), value: b(value), timestamp: ts)
        try put(p)
    }
}
