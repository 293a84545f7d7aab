import BasaltCore
import BasaltSettings
import BasaltStorage
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs db_bench-style workloads against one embedded region (table `usertable`, family `family`,
/// qualifier `q`). Keys are the decimal operation number, zero-padded to the key size; values are bytes
/// derived from the key, so `verify` can check them. Not thread-safe itself; it starts its own threads.
final class EngineBenchmark: @unchecked Sendable {
    static let known = ["fillseq", "fillrandom", "flush", "compact", "readrandom", "scan100", "readseq", "verify"]
    static let family = Bytes.of("family")
    static let qualifier = Bytes.of("q")

    let directory: String
    let keySize: Int
    let valueSize: Int
    let num: Int
    let threads: Int
    let durability: Durability
    let ackLogPath: String?
    let json: Bool
    let seed: UInt64
    let fs = POSIXFileSystem()
    let info: RegionInfo
    let descriptor: TableDescriptor
    let engineConfiguration: StorageEngine.Configuration
    var engine: StorageEngine
    var region: Region
    var ackFD: Int32 = -1

    init(directory: String, keySize: Int, valueSize: Int, num: Int, threads: Int, durability: Durability, ackLogPath: String?, json: Bool, seed: UInt64, memory: Int?, configuration: BasaltConfiguration) throws {
        self.directory = directory
        self.keySize = keySize
        self.valueSize = valueSize
        self.num = num
        self.threads = threads
        self.durability = durability
        self.ackLogPath = ackLogPath
        self.json = json
        self.seed = seed
        let table = try TableName("usertable")
        info = RegionInfo(table: table, regionId: 1)
        descriptor = try TableDescriptor(name: table, families: [ColumnFamilyDescriptor(name: Self.family)])
        engineConfiguration = try StorageSettings.engine(configuration, memory: memory)
        try fs.createDirectory(directory)
        (engine, region) = try Self.open(fs: fs, directory: directory, info: info, descriptor: descriptor, configuration: engineConfiguration)
        if let ackLogPath {
            ackFD = Glibc.open(ackLogPath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if ackFD < 0 { throw StorageError(.io, "cannot open ack log '\(ackLogPath)': \(String(cString: strerror(errno)))") }
        }
    }

    /// The engine keeps the layout of a region server's root: `WALs/bench/`, `oldWALs/`, `data/`.
    static func open(fs: POSIXFileSystem, directory: String, info: RegionInfo, descriptor: TableDescriptor, configuration: StorageEngine.Configuration) throws -> (StorageEngine, Region) {
        let engine = try StorageEngine(fileSystem: fs, root: directory, serverName: "bench", configuration: configuration)
        let region = try engine.openRegion(info, descriptor: descriptor)
        return (engine, region)
    }

    func close() throws {
        let st = engine.wal.statistics
        if st.groupWrites > 0 {
            FileHandle.standardError.write(Data(String(format: "WAL: %d appends, %d group writes (%.1f per write), %d fsyncs (%.1f appends per fsync)\n", st.appends, st.groupWrites, Double(st.appends) / Double(st.groupWrites), st.syncs, st.syncs > 0 ? Double(st.appends) / Double(st.syncs) : 0).utf8))
        }
        try engine.close()
        let c = engine.counters
        let reasons = c.flushesByReason.sorted { $0.key < $1.key }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        FileHandle.standardError.write(Data("engine: \(c.flushes) background flushes (requested by: \(reasons.isEmpty ? "none" : reasons)), \(c.compactions) background compactions, \(c.blockedWrites) writes made to wait\n".utf8))
        if ackFD >= 0 { Glibc.close(ackFD) }
        reportMemory()
    }

    // MARK: keys and values

    @inline(__always) func makeKey(_ n: Int, into key: inout [UInt8]) {
        var v = n
        var i = keySize - 1
        while i >= 0 {
            key[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        }
    }

    /// One megabyte of pseudo-random lowercase letters from a fixed seed: the same in every process.
    static let valueSource: [UInt8] = {
        var rng = SplitMix64(seed: 0xBA5A_17)
        return (0..<(1 << 20)).map { _ in UInt8(ascii: "a") + UInt8(rng.next() % 26) }
    }()

    /// The value for a key: a slice of `valueSource` at an offset hashed from the key (FNV-1a), as db_bench
    /// copies values out of a pre-generated buffer. Any process can recompute it, so `verify` can check it.
    @inline(__always) static func makeValue(for key: [UInt8], size: Int, into value: inout [UInt8]) {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        if value.count != size { value = [UInt8](repeating: 0, count: size) }
        guard size > 0 else { return }
        let source = valueSource
        var filled = 0
        while filled < size {
            let n = min(size - filled, source.count / 2)
            let start = Int(h % UInt64(source.count - n + 1))
            value.withUnsafeMutableBytes { dst in
                source.withUnsafeBytes { src in
                    (dst.baseAddress! + filled).copyMemory(from: src.baseAddress! + start, byteCount: n)
                }
            }
            filled += n
            h = h &* 0x9E37_79B9_7F4A_7C15 &+ 1
        }
    }

    // MARK: running

    struct ThreadResult {
        var histogram = LatencyHistogram()
        var ops = 0
        var found = 0
        /// Value bytes read (so scans touch what they read).
        var bytes = 0
        var failures: [String] = []
    }

    /// Runs one benchmark; false when it found a problem (verify).
    func run(_ name: String) throws -> Bool {
        switch name {
        case "fillseq": report(name, try parallel { t, r in try self.fill(thread: t, random: false, result: &r) })
        case "fillrandom": report(name, try parallel { t, r in try self.fill(thread: t, random: true, result: &r) })
        case "readrandom": report(name, try measuringCache { try parallel { t, r in try self.readRandom(thread: t, result: &r) } })
        case "scan100": report(name, try measuringCache { try parallel { t, r in try self.scan100(thread: t, result: &r) } })
        case "readseq": report(name, try measuringCache { try parallel { t, r in try self.readSequential(result: &r) } })
        case "flush": report(name, try once { _ = try self.region.flush() })
        case "compact": report(name, try once { _ = try self.region.compact(major: true) })
        case "verify": return try verify()
        default: throw StorageError(.invalidArgument, "unknown benchmark \(name)")
        }
        return true
    }

    private var progressDone = ManagedCounter()

    func parallel(_ body: @escaping @Sendable (Int, inout ThreadResult) throws -> Void) throws -> (ThreadResult, Double) {
        let results = ResultBox(count: threads)
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        progressDone = ManagedCounter()
        let total = num * threads
        let stopProgress = ManagedCounter()
        let progress = Thread { [progressDone] in
            var last = DispatchTime.now().uptimeNanoseconds
            while stopProgress.value == 0 {
                usleep(100_000)
                let now = DispatchTime.now().uptimeNanoseconds
                if now - last >= 2_000_000_000 {
                    last = now
                    FileHandle.standardError.write(Data("... \(progressDone.value) of \(total) ops\n".utf8))
                }
            }
        }
        progress.start()
        for t in 0..<threads {
            group.enter()
            let thread = Thread {
                var r = ThreadResult()
                do { try body(t, &r) } catch { r.failures.append("\(error)") }
                results.set(t, r)
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.wait()
        stopProgress.add(1)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        var merged = ThreadResult()
        for r in results.all {
            merged.histogram.merge(r.histogram)
            merged.ops += r.ops
            merged.found += r.found
            merged.failures += r.failures
        }
        if let f = merged.failures.first { throw StorageError(.io, "benchmark thread failed: \(f)") }
        return (merged, elapsed)
    }

    @inline(__always) static func nowNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    func fill(thread: Int, random: Bool, result r: inout ThreadResult) throws {
        var rng = SplitMix64(seed: seed &+ UInt64(thread) &* 7919)
        var key = [UInt8](repeating: 0, count: keySize)
        var value = [UInt8]()
        let space = num * threads
        var ackBuffer = [UInt8]()
        ackBuffer.reserveCapacity(64 * (keySize + 1))
        for i in 0..<num {
            let n = random ? Int(rng.next() % UInt64(space)) : thread * num + i
            makeKey(n, into: &key)
            Self.makeValue(for: key, size: valueSize, into: &value)
            var put = Put(row: key)
            put.durability = durability
            put.add(family: Self.family, qualifier: Self.qualifier, value: value)
            let t0 = Self.nowNanos()
            try region.put(put)
            r.histogram.record(nanos: Self.nowNanos() &- t0)
            r.ops += 1
            if ackFD >= 0 {
                ackBuffer.append(contentsOf: key)
                ackBuffer.append(UInt8(ascii: "\n"))
                if ackBuffer.count >= 64 * (keySize + 1) { flushAck(&ackBuffer) }
            }
            if i & 1023 == 1023 { progressDone.add(1024) }
        }
        flushAck(&ackBuffer)
    }

    func flushAck(_ buffer: inout [UInt8]) {
        guard ackFD >= 0, !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { b in _ = write(ackFD, b.baseAddress, b.count) }
        buffer.removeAll(keepingCapacity: true)
    }

    func readRandom(thread: Int, result r: inout ThreadResult) throws {
        var rng = SplitMix64(seed: seed &+ 0x5151 &+ UInt64(thread) &* 104_729)
        var key = [UInt8](repeating: 0, count: keySize)
        let space = num * threads
        for i in 0..<num {
            makeKey(Int(rng.next() % UInt64(space)), into: &key)
            let t0 = Self.nowNanos()
            let res = try region.get(Get(row: key))
            r.histogram.record(nanos: Self.nowNanos() &- t0)
            r.ops += 1
            if !res.isEmpty { r.found += 1 }
            if i & 1023 == 1023 { progressDone.add(1024) }
        }
    }

    /// Runs `body` and notes the block cache hit ratio over it for the report.
    func measuringCache(_ body: () throws -> (ThreadResult, Double)) rethrows -> (ThreadResult, Double) {
        let before = engine.blockCache.statistics
        let out = try body()
        let after = engine.blockCache.statistics
        let hits = after.hits - before.hits, misses = after.misses - before.misses
        lastHitRatio = hits + misses > 0 ? Double(hits) / Double(hits + misses) : 1
        return out
    }

    private var lastHitRatio: Double?

    /// One timed operation (flush, compact).
    func once(_ body: () throws -> Void) throws -> (ThreadResult, Double) {
        let t0 = Self.nowNanos()
        try body()
        let ns = Self.nowNanos() - t0
        var r = ThreadResult()
        r.ops = 1
        r.histogram.record(nanos: ns)
        return (r, Double(ns) / 1e9)
    }

    /// Seeks to a random key and reads the next 100 rows (db_bench's `seekrandom --seek_nexts=100`).
    func scan100(thread: Int, result r: inout ThreadResult) throws {
        var rng = SplitMix64(seed: seed &+ 0x5CA4 &+ UInt64(thread) &* 7_919)
        var key = [UInt8](repeating: 0, count: keySize)
        let space = num * threads
        for i in 0..<num {
            makeKey(Int(rng.next() % UInt64(space)), into: &key)
            let t0 = Self.nowNanos()
            var scan = Scan(startRow: key)
            scan.limit = 100
            let scanner = try region.scanner(scan)
            var rows = 0, bytes = 0
            // Cells are read in place, as db_bench's iterator reads key and value slices.
            while try scanner.nextRow({ _, c, _ in bytes &+= c.valueLength }) { rows += 1 }
            r.bytes &+= bytes
            r.histogram.record(nanos: Self.nowNanos() &- t0)
            r.ops += 1
            if rows > 0 { r.found += 1 }
            if i & 1023 == 1023 { progressDone.add(1024) }
        }
    }

    /// Reads every row in order; one op per row.
    func readSequential(result r: inout ThreadResult) throws {
        let scanner = try region.scanner(Scan())
        var t0 = Self.nowNanos()
        var bytes = 0
        while try scanner.nextRow({ _, c, _ in bytes &+= c.valueLength }) {
            let t1 = Self.nowNanos()
            r.histogram.record(nanos: t1 &- t0)
            t0 = t1
            r.ops += 1
            r.found += 1
            if r.ops & 1023 == 0 { progressDone.add(1024) }
        }
        r.bytes &+= bytes
    }

    /// Peak resident memory (VmHWM) against the memory given: MemStore budget plus block cache.
    func reportMemory() {
        let peak = Self.peakResidentBytes()
        let memstore = engineConfiguration.flush.globalLimit, cache = engineConfiguration.blockCacheSize
        if json {
            print("{\"benchmark\": \"memory\", \"peak_rss_bytes\": \(peak), \"memstore_budget_bytes\": \(memstore), \"block_cache_bytes\": \(cache)}")
        } else {
            print(String(format: "memory: peak RSS %.1f MB; MemStore budget %.1f MB, block cache %.1f MB", Double(peak) / 1e6, Double(memstore) / 1e6, Double(cache) / 1e6))
        }
        fflush(nil)
    }

    static func peakResidentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kb = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) } ?? 0
            return kb * 1024
        }
        return 0
    }

    /// Reopens the region (replaying the WAL) and checks every acknowledged key.
    func verify() throws -> Bool {
        guard let ackLogPath else { throw StorageError(.invalidArgument, "verify needs --ack-log") }
        let t0 = Self.nowNanos()
        try engine.shutdown(flush: false)
        (engine, region) = try Self.open(fs: fs, directory: directory, info: info, descriptor: descriptor, configuration: engineConfiguration)
        let reopenSeconds = Double(Self.nowNanos() - t0) / 1e9
        let log = (try? fs.readAll(ackLogPath)) ?? []
        var keys: [[UInt8]] = []
        var lineStart = 0
        for (i, b) in log.enumerated() where b == UInt8(ascii: "\n") {
            if i > lineStart { keys.append(Array(log[lineStart..<i])) }
            lineStart = i + 1
        }
        // A last line without its newline is a torn write of the log itself: ignored.
        var histogram = LatencyHistogram()
        var verified = 0
        var problems: [String] = []
        var value = [UInt8]()
        let start = Self.nowNanos()
        for key in keys {
            Self.makeValue(for: key, size: valueSize, into: &value)
            let g0 = Self.nowNanos()
            let res = try region.get(Get(row: key))
            histogram.record(nanos: Self.nowNanos() &- g0)
            if let v = res.value(family: Self.family, qualifier: Self.qualifier) {
                if v == value { verified += 1 } else if problems.count < 10 { problems.append("key \(String(decoding: key, as: UTF8.self)): wrong value") }
            } else if problems.count < 10 {
                problems.append("key \(String(decoding: key, as: UTF8.self)): missing")
            }
        }
        let elapsed = Double(Self.nowNanos() - start) / 1e9
        for p in problems { FileHandle.standardError.write(Data("verify: \(p)\n".utf8)) }
        print("verified \(verified) of \(keys.count) acknowledged (WAL replay took \(String(format: "%.2f", reopenSeconds)) s)")
        var r = ThreadResult()
        r.histogram = histogram
        r.ops = keys.count
        r.found = verified
        report("verify", (r, elapsed))
        return verified == keys.count
    }

    func report(_ name: String, _ outcome: (ThreadResult, Double)) {
        let (r, seconds) = outcome
        var report = BenchmarkReport(
            name: name, ops: r.ops, seconds: seconds, histogram: r.histogram, threads: name == "verify" ? 1 : threads, durability: durability.rawValue,
            found: ["readrandom", "verify", "scan100", "readseq"].contains(name) ? r.found : nil)
        if let h = lastHitRatio {
            report.extraJSON.append(String(format: "\"cache_hit_ratio\": %.4f", h))
            report.extraText.append(String(format: "block cache hit ratio %.1f%%", h * 100))
        }
        report.emit(json: json)
        lastHitRatio = nil
    }
}

/// A counter shared by benchmark threads.
final class ManagedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var v = 0
    var value: Int { lock.withLock { v } }
    func add(_ n: Int) { lock.withLock { v += n } }
}

/// Per-thread results, written once by each thread.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [EngineBenchmark.ThreadResult]
    init(count: Int) { results = Array(repeating: .init(), count: count) }
    func set(_ i: Int, _ r: EngineBenchmark.ThreadResult) { lock.withLock { results[i] = r } }
    var all: [EngineBenchmark.ThreadResult] { lock.withLock { results } }
}
