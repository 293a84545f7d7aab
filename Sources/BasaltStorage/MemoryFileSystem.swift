import BasaltCore
import Foundation
import Synchronization

/// An in-memory file system that can simulate crashes, for tests.
///
/// It remembers, per file, how many bytes were made durable by `sync()`. `crashProcess()` keeps every
/// written byte (the OS still has them) but kills open handles; `powerLoss(...)` also drops each file's
/// unsynced bytes (optionally keeping a torn prefix of them). Folder entries (creations, renames) are
/// treated as durable at once. Safe to share across threads: all state sits behind one mutex.
public final class MemoryFileSystem: FileSystem {
    final class Node {
        var data: [UInt8] = []
        var syncedLength = 0
    }

    struct State {
        var files: [String: Node] = [:]
        var directories: Set<String> = [""]
        /// Paths locked with `tryLock`, until unlocked or the simulated process crashes.
        var locks: Set<String> = []
        /// Bumped by each crash; handles from an earlier generation refuse to work.
        var generation = 0
        /// When set, writes fail after this many more bytes (an injected disk failure).
        var failWritesAfterBytes: Int?
        /// How long each `sync()` takes, like a real disk (it covers the bytes written when it began).
        var syncDelay: Duration = .zero
        /// When set, the operation after this many more changing operations fails (a crash point).
        var failOperationsAfter: Int?

        /// Counts one changing operation; throws when it is the injected failure.
        mutating func step(_ what: String, _ path: String) throws {
            guard let left = failOperationsAfter else { return }
            if left <= 0 { throw StorageError(.io, "\(what) '\(path)' failed: injected failure") }
            failOperationsAfter = left - 1
        }
    }

    let state = Mutex(State())

    public init() {}

    public func createDirectory(_ path: String) throws {
        try state.withLock { s in
            if !s.directories.contains(path) { try s.step("mkdir", path) }
            var p = path
            while !p.isEmpty && p != "/" {
                s.directories.insert(p)
                p = parentPath(p)
            }
        }
    }

    public func list(_ path: String) throws -> [String] {
        state.withLock { s in
            let prefix = path.isEmpty ? "" : (path.hasSuffix("/") ? path : path + "/")
            var names = Set<String>()
            for key in s.files.keys where key.hasPrefix(prefix) {
                let rest = key.dropFirst(prefix.count)
                if let name = rest.split(separator: "/").first { names.insert(String(name)) }
            }
            for d in s.directories where d.hasPrefix(prefix) && d != path {
                if let name = d.dropFirst(prefix.count).split(separator: "/").first { names.insert(String(name)) }
            }
            return names.sorted()
        }
    }

    public func exists(_ path: String) -> Bool {
        state.withLock { $0.files[path] != nil || $0.directories.contains(path) }
    }

    public func fileSize(_ path: String) throws -> Int {
        try state.withLock { s in
            guard let n = s.files[path] else { throw StorageError(.io, "stat '\(path)' failed: no such file") }
            return n.data.count
        }
    }

    public func openForAppend(_ path: String, truncate: Bool) throws -> any WritableFile {
        try state.withLock { s in
            try s.step("open", path)
            let node = s.files[path] ?? Node()
            if truncate {
                node.data = []
                node.syncedLength = 0
            }
            s.files[path] = node
            return MemoryWritableFile(fs: self, node: node, path: path, generation: s.generation)
        }
    }

    public func openForRead(_ path: String) throws -> any ReadableFile {
        try MemoryReadableFile(bytes: readAll(path), path: path)
    }

    public func readAll(_ path: String) throws -> [UInt8] {
        try state.withLock { s in
            guard let n = s.files[path] else { throw StorageError(.io, "open '\(path)' failed: no such file") }
            return n.data
        }
    }

    /// Deletes a file, or an empty directory.
    public func delete(_ path: String) throws {
        try state.withLock { s in
            try s.step("delete", path)
            guard s.files.removeValue(forKey: path) == nil, s.directories.contains(path) else { return }
            let prefix = path + "/"
            if s.files.keys.contains(where: { $0.hasPrefix(prefix) }) || s.directories.contains(where: { $0.hasPrefix(prefix) }) {
                throw StorageError(.io, "delete '\(path)' failed: the directory is not empty")
            }
            s.directories.remove(path)
        }
    }

    public func rename(_ from: String, to: String) throws {
        try state.withLock { s in
            try s.step("rename", from)
            if let n = s.files.removeValue(forKey: from) {
                s.files[to] = n
                return
            }
            guard s.directories.contains(from) else { throw StorageError(.io, "rename '\(from)' failed: no such file") }
            // A directory: move everything under it.
            let prefix = from + "/"
            for key in s.files.keys where key.hasPrefix(prefix) {
                s.files[to + "/" + key.dropFirst(prefix.count)] = s.files.removeValue(forKey: key)
            }
            for d in s.directories where d == from || d.hasPrefix(prefix) {
                s.directories.remove(d)
                s.directories.insert(to + d.dropFirst(from.count))
            }
        }
    }

    public func link(_ from: String, to: String) throws {
        try state.withLock { s in
            try s.step("link", from)
            guard let n = s.files[from] else { throw StorageError(.io, "link '\(from)' failed: no such file") }
            guard s.files[to] == nil else { throw StorageError(.io, "link to '\(to)' failed: it exists") }
            s.files[to] = n
        }
    }

    public func truncate(_ path: String, to length: Int) throws {
        try state.withLock { s in
            guard let n = s.files[path] else { throw StorageError(.io, "truncate '\(path)' failed: no such file") }
            if length < n.data.count { n.data.removeLast(n.data.count - length) }
            n.syncedLength = n.data.count  // a truncation is synced (as POSIXFileSystem does)
        }
    }

