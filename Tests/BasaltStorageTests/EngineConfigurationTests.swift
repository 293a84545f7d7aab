import Testing
@testable import BasaltStorage

/// An engine refuses settings it cannot run with before it opens anything, naming the field.
@Suite struct EngineConfigurationTests {
    @Test func theDefaultsAreValid() throws {
        try StorageEngine.Configuration().validate()
    }

    @Test func aBadSettingIsRefusedByName() throws {
        let cases: [(String, (inout StorageEngine.Configuration) -> Void)] = [
            ("flush.flushSize", { $0.flush.flushSize = 0 }),
            ("flush.blockMultiplier", { $0.flush.blockMultiplier = 0 }),
            ("flush.blockMultiplier", { $0.flush.flushSize = Int.max / 2 }),
            ("flush.globalLowerLimit", { $0.flush.globalLowerLimit = $0.flush.globalLimit + 1 }),
            ("region.compaction.minFiles", { $0.region.compaction.maxFiles = 0 }),
            ("region.compaction.minFiles", { $0.region.compaction.minFiles = 1 }),
            ("region.compaction.ratio", { $0.region.compaction.ratio = .nan }),
            ("split.maxFileSize", { $0.split.maxFileSize = -1 }),
            ("compactionThreads", { $0.compactionThreads = -1 }),
            ("flusherThreads", { $0.flusherThreads = 0 }),
            ("blockCacheFraction", { $0.blockCacheFraction = 1.5 }),
            ("wal.rollSize", { $0.wal.rollSize = 0 }),
        ]
        for (field, edit) in cases {
            var c = StorageEngine.Configuration()
            edit(&c)
            let fs = MemoryFileSystem()
            let error = try #require(throws: StorageError.self) {
                _ = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: c)
            }
            #expect(error.kind == .invalidArgument, "\(error)")
            #expect(error.message.contains(field), "\(field): \(error.message)")
            #expect(!fs.exists("root/WALs"), "\(field): nothing is opened before the check")
        }
    }
}
