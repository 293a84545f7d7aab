import BasaltCore

/// The file operations the engine needs, so that the same code runs on disk (`POSIXFileSystem`) and on a
/// crashable in-memory model (`MemoryFileSystem`) in tests. Implementations are safe to share across threads.
public protocol FileSystem: Sendable {
    /// Creates the folder and its parents; no error when it exists.
    func createDirectory(_ path: String) throws
    /// Names (not paths) of the entries in a folder, sorted; empty when the folder does not exist.
    func list(_ path: String) throws -> [String]
    func exists(_ path: String) -> Bool
    func fileSize(_ path: String) throws -> Int
    /// Opens a file for appending, creating it when missing (and truncating it when `truncate`).
    func openForAppend(_ path: String, truncate: Bool) throws -> any WritableFile
    /// Creates (or truncates) a log file that is written ahead with zeros in `chunk`-byte steps, so a sync
    /// of appended bytes rarely has to commit a new file size. Readers see a zero tail past the appended
    /// bytes until `close()` trims it. File systems that gain nothing from it append plainly.
    func openForLog(_ path: String, preallocationChunk chunk: Int) throws -> any WritableFile
    func openForRead(_ path: String) throws -> any ReadableFile
    /// Reads a whole file.
    func readAll(_ path: String) throws -> [UInt8]
    func delete(_ path: String) throws
    func rename(_ from: String, to: String) throws
    /// Gives an existing file a second name (a hard link): both names reach the same bytes, and deleting
    /// one leaves the other. Fails when `to` exists. Split and merge share immutable HFiles this way.
    func link(_ from: String, to: String) throws
    /// Cuts a file down to `length` bytes, durably.
    func truncate(_ path: String, to length: Int) throws
    /// Makes the folder's entries (creations, renames, deletions) durable.
    func syncDirectory(_ path: String) throws
    /// Takes an exclusive lock on the file (created when missing) without waiting: nil when another
    /// holder has it. The lock lasts until `unlock()`, or until the holding process ends.
    func tryLock(_ path: String) throws -> (any FileLock)?
    /// Cuts the storage client `owner` off this file system, so that it can write nothing more and the
    /// locks it holds are released: the counterpart of HDFS's lease recovery (CephFS: evicting the client
    /// at the metadata server). `owner` is what a region server recorded as its identity
    /// (`basalt.fs.fence.owner`). A master fences a dead server before it takes the server's WAL lock.
    /// A local root needs none (a dead process holds no lock and writes nothing): the default does nothing.
    func fence(owner: String) throws
    /// Whether `path` is on a file system other machines share (a network or cluster file system), where
    /// bytes written but not synced are lost with this machine, not only with a power cut.
    func isShared(_ path: String) -> Bool
}

/// A held exclusive file lock (see `FileSystem.tryLock`).
public protocol FileLock: AnyObject, Sendable {
    /// Releases the lock; later calls do nothing.
    func unlock()
}

/// A file open for appending. Used by one writer at a time; not safe for concurrent use.
public protocol WritableFile: AnyObject {
    /// Writes all the bytes (like `write(2)` in a loop): once this returns they survive a process crash.
    func append(_ bytes: UnsafeRawBufferPointer) throws
    /// `fdatasync`: once this returns, the bytes survive a power loss.
    func sync() throws
    /// Bytes written so far.
    var size: Int { get }
    func close() throws
}

/// A file open for positional reads; safe for concurrent readers.
public protocol ReadableFile: AnyObject, Sendable {
    var size: Int { get }
    /// Reads up to `count` bytes at `offset` into `buffer`; returns the bytes read.
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int
    func close() throws
}

extension FileSystem {
    public func fence(owner: String) throws {}

    public func isShared(_ path: String) -> Bool { false }

    /// Deletes a folder and everything under it (or a single file); nothing happens when it is missing.
    public func deleteTree(_ path: String) throws {
        guard exists(path) else { return }
        if (try? delete(path)) != nil, !exists(path) { return }
        for name in try list(path) {
            let child = joinPath(path, name)
            if (try? delete(child)) == nil || exists(child) { try deleteTree(child) }
        }
        try delete(path)
    }

    public func openForAppend(_ path: String) throws -> any WritableFile { try openForAppend(path, truncate: false) }

    public func openForLog(_ path: String, preallocationChunk chunk: Int) throws -> any WritableFile {
        try openForAppend(path, truncate: true)
    }
}

/// Joins path components with `/`.
public func joinPath(_ parts: String...) -> String {
    var out = ""
    for p in parts where !p.isEmpty {
        if out.isEmpty || out.hasSuffix("/") { out += p } else { out += "/" + p }
    }
    return out
}

/// The folder part of a path ("" when there is none).
public func parentPath(_ path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "" }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

extension FileSystem {
    /// Replaces the file at `path` with `bytes` so that a crash at any point leaves either the old file
    /// or the new one, whole: write a temporary file beside it, fsync it, rename it over `path`, then
    /// fsync the folder.
    public func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let dir = parentPath(path)
        try createDirectory(dir)
        let tmp = path + ".tmp"
        let file = try openForAppend(tmp, truncate: true)
        do {
            try bytes.withUnsafeBytes { try file.append($0) }
            try file.sync()
            try file.close()
        } catch {
            try? file.close()
            try? delete(tmp)
            throw error
        }
        try rename(tmp, to: path)
        try syncDirectory(dir)
    }
}