    public func syncDirectory(_ path: String) throws { try state.withLock { try $0.step("fsync", path) } }

    /// The process dies: written bytes stay, open handles stop working.
    public func crashProcess() {
        state.withLock {
            $0.generation += 1
            $0.locks.removeAll()
        }
    }

    public func tryLock(_ path: String) throws -> (any FileLock)? {
        let generation = try state.withLock { s -> Int? in
            guard !s.locks.contains(path) else { return nil }
            if s.files[path] == nil {
                guard s.directories.contains(parentPath(path)) else { throw StorageError(.io, "lock '\(path)' failed: no such directory") }
                s.files[path] = Node()
            }
            s.locks.insert(path)
            return s.generation
        }
        guard let generation else { return nil }
        return MemoryFileLock(fs: self, path: path, generation: generation)
    }

    func release(_ path: String, generation: Int) {
        state.withLock { s in
            if s.generation == generation { s.locks.remove(path) }
        }
    }

    /// The machine loses power: every file keeps its synced bytes plus, when `tornBytes` says so,
    /// a prefix of the unsynced ones (a torn write). Open handles stop working.
    public func powerLoss(tornBytes: (_ path: String, _ unsynced: Int) -> Int = { _, _ in 0 }) {
        state.withLock { s in
            s.generation += 1
            s.locks.removeAll()
            for (path, n) in s.files {
                let unsynced = n.data.count - n.syncedLength
                guard unsynced > 0 else { continue }
                let keep = max(0, min(unsynced, tornBytes(path, unsynced)))
                n.data.removeLast(unsynced - keep)
                n.syncedLength = n.data.count
            }
        }
    }

    /// Makes every `sync()` take this long, so concurrent writers overlap with it as with a real disk.
    public func setSyncDelay(_ delay: Duration) {
        state.withLock { $0.syncDelay = delay }
    }

    /// Makes the operation after `operations` more changing ones fail (nil: never): folder creations,
    /// opens for writing, appends, syncs, renames, links, deletes and folder syncs each count one. A test
    /// stops a procedure there, crashes, and checks what a restart finds.
    public func failOperations(after operations: Int?) {
        state.withLock { $0.failOperationsAfter = operations }
    }

    /// Makes writes fail once `bytes` more bytes have been written (nil: never).
    public func failWrites(afterBytes bytes: Int?) {
        state.withLock { $0.failWritesAfterBytes = bytes }
    }

    /// Overwrites one byte of a file (to test corruption handling).
    public func corrupt(_ path: String, at offset: Int, with byte: UInt8? = nil) {
        state.withLock { s in
            guard let n = s.files[path], offset < n.data.count else { return }
            n.data[offset] = byte ?? ~n.data[offset]
        }
    }
}

final class MemoryWritableFile: WritableFile {
    let fs: MemoryFileSystem
    let node: MemoryFileSystem.Node
    let path: String
    let generation: Int
    var closed = false

    init(fs: MemoryFileSystem, node: MemoryFileSystem.Node, path: String, generation: Int) {
        self.fs = fs
        self.node = node
        self.path = path
        self.generation = generation
    }

    var size: Int { fs.state.withLock { _ in node.data.count } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        try fs.state.withLock { s in
            guard !closed, s.generation == generation else { throw StorageError(.io, "write '\(path)' failed: the handle died in a crash") }
            try s.step("write", path)
            if let budget = s.failWritesAfterBytes {
                let n = min(budget, bytes.count)
                node.data.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<n]))
                s.failWritesAfterBytes = budget - n
                if n < bytes.count { throw StorageError(.io, "write '\(path)' failed: injected I/O error") }
                return
            }
            node.data.append(contentsOf: bytes)
        }
    }

    func sync() throws {
        let (covered, delay) = try fs.state.withLock { s in
            guard !closed, s.generation == generation else { throw StorageError(.io, "fdatasync '\(path)' failed: the handle died in a crash") }
            try s.step("fdatasync", path)
            if s.failWritesAfterBytes == 0 { throw StorageError(.io, "fdatasync '\(path)' failed: injected I/O error") }
            return (node.data.count, s.syncDelay)
        }
        if delay > .zero { Thread.sleep(forTimeInterval: delay.inSeconds) }
        try fs.state.withLock { s in
            guard s.generation == generation else { throw StorageError(.io, "fdatasync '\(path)' failed: the handle died in a crash") }
            node.syncedLength = max(node.syncedLength, covered)
        }
    }

    func close() throws { closed = true }
}

final class MemoryReadableFile: ReadableFile {
    let bytes: [UInt8]
    let path: String

    init(bytes: [UInt8], path: String) {
        self.bytes = bytes
        self.path = path
    }

    var size: Int { bytes.count }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        guard offset < bytes.count else { return 0 }
        let n = min(buffer.count, bytes.count - offset)
        bytes.withUnsafeBytes { src in
            buffer.baseAddress!.copyMemory(from: src.baseAddress! + offset, byteCount: n)
        }
        return n
    }

    func close() throws {}
}

/// A lock of the in-memory file system; a crash releases it as the kernel would.
final class MemoryFileLock: FileLock {
    private let fs: MemoryFileSystem
    private let path: String
    private let generation: Int
    private let held = Mutex(true)

    init(fs: MemoryFileSystem, path: String, generation: Int) {
        self.fs = fs
        self.path = path
        self.generation = generation
    }

    func unlock() {
        guard held.withLock({ h in defer { h = false }; return h }) else { return }
        fs.release(path, generation: generation)
    }

    deinit { unlock() }
}
