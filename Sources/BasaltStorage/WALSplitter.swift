import BasaltCore
import Foundation
import Logging

/// Splits a dead server's WAL into per-region `recovered.edits` files, as HBase does before the
/// server's regions open elsewhere: each region's entries go, in order, to
/// `data/<ns>/<table>/<encoded>/recovered.edits/<max sequence id>` (WAL file format), and the server's
/// WAL files move to `oldWALs/`. A region replays its recovered edits when it opens, then flushes and
/// deletes them. Stateless.
package enum WALSplitter {
    package static let recoveredEditsDirectory = "recovered.edits"

    package struct Outcome: Sendable, Equatable {
        package init(files: Int = 0) { self.files = files }
        package var files = 0
        package var entries = 0
        package var regions = 0
        /// Regions named in the WAL whose folder or table is gone (split, merged or dropped since), or
        /// whose table name does not parse.
        package var skippedRegions = 0
    }

    /// Splits `<root>/WALs/<serverDirectory>` (or its `-splitting` form, left by an interrupted split)
    /// here, file by file: `prepare`, `splitFile` for each file, `finish`. The master hands the files to
    /// live region servers instead, so that they are split in parallel. Safe to repeat.
    @discardableResult
    package static func split(fileSystem fs: any FileSystem, root: String, serverDirectory name: String, logger: Logger) throws -> Outcome {
        let (folder, files) = try prepare(fileSystem: fs, root: root, serverDirectory: name)
        var outcome = Outcome()
        for f in files {
            let one = try splitFile(fileSystem: fs, root: root, folder: folder, file: f, unsyncedTail: f == files.last, logger: logger)
            outcome.files += one.files
            outcome.entries += one.entries
            outcome.regions += one.regions
            outcome.skippedRegions += one.skippedRegions
        }
        try finish(fileSystem: fs, root: root, folder: folder)
        logger.info("split WAL", metadata: ["folder": "\(folder)", "files": "\(outcome.files)", "entries": "\(outcome.entries)", "regions": "\(outcome.regions)"])
        return outcome
    }

    /// Takes a dead server's WAL folder for splitting: with the folder's lock (a server still holding it
    /// is still running, and may still write: not dead yet), renames it to `<server>-splitting`. Returns
    /// that folder's name under `WALs/` and its WAL files, oldest first.
    package static func prepare(fileSystem fs: any FileSystem, root: String, serverDirectory name: String) throws -> (folder: String, files: [String]) {
        let walsRoot = joinPath(root, "WALs")
        let base = name.hasSuffix("-splitting") ? String(name.dropLast("-splitting".count)) : name
        let splittingName = base + "-splitting"
        let splitting = joinPath(walsRoot, splittingName)
        let original = joinPath(walsRoot, base)
        if fs.exists(original) {
            guard let lock = try fs.tryLock(joinPath(original, WAL.lockFileName)) else {
                throw StorageError(.walFailed, "the WAL of \(base) is still locked by its server process; it is not dead yet")
            }
            defer { lock.unlock() }
            if fs.exists(splitting) {
                // An earlier split was interrupted after a new WAL appeared: merge the folders.
                for f in try fs.list(original) { try fs.rename(joinPath(original, f), to: joinPath(splitting, f)) }
                try fs.delete(original)
            } else {
                try fs.rename(original, to: splitting)
            }
        }
        guard fs.exists(splitting) else { return (splittingName, []) }
        return (splittingName, try fs.list(splitting).filter { !$0.hasPrefix(".") }.sorted())
    }

    /// Splits one WAL file of a `-splitting` folder: each region's entries, in order, go to
    /// `<region>/recovered.edits/<its max sequence id in this file>`, then the file moves to `oldWALs/`.
    /// A file already gone was split before. Sequence ids are unique within a server's WAL, so files
    /// split in parallel never write the same edits file, and a repeated split replaces its own whole.
    @discardableResult
    /// `unsyncedTail`: the file is the folder's newest, which its server was writing when it died (see
    /// `WALReader`).
    package static func splitFile(
        fileSystem fs: any FileSystem, root: String, folder: String, file: String, unsyncedTail: Bool = false, logger: Logger
    ) throws -> Outcome {
        guard folder.hasSuffix("-splitting"), !folder.contains("/"), !file.contains("/"), !file.hasPrefix(".") else {
            throw StorageError(.invalidArgument, "'\(folder)/\(file)' is not a WAL file of a folder being split")
        }
        let path = joinPath(root, "WALs", folder, file)
        guard fs.exists(path) else { return Outcome() }
        var perRegion: [[UInt8]: (table: [UInt8], bytes: [UInt8], maxSeq: UInt64, count: Int)] = [:]
        var outcome = Outcome(files: 1)
        try WALReader.read(fileSystem: fs, path: path, unsyncedTail: unsyncedTail) { entry in
            var slot = perRegion[entry.encodedRegionName] ?? (entry.tableName, WALReader.fileHeader(number: 0), 0, 0)
            entry.encode(into: &slot.bytes)
            slot.maxSeq = max(slot.maxSeq, entry.sequenceId)
            slot.count += 1
            perRegion[entry.encodedRegionName] = slot
            outcome.entries += 1
        }
        for (encoded, slot) in perRegion {
            guard let table = try? TableName(String(decoding: slot.table, as: UTF8.self)) else {
                outcome.skippedRegions += 1
                logger.warning("WAL entries name an invalid table; skipped", metadata: ["table": "\(Bytes.toStringBinary(slot.table))"])
                continue
            }
            let tableDir = joinPath(root, "data", table.namespace, table.qualifier)
            guard fs.exists(tableDir) else {
                outcome.skippedRegions += 1
                logger.info("WAL edits for a table that no longer exists; skipped", metadata: [
                    "table": "\(table)", "region": "\(String(decoding: encoded, as: UTF8.self))", "entries": "\(slot.count)",
                ])
                continue
            }
            let regionDir = joinPath(tableDir, String(decoding: encoded, as: UTF8.self))
            // A region whose folder is gone was split or merged away (it closed with a flush first, so
            // its daughters' files hold these edits) or dropped: nothing will open it again.
            guard fs.exists(regionDir) else {
                outcome.skippedRegions += 1
                logger.info("WAL edits for a region that no longer exists; skipped", metadata: [
                    "region": "\(String(decoding: encoded, as: UTF8.self))", "entries": "\(slot.count)",
                ])
                continue
            }
            let dir = joinPath(regionDir, recoveredEditsDirectory)
            try fs.createDirectory(dir)
            let final = joinPath(dir, String(format: "%019llu", slot.maxSeq))
            let tmp = final + ".tmp"
            let out = try fs.openForAppend(tmp, truncate: true)
            try slot.bytes.withUnsafeBytes { try out.append($0) }
            try out.sync()
            try out.close()
            try fs.rename(tmp, to: final)
            try fs.syncDirectory(dir)
            outcome.regions += 1
        }
        let archive = joinPath(root, "oldWALs")
        try fs.createDirectory(archive)
        try fs.rename(path, to: joinPath(archive, file))
        return outcome
    }

    /// Removes a `-splitting` folder once every WAL file in it was split.
    package static func finish(fileSystem fs: any FileSystem, root: String, folder: String) throws {
        let dir = joinPath(root, "WALs", folder)
        guard fs.exists(dir) else { return }
        let left = try fs.list(dir)
        if let file = left.first(where: { !$0.hasPrefix(".") }) {
            throw StorageError(.walFailed, "WAL file \(file) in \(folder) is not split yet")
        }
        for f in left { try fs.delete(joinPath(dir, f)) }
        try fs.delete(dir)
    }

    /// The recovered-edits files of a region folder, oldest first.
    static func recoveredEdits(fileSystem fs: any FileSystem, regionDirectory: String) throws -> [String] {
        let dir = joinPath(regionDirectory, recoveredEditsDirectory)
        guard fs.exists(dir) else { return [] }
        return try fs.list(dir).filter { !$0.hasSuffix(".tmp") && UInt64($0) != nil }.sorted().map { joinPath(dir, $0) }
    }
}
