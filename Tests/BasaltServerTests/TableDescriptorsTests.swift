import BasaltCore
import Foundation
import BasaltProtocol
import BasaltStorage
import Testing
@testable import BasaltServer

/// The master's table files go through the `FileSystem`: a descriptor is replaced with a temporary file,
/// fsync, rename and a folder fsync, so a crash or power loss at any step leaves the old descriptor or the
/// new one, whole, never none.
@Suite struct TableDescriptorsTests {
    static func descriptor(families: [String]) throws -> TableDescriptor {
        try TableDescriptor(name: try TableName("t"), families: families.map { ColumnFamilyDescriptor($0) })
    }

    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func aDescriptorReplacedWithACrashAtEveryStepIsTheOldOneOrTheNewOne() throws {
        let old = try Self.descriptor(families: ["a"])
        let new = try Self.descriptor(families: ["a", "b", "c"])
        var budget = 0
        var failures = 0
        while true {
            for powerLoss in [false, true] {
                let fs = MemoryFileSystem()
                let store = TableDescriptors(fileSystem: fs, root: "root")
                try store.write(old)
                fs.failOperations(after: budget)
                let wrote = (try? store.write(new)) != nil
                fs.failOperations(after: nil)
                if powerLoss { fs.powerLoss() } else { fs.crashProcess() }
                let found = try store.read(old.name)
                #expect(found == old || found == new, "budget \(budget), power loss \(powerLoss)")
                if wrote { #expect(found == new, "budget \(budget)") } else { failures += 1 }
                if wrote && powerLoss {
                    // The procedure finished at this budget: every crash point before it was tried.
                    #expect(failures >= 8, "the write has at least four steps, each tried with a crash and a power loss")
                    return
                }
            }
            budget += 1
        }
    }

    /// A descriptor of a Basalt from before (sequence 1, Basalt's own message) still reads, and the next
    /// write replaces it with HBase's `TableSchema`, keeping attributes Basalt does not interpret.
    @Test func aDescriptorInTheOldFormatReadsAndTheNextWriteIsHBases() throws {
        let fs = MemoryFileSystem()
        let store = TableDescriptors(fileSystem: fs, root: "root")
        var old = try Self.descriptor(families: ["a", "b"])
        old.durability = .asyncWAL
        let legacy = joinPath(store.descriptorDirectory(old.name), ".tableinfo.0000000001")
        try fs.writeAtomically(legacy, try PBUFCodec.encode(Basalt_TableSchema(old)))
        #expect(try store.read(old.name) == old)

        var new = old
        var family = try #require(new.family(named: Self.b("a")))
        family.otherAttributes[Self.b("DATA_BLOCK_ENCODING")] = Self.b("FAST_DIFF")
        family.otherAttributes[Self.b("compression_type")] = Self.b("LZO")
        family.configuration["hbase.hstore.blockingStoreFiles"] = "20"
        try new.setFamily(family)
        new.otherAttributes[Self.b("OWNER")] = Self.b("someone")
        try store.write(new)
        #expect(!fs.exists(legacy))
        let current = joinPath(store.descriptorDirectory(old.name), ".tableinfo.0000000002")
        let schema = try PBUFCodec.decode(HBaseTableSchema.self, from: try fs.readAll(current))
        #expect(schema.columnFamilies.first?.attributes.contains { $0.first == Data("VERSIONS".utf8) && $0.second == Data("1".utf8) } == true)
        #expect(try store.read(old.name) == new)
        try store.write(old)
        #expect(try fs.list(store.descriptorDirectory(old.name)) == [".tableinfo.0000000003"])
        #expect(try store.read(old.name) == old)
    }

    @Test func aTableWithNoDescriptorIsAbsentAndRemovalTakesItsFolders() throws {
        let fs = MemoryFileSystem()
        let store = TableDescriptors(fileSystem: fs, root: "root")
        let d = try Self.descriptor(families: ["a", "b"])
        #expect(try store.read(d.name) == nil)
        try store.write(d)
        let region = RegionInfo(table: d.name, regionId: 1)
        try fs.createDirectory(store.tableDirectory(d.name) + "/" + region.encodedName + "/b")
        try store.removeFamily(Array("b".utf8), of: region)
        #expect(!fs.exists(store.tableDirectory(d.name) + "/" + region.encodedName + "/b"))
        #expect(fs.exists(store.tableDirectory(d.name) + "/" + region.encodedName))
        try store.removeTable(d.name)
        #expect(!fs.exists(store.tableDirectory(d.name)))
        #expect(try store.read(d.name) == nil)
    }
}
