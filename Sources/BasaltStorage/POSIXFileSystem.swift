import BasaltCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system, through POSIX calls: a local folder, or a shared mount (CephFS) that every
/// server reaches, where `fenceCommand` cuts a dead server's client off. Stateless; safe to share across
/// threads.
public struct POSIXFileSystem: FileSystem {
    /// How to fence a storage client; nil on a local root (fencing does nothing).
    package let fenceCommand: FenceCommand?

    /// A local folder: no fencing.
    public init() {
        self.fenceCommand = nil
    }

    package init(fenceCommand: FenceCommand?) {
        self.fenceCommand = fenceCommand
    }

    public func fence(owner: String) throws {
        try fenceCommand?.run(owner: owner)
    }

    /// File system types (as `/proc/self/mountinfo` names them) that other machines share: CephFS (kernel
    /// or ceph-fuse), any FUSE network file system (GlusterFS, MooseFS), NFS, SMB/CIFS, Lustre, GPFS.
    static func isSharedType(_ type: String) -> Bool {
        type.hasPrefix("fuse.") || ["ceph", "nfs", "nfs4", "cifs", "smb3", "lustre", "gpfs", "glusterfs"].contains(type)
    }

    /// Looks the path's mount up in `/proc/self/mountinfo` (the longest mount point that contains it);
    /// false where that file does not exist.
    public func isShared(_ path: String) -> Bool {
        // A /proc file has no size: read it to its end.
        let fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            info += chunk[0..<n]
        }
        var best: (point: String, type: String)?
        for line in String(decoding: info, as: UTF8.self).split(separator: "\n") {
            // id parent major:minor root mount-point options [optional...] - type source super-options
            let fields = line.split(separator: " ")
            guard fields.count > 4, let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count else { continue }
            let point = String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            let inside = path == point || point == "/" || path.hasPrefix(point + "/")
            if inside, point.count >= (best?.point.count ?? -1) { best = (point, String(fields[dash + 1])) }
        }
        return best.map { Self.isSharedType($0.type) } ?? false
    }

    static func error(_ op: String, _ path: String, _ err: Int32 = errno) -> StorageError {
        StorageError(.io, "\(op) '\(path)' failed: \(String(cString: strerror(err))) (errno \(err))")
    }

    public func createDirectory(_ path: String) throws {
        if path.isEmpty || exists(path) { return }
        let parent = parentPath(path)
        if !parent.isEmpty && parent != path { try createDirectory(parent) }
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw Self.error("mkdir", path) }
    }

    public func list(_ path: String) throws -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw Self.error("opendir", path)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    public func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    public func tryLock(_ path: String) throws -> (any FileLock)? {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error("open", path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK { return nil }
            errno = e
            throw Self.error("flock", path)
        }
        return POSIXFileLock(fd: fd)
    }

    public func fileSize(_ path: String) throws -> Int {
        var st = stat()
        guard stat(path, &st) == 0 else { throw Self.error("stat", path) }
        return Int(st.st_size)
    }

    public func openForAppend(_ path: String, truncate: Bool) throws -> any WritableFile {
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw Self.error("open", path) }
        var st = stat()
        fstat(fd, &st)
        return POSIXWritableFile(fd: fd, path: path, size: Int(st.st_size))
    }

    public func openForLog(_ path: String, preallocationChunk chunk: Int) throws -> any WritableFile {
        guard chunk > 0 else { return try openForAppend(path, truncate: true) }
        // No O_APPEND: appends go at the logical end, inside the zeros written ahead.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Self.error("open", path) }
        return POSIXWritableFile(fd: fd, path: path, size: 0, preallocationChunk: chunk)
    }

    public func openForRead(_ path: String) throws -> any ReadableFile {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error("open", path) }
        var st = stat()
        fstat(fd, &st)
        return POSIXReadableFile(fd: fd, path: path, size: Int(st.st_size))
    }

    public func readAll(_ path: String) throws -> [UInt8] {
        let file = try openForRead(path)
        defer { try? file.close() }
        let size = file.size
        var out = [UInt8](repeating: 0, count: size)
        var done = 0
        try out.withUnsafeMutableBytes { buf in
            while done < size {
                let n = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buf[done...]), at: done)
                if n == 0 { break }
                done += n
            }
        }
        if done < size { out.removeLast(size - done) }
        return out
    }

    public func delete(_ path: String) throws {
        if unlink(path) == 0 || errno == ENOENT { return }
        // A directory (Linux answers EISDIR): remove it if empty.
        if errno == EISDIR || errno == EPERM {
            if rmdir(path) == 0 { return }
            throw Self.error("rmdir", path)
        }
        throw Self.error("unlink", path)
    }

    public func rename(_ from: String, to: String) throws {
        if Glibc.rename(from, to) != 0 { throw Self.error("rename", "\(from)' to '\(to)") }
    }

    public func link(_ from: String, to: String) throws {
        if Glibc.link(from, to) != 0 { throw Self.error("link", "\(from)' to '\(to)") }
    }

    public func truncate(_ path: String, to length: Int) throws {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error("open", path) }
        defer { close(fd) }
        if ftruncate(fd, off_t(length)) != 0 { throw Self.error("ftruncate", path) }
        if fsync(fd) != 0 { throw Self.error("fsync", path) }
    }

    public func syncDirectory(_ path: String) throws {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Self.error("open", path) }
        defer { close(fd) }
        if fsync(fd) != 0 { throw Self.error("fsync", path) }
    }
}

