import BasaltCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system, through POSIX calls. Stateless; safe to share across threads.
public struct POSIXFileSystem: FileSystem {
    public init() {}

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
        if unlink(path) != 0 && errno != ENOENT { throw Self.error("unlink", path) }
    }

    public func rename(_ from: String, to: String) throws {
        if Glibc.rename(from, to) != 0 { throw Self.error("rename", "\(from)' to '\(to)") }
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
final class POSIXWritableFile: WritableFile {
    private var fd: Int32
    let path: String
    private(set) var size: Int

    init(fd: Int32, path: String, size: Int) {
        self.fd = fd
        self.path = path
        self.size = size
    }

    deinit { if fd >= 0 { Glibc.close(fd) } }

    func append(_ bytes: UnsafeRawBufferPointer) throws {
        guard var p = bytes.baseAddress else { return }
        var left = bytes.count
        while left > 0 {
            let n = write(fd, p, left)
            if n < 0 {
                if errno == EINTR { continue }
                throw POSIXFileSystem.error("write", path)
            }
            p += n
            left -= n
            size += n
        }
    }

    func sync() throws {
        if fdatasync(fd) != 0 { throw POSIXFileSystem.error("fdatasync", path) }
    }

    func close() throws {
        guard fd >= 0 else { return }
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
