import BasaltCore
import BasaltTestSupport
import Foundation
import Logging
import Testing
@testable import BasaltStorage

/// The storage engine's policies driven by the case files in testdata/: flush triggers, compaction
/// selection, split thresholds and WAL recovery. Run with BASALT_REWRITE=1 to record new outputs.
@Suite struct PolicyDataDrivenTests {
    static func check(_ name: String, _ handler: (DataDrivenCase) throws -> String) throws {
        let mismatches = try DataDriven.run(file: DataDriven.testData(name), handler)
        #expect(mismatches.isEmpty, "\(DataDriven.report(mismatches))")
    }

    // MARK: flush

    /// `policy` sets FlushPolicy fields, `limits` shows the global limits for an amount of memory, and
    /// `check` lists the regions (one per input line: `<id> size=N [oldest=ms] [oldest-wal]`) with the
    /// triggers that flush each, in `FlushReason` order.
    @Test func flush() throws {
        var policy = FlushPolicy()
        try Self.check("flush.txt") { c in
            switch c.command {
            case "policy":
                if c.words.contains("reset") { policy = FlushPolicy() }
                if let m = try c.int("memory") { (policy.globalLimit, policy.globalLowerLimit) = FlushPolicy.globalLimits(memory: m) }
                policy.flushSize = try c.int("flush-size", default: policy.flushSize)
                policy.blockMultiplier = try c.int("multiplier", default: policy.blockMultiplier)
                policy.globalLimit = try c.int("global", default: policy.globalLimit)
                policy.globalLowerLimit = try c.int("lower", default: policy.globalLowerLimit)
                policy.maxLogs = try c.int("max-logs", default: policy.maxLogs)
                policy.periodicFlushInterval = try c.int64("interval") ?? policy.periodicFlushInterval
                return "flush-size=\(policy.flushSize) blocking=\(policy.blockingSize) global=\(policy.globalLimit) "
                    + "lower=\(policy.globalLowerLimit) max-logs=\(policy.maxLogs) interval=\(policy.periodicFlushInterval)"
            case "limits":
                let limits = FlushPolicy.globalLimits(
                    memory: try c.int("memory", default: StorageEngine.Configuration.defaultMemory),
                    fraction: try c.double("fraction") ?? FlushPolicy.defaultGlobalFraction,
                    lowerLimit: try c.double("lower") ?? FlushPolicy.defaultLowerLimitFraction)
                return "limit=\(limits.limit) lower=\(limits.lower)"
            case "check":
                return try Self.flushCheck(policy, c)
            default:
                throw DataDrivenError("unknown command '\(c.command)'")
            }
        }
    }

    static func flushCheck(_ policy: FlushPolicy, _ c: DataDrivenCase) throws -> String {
        let regions = try c.parsedInput()
        let sizes = try regions.map { (id: $0.command, size: try $0.int("size", default: 0)) }
        let total = try c.int("total") ?? sizes.reduce(0) { $0 + $1.size }
        let global = policy.globalFlushTargets(sizes, totalSize: total)
        let wal = policy.walFlushTargets(
            walFileCount: try c.int("wal-files", default: 1), regionsInOldestFile: regions.filter { $0.has("oldest-wal") }.map(\.command))
        let periodic = policy.periodicFlushTargets(
            try regions.map { (id: $0.command, oldestEdit: try $0.int64("oldest")) }, now: try c.int64("now") ?? 0)
        var out: [String] = []
        for (id, size) in sizes {
            var reasons: [FlushReason] = []
            if policy.regionNeedsFlush(memStoreSize: size) { reasons.append(.size) }
            if global.contains(id) { reasons.append(.global) }
            if wal.contains(id) { reasons.append(.wal) }
            if periodic.contains(id) { reasons.append(.periodic) }
            var line = "\(id): " + (reasons.isEmpty ? "-" : reasons.sorted().map(\.rawValue).joined(separator: " "))
            if policy.regionMustBlock(memStoreSize: size) { line += " (writes wait)" }
            out.append(line)
        }
        if policy.globalMustBlock(totalSize: total) {
            out.append("total \(total): blocked, flush " + (global.isEmpty ? "nothing" : global.joined(separator: " ")))
        } else {
            out.append("total \(total): ok")
        }
        return out.joined(separator: "\n")
    }

    // MARK: compaction