/// An appending file descriptor. One writer at a time.
///
/// With a preallocation chunk, bytes go in with `pwrite` at the logical end, and whenever they would pass
/// the zeros written so far, another chunk of zeros is written first. `fdatasync` then has a file size to
/// commit only once per chunk, not on every sync (ext4 journals each size change). `close()` trims the
/// zeros that were not used.
final class POSIXWritableFile: WritableFile {
    private var fd: Int32
    let path: String
    private(set) var size: Int
    private let chunk: Int
    private var zeroedEnd = 0

    private static let zeros = [UInt8](repeating: 0, count: 1 << 20)

    init(fd: Int32, path: String, size: Int, preallocationChunk: Int = 0) {
        self.fd = fd
        self.path = path
        self.size = size
        self.chunk = preallocationChunk
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard let base = bytes.baseAddress else { return }
        if chunk > 0 && size + bytes.count > zeroedEnd { try writeZerosAhead(past: size + bytes.count) }
        try writeFully(base, bytes.count, at: chunk > 0 ? size : nil)
        size += bytes.count
    }

    /// Writes zeros from the end of the last zeroed chunk to a chunk boundary past `end`.
    private func writeZerosAhead(past end: Int) throws {
        let target = (end / chunk + 1) * chunk
        try Self.zeros.withUnsafeBytes { z in
            while zeroedEnd < target {
                let n = min(z.count, target - zeroedEnd)
                try writeFully(z.baseAddress!, n, at: zeroedEnd)
                zeroedEnd += n
            }
        }
    }

    /// `write` (or `pwrite` at `offset`) in a loop until every byte is out.
    private func writeFully(_ start: UnsafeRawPointer, _ count: Int, at offset: Int?) throws {
        var p = start
        var left = count
        var at = offset ?? 0
        while left > 0 {
            let n = offset == nil ? write(fd, p, left) : pwrite(fd, p, left, off_t(at))
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileSystem.error(offset == nil ? "write" : "pwrite", path)
            }
            p += n
            left -= n
            at += n
        }
    }

    func sync() throws {
        if fdatasync(fd) != 0 { throw POSIXFileSystem.error("fdatasync", path) }
    }

    func close() throws {
        guard fd >= 0 else { return }
        if chunk > 0 && zeroedEnd > size && ftruncate(fd, off_t(size)) != 0 {
            let err = errno
            Glibc.close(fd)
            fd = -1
            throw POSIXFileSystem.error("ftruncate", path, err)
        }
        let r = Glibc.close(fd)
        fd = -1
        if r != 0 { throw POSIXFileSystem.error("close", path) }
    }
}

/// A read-only descriptor for `pread`. Immutable after open; safe for concurrent readers.
final class POSIXReadableFile: ReadableFile, @unchecked Sendable {
    private let fd: Int32
    let path: String
    let size: Int

    init(fd: Int32, path: String, size: Int) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    deinit { Glibc.close(fd) }

    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let n = pread(fd, base, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw POSIXFileSystem.error("pread", path)
        }
    }

    func close() throws {}
}

/// A `flock` held on an open descriptor; the kernel drops it if the process dies.
final class POSIXFileLock: FileLock {
    private let fd = Mutex<Int32>(-1)

    init(fd: Int32) { self.fd.withLock { $0 = fd } }

    func unlock() {
        let held = fd.withLock { f -> Int32 in
            defer { f = -1 }
            return f
        }
        guard held >= 0 else { return }
        flock(held, LOCK_UN)
        close(held)
    }

    deinit { unlock() }
}
