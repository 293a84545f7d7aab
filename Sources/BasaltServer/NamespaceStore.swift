import BasaltCore
import BasaltProtocol
import BasaltStorage

/// The namespaces of a cluster, as the master keeps them under its root: `data/<ns>/.nsdesc` holds `PBUF` +
/// HBase's `NamespaceDescriptor`, next to the namespace's table folders. `default` and `hbase` always
/// exist, with or without a file. Writes go through the `FileSystem` (temporary file, fsync, rename). The
/// master calls it under its procedure lock. A value type; safe to share across tasks.
struct NamespaceStore: Sendable {
    let fileSystem: any FileSystem
    let root: String
    static let fileName = ".nsdesc"

    private func path(_ name: String) -> String { joinPath(root, "data", name, Self.fileName) }

    func read(_ name: String) throws -> NamespaceDescriptor? {
        let file = path(name)
        guard fileSystem.exists(file) else { return NamespaceDescriptor.builtIn.contains(name) ? try NamespaceDescriptor(name: name) : nil }
        return try PBUFCodec.decode(HBaseNamespaceDescriptor.self, from: try fileSystem.readAll(file)).toDescriptor()
    }

    func exists(_ name: String) throws -> Bool { try read(name) != nil }

    func write(_ d: NamespaceDescriptor) throws {
        try fileSystem.writeAtomically(path(d.name), try PBUFCodec.encode(HBaseNamespaceDescriptor(d)))
    }

    /// Every namespace, built-in ones included, by name.
    func all() throws -> [NamespaceDescriptor] {
        let data = joinPath(root, "data")
        var names = Set(NamespaceDescriptor.builtIn)
        if fileSystem.exists(data) {
            for name in try fileSystem.list(data) where fileSystem.exists(joinPath(data, name, Self.fileName)) { names.insert(name) }
        }
        return try names.sorted().compactMap { try read($0) }
    }

    /// Removes a namespace's file and folder (the caller checked it holds no table).
    func remove(_ name: String) throws {
        try fileSystem.deleteTree(joinPath(root, "data", name))
    }
}
