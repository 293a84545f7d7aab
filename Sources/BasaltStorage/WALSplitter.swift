import BasaltCore
import Foundation
import Logging

/// Splits a dead server's WAL into per-region `recovered.edits` files, as HBase does before the
/// server's regions open elsewhere: each region's entries go, in order, to
/// `data/<ns>/<table>/<encoded>/recovered.edits/<max sequence id>` (WAL file format), and the server's
/// WAL files move to `oldWALs/`. A region replays its recovered edits when it opens, then flushes and
/// deletes them. Stateless.
public enum WALSplitter {
    public static let recoveredEditsDirectory = "recovered.edits"

    public struct Outcome: Sendable, Equatable {
        public var files = 0
        public var entries = 0
        public var regions = 0
        /// Regions named in the WAL whose folder is gone (split, merged or dropped since).
        public var skippedRegions = 0
    }

    /// Splits `<root>/WALs/<serverDirectory>` (or its `-splitting` form, left by an interrupted split).
    /// Safe to repeat: a region's edits file is named by its last sequence id and replaced whole.
    @discardableResult
    public static func split(fileSystem fs: any FileSystem, root: String, serverDirectory name: String, logger: Logger) throws -> Outcome {
        let walsRoot = joinPath(root, "WALs")
        let base = name.hasSuffix("-splitting") ? String(name.dropLast("-splitting".count)) : name
        let splitting = joinPath(walsRoot, base + "-splitting")
        let original = joinPath(walsRoot, base)
        if fs.exists(original) {
            // A server still holding its WAL's lock is still running (and may still write): not dead yet.
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
        guard fs.exists(splitting) else { return Outcome() }
        let files = try fs.list(splitting).filter { !$0.hasPrefix(".") }.sorted()
        var perRegion: [[UInt8]: (table: [UInt8], bytes: [UInt8], maxSeq: UInt64, count: Int)] = [:]
        var outcome = Outcome()
        for f in files {
            try WALReader.read(fileSystem: fs, path: joinPath(splitting, f)) { entry in
                var slot = perRegion[entry.encodedRegionName] ?? (entry.tableName, WALReader.fileHeader(number: 0), 0, 0)
                entry.encode(into: &slot.bytes)
                slot.maxSeq = max(slot.maxSeq, entry.sequenceId)
                slot.count += 1
                perRegion[entry.encodedRegionName] = slot
                outcome.entries += 1
            }
            outcome.files += 1
        }
        for (encoded, slot) in perRegion {
            guard let table = try? TableName(String(decoding: slot.table, as: UTF8.self)) else {
                logger.warning("WAL entries name an invalid table; skipped", metadata: ["table": "\(Bytes.toStringBinary(slot.table))"])
                continue
            }
            let tableDir = joinPath(root, "data", table.namespace, table.qualifier)
            guard fs.exists(tableDir) else { continue }  // the table was deleted
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
        for f in files { try fs.rename(joinPath(splitting, f), to: joinPath(archive, f)) }
        for f in try fs.list(splitting) where f.hasPrefix(".") { try fs.delete(joinPath(splitting, f)) }
        try fs.delete(splitting)
        logger.info("split WAL", metadata: ["server": "\(base)", "files": "\(outcome.files)", "entries": "\(outcome.entries)", "regions": "\(outcome.regions)"])
        return outcome
    }

    /// The recovered-edits files of a region folder, oldest first.
    static func recoveredEdits(fileSystem fs: any FileSystem, regionDirectory: String) throws -> [String] {
        let dir = joinPath(regionDirectory, recoveredEditsDirectory)
        guard fs.exists(dir) else { return [] }
        return try fs.list(dir).filter { !$0.hasSuffix(".tmp") && UInt64($0) != nil }.sorted().map { joinPath(dir, $0) }
    }
}