    /// `policy` sets CompactionPolicy fields; `select sizes=(...)` shows the minor selection over store
    /// file sizes (oldest first) and whether writes wait; `major now=ms` checks each input line
    /// (`[oldest=ms] files=N [single-major]`) for a periodic major compaction.
    @Test func compaction() throws {
        var policy = CompactionPolicy()
        try Self.check("compaction.txt") { c in
            switch c.command {
            case "policy":
                policy.minFiles = try c.int("min", default: policy.minFiles)
                policy.maxFiles = try c.int("max", default: policy.maxFiles)
                policy.ratio = try c.double("ratio") ?? policy.ratio
                policy.minCompactSize = try c.int("min-size", default: policy.minCompactSize)
                policy.majorPeriod = try c.int64("major-period") ?? policy.majorPeriod
                policy.blockingStoreFiles = try c.int("blocking", default: policy.blockingStoreFiles)
                return "min=\(policy.minFiles) max=\(policy.maxFiles) ratio=\(policy.ratio) min-size=\(policy.minCompactSize) "
                    + "major-period=\(policy.majorPeriod) blocking=\(policy.blockingStoreFiles)"
            case "select":
                let sizes = try c.ints("sizes") ?? []
                let selection: String
                if let r = policy.selectMinor(sizes: sizes) {
                    selection = "minor: [\(r.lowerBound), \(r.upperBound)) of \(sizes.count) files: " + sizes[r].map(String.init).joined(separator: " ")
                } else {
                    selection = "minor: none of \(sizes.count) files"
                }
                return selection + "\nwrites wait: " + (policy.mustBlockWrites(fileCount: sizes.count) ? "yes" : "no")
            case "major":
                let now = try c.int64("now") ?? 0
                return try c.input.map { text in
                    // Every word of the line is a field: parse it behind a command word.
                    let store = try DataDrivenLine(parsing: "store " + text)
                    let due = policy.isMajorDue(
                        oldestCreatedAt: try store.int64("oldest"), fileCount: try store.int("files", default: 0),
                        singleFileIsMajor: store.has("single-major"), now: now)
                    return "\(text): " + (due ? "due" : "not due")
                }.joined(separator: "\n")
            default:
                throw DataDrivenError("unknown command '\(c.command)'")
            }
        }
    }

    // MARK: split

    /// `policy [kind=] [max=] [flush=]` sets SplitPolicy (kind by HBase's class name, with or without
    /// its package, or `stepping`, `constant`, `disabled`); `check` answers for each input line
    /// `size=N regions=N` (largest store, regions of the table on the server).
    @Test func split() throws {
        var policy = SplitPolicy()
        try Self.check("split.txt") { c in
            switch c.command {
            case "policy":
                if let name = try c.string("kind") {
                    let short: [String: SplitPolicy.Kind] = ["stepping": .stepping, "constant": .constantSize, "disabled": .disabled]
                    let last = name.split(separator: ".").last.map(String.init) ?? name
                    guard let kind = short[last] ?? SplitPolicy.Kind(rawValue: last) else {
                        throw DataDrivenError("unknown split policy '\(name)'")
                    }
                    policy.kind = kind
                }
                policy.maxFileSize = try c.int("max", default: policy.maxFileSize)
                policy.flushSize = try c.int("flush", default: policy.flushSize)
                return "\(policy.kind.rawValue) max=\(policy.maxFileSize) flush=\(policy.flushSize)"
            case "check":
                return try c.input.map { text in
                    let line = try DataDrivenLine(parsing: "region " + text)
                    let size = try line.int("size", default: 0), regions = try line.int("regions", default: 1)
                    let threshold = policy.sizeToCheck(tableRegionsOnServer: regions)
                    let splits = policy.shouldSplit(largestStore: size, tableRegionsOnServer: regions)
                    return "\(text): threshold \(threshold), " + (splits ? "split" : "no split")
                }.joined(separator: "\n")
            default:
                throw DataDrivenError("unknown command '\(c.command)'")
            }
        }
    }

    // MARK: recovery

    /// A dead server's WAL split into recovered edits, and regions opened over them: see RecoveryBench.
    @Test func recovery() throws {
        var bench = try RecoveryBench()
        try Self.check("recovery.txt") { try bench.run($0) }
    }
}

