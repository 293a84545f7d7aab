import BasaltCore
import BasaltProtocol
import BasaltStorage

/// The tables' folders and descriptors under a cluster's root, as the master keeps them: the descriptor
/// at `data/<ns>/<table>/.tabledesc/.tableinfo.0000000001` (`PBUF` + TableSchema), region folders beside
/// it. All file work goes through a `FileSystem`, and a descriptor is replaced atomically (temporary file,
/// fsync, rename, fsync of the folder), so a crash at any step leaves the old descriptor or the new one,
/// never none. A value type; safe to share across tasks.
struct TableDescriptors: Sendable {
    let fileSystem: any FileSystem
    let root: String

    func tableDirectory(_ table: TableName) -> String {
        joinPath(root, "data", table.namespace, table.qualifier)
    }

    func descriptorPath(_ table: TableName) -> String {
        joinPath(tableDirectory(table), ".tabledesc", ".tableinfo.0000000001")
    }

    func write(_ descriptor: TableDescriptor) throws {
        try fileSystem.writeAtomically(descriptorPath(descriptor.name), try PBUFCodec.encode(Basalt_TableSchema(descriptor)))
    }

    /// The table's descriptor, or nil when it has none.
    func read(_ table: TableName) throws -> TableDescriptor? {
        let path = descriptorPath(table)
        guard fileSystem.exists(path) else { return nil }
        return try PBUFCodec.decode(Basalt_TableSchema.self, from: try fileSystem.readAll(path)).toDescriptor()
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
