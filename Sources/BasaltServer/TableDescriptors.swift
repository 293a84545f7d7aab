import BasaltCore
import BasaltProtocol
import BasaltStorage

/// The tables' folders and descriptors under a cluster's root, as the master keeps them. A descriptor is
/// `data/<ns>/<table>/.tabledesc/.tableinfo.<10-digit sequence>` holding `PBUF` + HBase's `TableSchema`
/// (HBase's own layout); the highest sequence is current. Sequence 1 is the format of Basalt before
/// session 11 (`PBUF` + `Basalt_TableSchema`), still read; every write goes to the next sequence, so it is
/// rewritten in HBase's format the first time the table changes. A write is a temporary file, fsync,
/// rename and a folder fsync, and only then are older sequences deleted: a crash at any step leaves the
/// old descriptor or the new one, never none. All file work goes through a `FileSystem`. A value type;
/// safe to share across tasks.
struct TableDescriptors: Sendable {
    let fileSystem: any FileSystem
    let root: String
    static let prefix = ".tableinfo."
    /// The sequence of descriptors written before they were in HBase's format.
    static let legacySequence = 1

    func tableDirectory(_ table: TableName) -> String {
        joinPath(root, "data", table.namespace, table.qualifier)
    }

    func descriptorDirectory(_ table: TableName) -> String { joinPath(tableDirectory(table), ".tabledesc") }

    static func fileName(_ sequence: Int) -> String {
        let digits = String(sequence)
        return prefix + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    /// The descriptor files of a table, by sequence, highest first.
    private func sequences(_ table: TableName) throws -> [Int] {
        try fileSystem.list(descriptorDirectory(table)).compactMap { name -> Int? in
            guard name.hasPrefix(Self.prefix) else { return nil }
            return Int(name.dropFirst(Self.prefix.count))
        }.sorted(by: >)
    }

    func write(_ descriptor: TableDescriptor) throws {
        let dir = descriptorDirectory(descriptor.name)
        let existing = try sequences(descriptor.name)
        let next = max(existing.first ?? 0, Self.legacySequence) + 1
        try fileSystem.writeAtomically(joinPath(dir, Self.fileName(next)), try PBUFCodec.encode(HBaseTableSchema(descriptor)))
        for old in existing { try fileSystem.delete(joinPath(dir, Self.fileName(old))) }
        if !existing.isEmpty { try fileSystem.syncDirectory(dir) }
    }

    /// The table's descriptor, or nil when it has none.
    func read(_ table: TableName) throws -> TableDescriptor? {
        guard let current = try sequences(table).first else { return nil }
        let bytes = try fileSystem.readAll(joinPath(descriptorDirectory(table), Self.fileName(current)))
        if current == Self.legacySequence {
            return try PBUFCodec.decode(Basalt_TableSchema.self, from: bytes).toDescriptor()
        }
        return try PBUFCodec.decode(HBaseTableSchema.self, from: bytes).toDescriptor()
    }

    /// Removes the table's folder: descriptor, regions and their files.
    func removeTable(_ table: TableName) throws {
        try fileSystem.deleteTree(tableDirectory(table))
    }

    /// Removes one region's folder.
    func removeRegion(_ region: RegionInfo) throws {
        try fileSystem.deleteTree(joinPath(tableDirectory(region.table), region.encodedName))
    }

    /// Removes one family's folder of a region (a dropped family's files).
    func removeFamily(_ family: [UInt8], of region: RegionInfo) throws {
        try fileSystem.deleteTree(joinPath(tableDirectory(region.table), region.encodedName, String(decoding: family, as: UTF8.self)))
    }
}