/// The world of recovery.txt: table `t` under `root/` of an in-memory file system, and the WAL folder
/// of a dead server `rs1`. Regions go by labels; printed paths show `<label>` for a region's encoded name.
///
/// - `regions a=(start,end) ...`: a fresh file system with these regions' folders.
/// - `wal file=N [torn]`, input `<label> seq=N row=value ...`: writes WAL file N, one entry per line
///   (cells in family f, qualifier q, timestamp = sequence id); `torn` adds half an entry at the end.
/// - `corrupt file=N offset=K`: flips one byte of WAL file N (wherever the split left it).
/// - `lock` / `unlock`: a live server holding (or not) its WAL folder's lock.
/// - `drop <label>` / `drop-table`: deletes a region's folder / the table's.
/// - `split`: WALSplitter.split, then each region's recovered-edits files with their sequence ids.
/// - `open <label> [flushed=N]`: opens the region over its folder (as if its stores were flushed up to
///   N) and prints its cells, then the edits the replay skipped.
/// - `tree`: every file under `root/`.
struct RecoveryBench {
    static let root = "root"
    static let walFolder = "root/WALs/rs1"
    static let logger = Logger(label: "test.recovery")

    var fs = MemoryFileSystem()
    var regions: [(label: String, info: RegionInfo)] = []
    var lock: (any FileLock)?
    let table: TableName
    let descriptor: TableDescriptor

    init() throws {
        table = try TableName("t")
        var family = ColumnFamilyDescriptor("f")
        family.maxVersions = 10
        descriptor = try TableDescriptor(name: table, families: [family])
    }

    mutating func run(_ c: DataDrivenCase) throws -> String {
        switch c.command {
        case "regions":
            fs = MemoryFileSystem()
            lock = nil
            regions = []
            var out: [String] = []
            for a in c.arguments {
                guard a.values.count == 2 else { throw DataDrivenError("region \(a.key) needs (start,end)") }
                let info = RegionInfo(table: table, startKey: Bytes.of(a.values[0]), endKey: Bytes.of(a.values[1]), regionId: 1)
                try fs.createDirectory(RegionFiles.directory(root: Self.root, region: info))
                regions.append((a.key, info))
                out.append("\(a.key): [\(a.values[0]), \(a.values[1]))")
            }
            return out.joined(separator: "\n")
        case "wal":
            return try writeWAL(c)
        case "corrupt":
            let name = Self.walName(try c.int("file", default: 1))
            let fs = self.fs
            let path = [Self.walFolder, Self.walFolder + "-splitting", "root/oldWALs"].map { joinPath($0, name) }.first { fs.exists($0) }
            guard let path else { throw DataDrivenError("no WAL file \(name)") }
            let offset = try c.int("offset", default: 0)
            fs.corrupt(path, at: offset)
            return "flipped byte \(offset) of \(name)"
        case "lock":
            try fs.createDirectory(Self.walFolder)
            lock = try fs.tryLock(joinPath(Self.walFolder, WAL.lockFileName))
            return lock == nil ? "already locked" : "locked rs1"
        case "unlock":
            lock?.unlock()
            lock = nil
            return "unlocked rs1"
        case "drop":
            let info = try region(c.words.first ?? "")
            try fs.deleteTree(RegionFiles.directory(root: Self.root, region: info))
            return "dropped \(c.words.first ?? "")"
        case "drop-table":
            try fs.deleteTree(joinPath(Self.root, "data", table.namespace, table.qualifier))
            return "dropped table \(table)"
        case "split":
            let o = try WALSplitter.split(fileSystem: fs, root: Self.root, serverDirectory: "rs1", logger: Self.logger)
            var out = ["files=\(o.files) entries=\(o.entries) regions=\(o.regions) skipped=\(o.skippedRegions)"]
            for (label, info) in regions {
                let files = try WALSplitter.recoveredEdits(fileSystem: fs, regionDirectory: RegionFiles.directory(root: Self.root, region: info))
                let listed = try files.map { path in
                    let seqs = try sequenceIds(in: path, of: info).map(String.init).joined(separator: " ")
                    return "\(path.split(separator: "/").last ?? "") [\(seqs)]"
                }
                out.append("\(label): " + (listed.isEmpty ? "none" : listed.joined(separator: ", ")))
            }
            return out.joined(separator: "\n")
        case "open":
            return try open(c)
        case "tree":
            let files = try filesUnder(Self.root).map { path in
                regions.reduce(path) { $0.replacingOccurrences(of: $1.info.encodedName, with: "<\($1.label)>") }
            }.sorted()
            return files.isEmpty ? "(empty)" : files.joined(separator: "\n")
        default:
            throw DataDrivenError("unknown command '\(c.command)'")
        }
    }

