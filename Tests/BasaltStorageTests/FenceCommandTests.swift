import BasaltCore
import Foundation
import Testing
@testable import BasaltStorage

/// The fence hook of a shared root: the command a master runs to cut a dead server's storage client off,
/// and how the WAL tells a shared mount from a local disk.
@Suite struct FenceCommandTests {
    @Test func aCommandMustNameTheOwner() throws {
        #expect(throws: StorageError.self) { try FenceCommand(words: []) }
        #expect(throws: StorageError.self) { try FenceCommand(words: ["ceph", "tell", "mds.*", "client", "evict"]) }
        let command = try FenceCommand(words: ["ceph", "tell", "mds.*", "client", "evict", "id={owner}"])
        #expect(command.arguments(owner: "4218") == ["ceph", "tell", "mds.*", "client", "evict", "id=4218"])
    }

    @Test func theCommandRunsWithTheOwnerAndItsExitStatusCounts() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("fence-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: out) }
        try FenceCommand(words: ["sh", "-c", "printf %s \"$0\" > \(out)", "{owner}"]).run(owner: "client.4218")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "client.4218")
        // A fence that fails says so, with the command's own words.
        do {
            try FenceCommand(words: ["sh", "-c", "echo no such client >&2; exit 3", "{owner}"]).run(owner: "9")
            Issue.record("a failing fence command must throw")
        } catch let e as StorageError {
            #expect(e.message.contains("exited 3"))
            #expect(e.message.contains("no such client"))
        }
        #expect(throws: StorageError.self) {
            try FenceCommand(words: ["sh", "-c", "exec sleep 5", "{owner}"], timeout: .milliseconds(200)).run(owner: "9")
        }
        // An identity with spaces would turn into more than one argument: refused before anything runs.
        #expect(throws: StorageError.self) { try FenceCommand(words: ["true", "{owner}"]).run(owner: "a b") }
        // A file system without a fence command fences nothing, and does not fail.
        try POSIXFileSystem().fence(owner: "4218")
        try MemoryFileSystem().fence(owner: "4218")
    }

    @Test func sharedFileSystemsAreTheNetworkOnes() {
        #expect(POSIXFileSystem.isSharedType("fuse.ceph-fuse"))
        #expect(POSIXFileSystem.isSharedType("ceph"))
        #expect(POSIXFileSystem.isSharedType("nfs4"))
        #expect(!POSIXFileSystem.isSharedType("ext4"))
        #expect(!POSIXFileSystem.isSharedType("overlay"))
        #expect(!POSIXFileSystem.isSharedType("tmpfs"))
        #expect(!MemoryFileSystem().isShared("/anything"))
        // This machine's temp folder is a local disk: the WAL keeps SYNC_WAL as a write, not an fsync.
        #expect(!POSIXFileSystem().isShared(FileManager.default.temporaryDirectory.path))
    }

    @Test func hsyncDecidesWhetherSyncWALWaitsForAnFsync() throws {
        let fs = MemoryFileSystem()
        #expect(try WAL(fileSystem: fs, directory: "a").syncIsFsync == false)
        var configuration = WAL.Configuration()
        configuration.hsync = true
        let wal = try WAL(fileSystem: fs, directory: "b", configuration: configuration)
        #expect(wal.syncIsFsync)
        #expect(wal.fsyncs(.syncWAL) && wal.fsyncs(.useDefault) && wal.fsyncs(.fsyncWAL))
        #expect(!wal.fsyncs(.asyncWAL) && !wal.fsyncs(.skipWAL))
        try wal.close()
    }
}