    static func walName(_ number: Int) -> String { "wal." + String(format: "%020llu", UInt64(max(0, number))) }

    func region(_ label: String) throws -> RegionInfo {
        guard let r = regions.first(where: { $0.label == label }) else { throw DataDrivenError("no region '\(label)'") }
        return r.info
    }

    func writeWAL(_ c: DataDrivenCase) throws -> String {
        let name = Self.walName(try c.int("file", default: 1))
        var bytes = WALReader.fileHeader(number: UInt64(max(0, try c.int("file", default: 1))))
        let lines = try c.parsedInput()
        for line in lines {
            let info = try region(line.command)
            let seq = UInt64(max(0, try line.int("seq", default: 0)))
            let cells = line.arguments.filter { $0.key != "seq" && $0.values.count == 1 }.map { a in
                Cell(row: Bytes.of(a.key), family: Bytes.of("f"), qualifier: Bytes.of("q"), timestamp: Int64(seq), value: Bytes.of(a.values[0]))
            }
            WALEntry(encodedRegionName: info.encodedNameBytes, tableName: table.nameBytes, sequenceId: seq, writeTime: 0, cells: cells)
                .encode(into: &bytes)
        }
        if c.words.contains("torn") {
            // An entry cut in half, as a crash in the middle of a write leaves it.
            var extra: [UInt8] = []
            let cell = Cell(row: Bytes.of("torn"), family: Bytes.of("f"), qualifier: Bytes.of("q"), timestamp: 1, value: Bytes.of("lost"))
            guard let info = regions.first?.info else { throw DataDrivenError("a torn entry needs a region") }
            WALEntry(encodedRegionName: info.encodedNameBytes, tableName: table.nameBytes, sequenceId: 999, writeTime: 0, cells: [cell])
                .encode(into: &extra)
            bytes += extra.prefix(extra.count / 2)
        }
        try fs.createDirectory(Self.walFolder)
        let file = try fs.openForAppend(joinPath(Self.walFolder, name), truncate: true)
        try bytes.withUnsafeBytes { try file.append($0) }
        try file.sync()
        try file.close()
        return "\(name): entries=\(lines.count)" + (c.words.contains("torn") ? " torn" : "")
    }

    /// The sequence ids of a region's entries in one file, in file order.
    func sequenceIds(in path: String, of info: RegionInfo) throws -> [UInt64] {
        var out: [UInt64] = []
        try WALReader.read(fileSystem: fs, path: path, regionFilter: info.encodedNameBytes) { out.append($0.sequenceId) }
        return out
    }

    func open(_ c: DataDrivenCase) throws -> String {
        let info = try region(c.words.first ?? "")
        let directory = RegionFiles.directory(root: Self.root, region: info)
        // What the recovered edits hold, read before the open (which does not delete them).
        let recovered = try WALSplitter.recoveredEdits(fileSystem: fs, regionDirectory: directory).flatMap { try sequenceIds(in: $0, of: info) }
        let opened = try Region(
            info: info, descriptor: descriptor, wal: nil, pool: MemStoreChunkPool(chunkSize: 64 * 1024),
            flushedSequenceId: UInt64(max(0, try c.int("flushed", default: 0))),
            files: RegionFiles(fileSystem: fs, directory: directory, blockCache: nil))
        defer { opened.close() }
        var scan = Scan()
        scan.maxVersions = 10
        var out: [String] = []
        var seen = Set<UInt64>()
        for row in try opened.scanner(scan).all() {
            for cell in row.cells {
                out.append("\(Bytes.toStringBinary(cell.row)) @\(cell.timestamp) = \(Bytes.toStringBinary(cell.value))")
                seen.insert(UInt64(cell.timestamp))
            }
        }
        if out.isEmpty { out.append("no cells") }
        let skipped = recovered.filter { !seen.contains($0) }.sorted()
        out.append("skipped: " + (skipped.isEmpty ? "none" : skipped.map(String.init).joined(separator: " ")))
        return out.joined(separator: "\n")
    }

    /// Every file (not folder) under `path`, recursively.
    func filesUnder(_ path: String) throws -> [String] {
        try fs.list(path).flatMap { name -> [String] in
            let child = joinPath(path, name)
            if (try? fs.fileSize(child)) != nil { return [child] }
            return try filesUnder(child)
        }
    }
}
