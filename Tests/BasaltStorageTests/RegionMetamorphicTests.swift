import BasaltCore
import BasaltTestSupport
import Foundation
import Synchronization
import Testing
@testable import BasaltStorage

/// A metamorphic test of the storage engine: one random sequence of operations (binary row keys, puts,
/// the four kinds of delete plus whole-row deletes, increments, appends, batches, flushes, minor and
/// major compactions, restarts, a phase of concurrent writers and one crash) runs under several engine
/// setups (block size, bloom filter, flush size, MSLAB, WAL durability, ...). Every read along the way
/// must equal `ModelStore`'s answer, and the last full scan must be the same under every setup: how the
/// engine is tuned must never change what it returns.
///
/// Failures name the seed and the setup. Set BASALT_METAMORPHIC_SEED (decimal, or hex with 0x) to add a
/// seed to the fixed ones.
@Suite struct RegionMetamorphicTests {
    static let family1 = b("f1")  // keeps 3 versions
    static let family2 = b("f2")  // keeps 1 version; also holds the counters
    static let counterRows = [b("ctr0"), b("ctr1"), b("ctr2")]
    static let counterQualifier = b("n")

    static func seeds() -> [UInt64] {
        var seeds: [UInt64] = [1, 0xB45A_17, 20_240_611]
        if let text = ProcessInfo.processInfo.environment["BASALT_METAMORPHIC_SEED"] {
            let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            if let parsed { seeds.append(parsed) }
        }
        return seeds
    }

    /// One step of the sequence. Everything random is decided when the sequence is made, so every setup
    /// replays exactly the same steps.
    enum Op {
        case put(Put)
        case delete(Delete)
        case batch([Put])
        case increment(row: [UInt8], amount: Int64)
        case append(row: [UInt8], family: [UInt8], qualifier: [UInt8], value: [UInt8])
        case get(row: [UInt8], versions: Int, family: [UInt8]?, qualifier: [UInt8]?)
        case scan(Scan)
        case flush, minorCompaction, majorCompaction, crash
        case restart(flush: Bool)
        case concurrentWriters([[Put]])

        /// The case's name, for failure messages.
        var name: String { Mirror(reflecting: self).children.first?.label ?? "\(self)" }
    }

    /// The engine settings one run uses. None of them may change a result.
    struct Setup: Sendable, CustomStringConvertible {
        var index: Int
        /// Per family (f1, f2). Family validation refuses blocks under 1 KB.
        var blockSizes: [Int], blooms: [ColumnFamilyDescriptor.BloomType]
        var flushSize: Int, mslab: Bool
        var durability: Durability, hsync: Bool, syncerThread: Bool
        var backgroundCompactions: Bool, walRollSize: Int
        /// On a power loss, the share of each file's unsynced bytes that survives (a torn write).
        var tornPercent: Int

        /// Whether acknowledged writes are fsynced: then the crash is a power loss, otherwise a process
        /// crash (SYNC_WAL without hsync only promises to survive that).
        var survivesPowerLoss: Bool { durability == .fsyncWAL || hsync }

        var description: String {
            let crash = survivesPowerLoss ? "power loss keeping \(tornPercent)% of unsynced bytes" : "process crash"
            return "setup \(index) [block sizes \(blockSizes), blooms \(blooms.map(\.rawValue)), flush size \(flushSize), "
                + "MSLAB \(mslab ? "on" : "off"), \(durability.rawValue)\(hsync ? " with hsync" : ""), syncer thread \(syncerThread), "
                + "background compactions \(backgroundCompactions), WAL roll size \(walRollSize), crash: \(crash)]"
        }

        var engineConfiguration: StorageEngine.Configuration {
            var c = StorageEngine.Configuration()
            c.memory = 64 << 20
            c.flush.flushSize = flushSize
            c.flush.globalLimit = 1 << 30
            c.flush.globalLowerLimit = 1 << 29
            c.wakeFrequency = .seconds(3600)  // no periodic chores: no unplanned major compaction
            c.compactionThreads = backgroundCompactions ? 1 : 0
            // A zero limit sends every cell past the chunks: MSLAB off.
            c.region.mslabMaxAllocation = mslab ? 256 * 1024 : 0
            c.region.compaction.minFiles = 2
            c.region.compaction.minCompactSize = 1024
            c.region.compaction.majorPeriod = 0
            c.region.compaction.blockingStoreFiles = 10_000
            c.region.busyWaitDuration = .seconds(30)
            c.wal.hsync = hsync
            c.wal.syncerThread = syncerThread
            c.wal.rollSize = walRollSize
            return c
        }
    }

    /// Four or more setups; the first four between them cover both durabilities, MSLAB on and off and
    /// every bloom type.
    static func setups(seed: UInt64, count: Int = 4) -> [Setup] {
        var rng = SplitMix64(seed: seed ^ 0x5E7_0F5E_7095)
        func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
        let blooms = ColumnFamilyDescriptor.BloomType.allCases
        let blockSizes = [1024, 4096, 65_536]
        var out: [Setup] = []
        for i in 0..<count {
            let durability: Durability = i % 2 == 0 ? .syncWAL : .fsyncWAL
            let hsync = Bool.random(using: &rng)
            out.append(Setup(
                index: i, blockSizes: [blockSizes[(i + 1) % 3], pick(blockSizes)], blooms: [blooms[i % 3], pick(blooms)],
                flushSize: pick([2048, 8192, 32_768]), mslab: (i / 2) % 2 == 0, durability: durability,
                hsync: hsync && durability == .syncWAL, syncerThread: Bool.random(using: &rng),
                backgroundCompactions: Bool.random(using: &rng), walRollSize: pick([16 << 10, 64 << 20]),
                tornPercent: Int.random(in: 0...100, using: &rng)))
        }
        return out
    }

    /// The sequence for a seed: `count` steps, one phase of concurrent writers and one crash among them.
    static func operations(seed: UInt64, count: Int = 450) -> [Op] {
        var rng = SplitMix64(seed: seed)
        func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
        // Row keys of 1 to 3 bytes with 0x00 and 0xFF among them, so they sort unsigned and at the edges.
        let alphabet: [UInt8] = [0x00, 0x01, 0x61, 0x7F, 0x80, 0xFE, 0xFF]
        var rows: [[UInt8]] = [[0x00], [0xFF], [0x00, 0x00], [0xFF, 0xFF], [0x00, 0xFF], [0xFF, 0x00]]
        while rows.count < 28 {
            var key: [UInt8] = []
            for _ in 0..<Int.random(in: 1...3, using: &rng) { key.append(pick(alphabet)) }
            if !rows.contains(key) { rows.append(key) }
        }
        let families = [family1, family2]
        let qualifiers: [[UInt8]] = [[], [0x00], [0xFF], b("q")]
        func ts() -> Int64? { Bool.random(using: &rng) ? nil : Int64.random(in: 1...20, using: &rng) }
        func value() -> [UInt8] {
            // Now and then a value larger than the smallest block size.
            let n = Int.random(in: 0..<100, using: &rng) < 4 ? 1500 : Int.random(in: 0...12, using: &rng)
            var v: [UInt8] = []
            for _ in 0..<n { v.append(UInt8.random(in: 0...255, using: &rng)) }
            return v
        }
        // A put names each (family, qualifier, timestamp) once: two cells with the same key and sequence
        // id would have no defined winner.
        func put(_ row: [UInt8]) -> Put {
            var p = Put(row: row)
            var seen = Set<String>()
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                let f = pick(families), q = pick(qualifiers), t = ts()
                if seen.insert("\(f)|\(q)|\(t ?? -1)").inserted { p.add(family: f, qualifier: q, value: value(), timestamp: t) }
            }
            return p
        }
        func scan() -> Scan {
            var s = Scan()
            s.maxVersions = Int.random(in: 1...3, using: &rng)
            s.reversed = Bool.random(using: &rng)
            s.cacheBlocks = Bool.random(using: &rng)
            guard Int.random(in: 0..<3, using: &rng) > 0 else { return s }
            let a = pick(rows), z = pick(rows)
            let order = CellComparator.compareBytes(a, z)
            if order == 0 {
                s.startRow = a  // one bound only
            } else {
                let (lo, hi) = order < 0 ? (a, z) : (z, a)
                (s.startRow, s.stopRow) = s.reversed ? (hi, lo) : (lo, hi)
                s.includeStopRow = Bool.random(using: &rng)
            }
            s.includeStartRow = Bool.random(using: &rng)
            return s
        }

        let concurrentAt = Int.random(in: count / 4..<count / 2, using: &rng)
        let crashAt = Int.random(in: count / 2..<count * 3 / 4, using: &rng)
        var ops: [Op] = []
        for step in 0..<count {
            if step == concurrentAt {
                // Four writers, each on its own rows (4-byte keys: none of the shared rows).
                var writers: [[Put]] = []
                for w in 0..<4 { writers.append((0..<25).map { _ in put([0x80, 0x00, UInt8(w), UInt8.random(in: 0...5, using: &rng)]) }) }
                ops.append(.concurrentWriters(writers))
                continue
            }
            if step == crashAt { ops.append(.crash); continue }
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<36:
                ops.append(.put(put(pick(rows))))
            case 36..<48:
                var d = Delete(row: pick(rows), timestamp: ts() ?? Cell.latestTimestamp)
                let f = pick(families)
                switch Int.random(in: 0..<5, using: &rng) {
                case 0: d.addColumn(family: f, qualifier: pick(qualifiers), timestamp: ts())
                case 1: d.addColumns(family: f, qualifier: pick(qualifiers), timestamp: ts())
                case 2: d.addFamily(family: f, timestamp: ts())
                case 3: d.addFamilyVersion(family: f, timestamp: Int64.random(in: 1...20, using: &rng))
                default: break  // the whole row
                }
                ops.append(.delete(d))
            case 48..<52:
                ops.append(.increment(row: pick(counterRows), amount: Int64.random(in: -5...5, using: &rng)))
            case 52..<56:
                ops.append(.append(row: pick(rows), family: pick(families), qualifier: pick(qualifiers), value: value()))
            case 56..<61:
                var batch: [Put] = []
                var seen = Set<String>()
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let r = pick(rows), f = pick(families), q = pick(qualifiers), t = ts()
                    guard seen.insert("\(r)|\(f)|\(q)|\(t ?? -1)").inserted else { continue }
                    var p = Put(row: r)
                    p.add(family: f, qualifier: q, value: value(), timestamp: t)
                    batch.append(p)
                }
                ops.append(.batch(batch))
            case 61..<76:
                let row = Int.random(in: 0..<8, using: &rng) == 0 ? pick(counterRows) : pick(rows)
                let versions = Int.random(in: 1...3, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: ops.append(.get(row: row, versions: versions, family: nil, qualifier: nil))
                case 1: ops.append(.get(row: row, versions: versions, family: pick(families), qualifier: nil))
                default: ops.append(.get(row: row, versions: versions, family: pick(families), qualifier: pick(qualifiers)))
                }
            case 76..<84: ops.append(.scan(scan()))
            case 84..<90: ops.append(.flush)
            case 90..<94: ops.append(.minorCompaction)
            case 94..<97: ops.append(.majorCompaction)
            case 97: ops.append(.restart(flush: Bool.random(using: &rng)))
            default: ops.append(.put(put(pick(rows))))
            }
        }
        return ops
    }

    @Test(arguments: seeds())
    func everySetupGivesTheModelsAnswers(seed: UInt64) throws {
        let ops = Self.operations(seed: seed)
        var baseline: (setup: Setup, scan: [String])?
        for setup in Self.setups(seed: seed) {
            let finalScan = try Self.run(ops, seed: seed, setup: setup)
            if let baseline {
                _ = Self.same(finalScan, baseline.scan, "seed \(seed): the final scan under \(setup) differs from the one under \(baseline.setup)")
            } else {
                baseline = (setup, finalScan)
            }
        }
    }

    /// Runs the sequence under one setup on a fresh in-memory file system; returns the final full scan.
    static func run(_ ops: [Op], seed: UInt64, setup: Setup) throws -> [String] {
        let fs = MemoryFileSystem()
        let clock = TestClock()
        let table = try TableName("t")
        let info = RegionInfo(table: table, regionId: 1)
        var f1 = ColumnFamilyDescriptor(name: family1)
        f1.maxVersions = 3
        f1.blockSize = setup.blockSizes[0]
        f1.bloomFilter = setup.blooms[0]
        var f2 = ColumnFamilyDescriptor(name: family2)
        f2.blockSize = setup.blockSizes[1]
        f2.bloomFilter = setup.blooms[1]
        var schema = try TableDescriptor(name: table, families: [f1, f2])
        schema.durability = setup.durability  // every mutation uses the table's durability
        let descriptor = schema
        let configuration = setup.engineConfiguration
        // A new engine on the same files: reopens the HFiles and replays the WAL, as a restarted server.
        func openEngine() throws -> (StorageEngine, Region) {
            let engine = try StorageEngine(fileSystem: fs, root: "root", serverName: "rs1", configuration: configuration, clock: clock.function)
            do {
                return (engine, try engine.openRegion(info, descriptor: descriptor))
            } catch {
                try? engine.shutdown(flush: false)
                throw error
            }
        }
        var (engine, region) = try openEngine()
        defer { try? engine.shutdown(flush: false) }

        var model = ModelStore(maxVersions: [family1: 3, family2: 1])
        var seq: UInt64 = 0  // the model's write order; only its order matters
        var mismatches = 0
        let label = "seed \(seed), \(setup)"
        for (step, op) in ops.enumerated() where mismatches < 3 {
            clock.advance(1)
            let now = clock.now.load(ordering: .relaxed)
            let context = "\(label), step \(step) (\(op.name))"
            var ok = true
            switch op {
            case .put(let p):
                try region.put(p)
                seq += 1
                model.apply(stamped(p.cells, now: now, seq: seq))
            case .delete(let d):
                // Resolve "latest" timestamps as the region does, from the model.
                let markers = model.markers(for: d, families: [family1, family2], now: now)
                try region.delete(d)
                seq += 1
                model.apply(stamped(markers, now: now, seq: seq))
            case .batch(let puts):
                try region.mutateRows(puts.map { Mutation.put($0) })
                seq += 1
                model.apply(stamped(puts.flatMap(\.cells), now: now, seq: seq))
            case .increment(let row, let amount):
                var inc = Increment(row: row)
                inc.add(family: family2, qualifier: counterQualifier, amount: amount)
                let old = model.versions(row: row, family: family2, qualifier: counterQualifier).first
                let result = try region.increment(inc)
                seq += 1
                let total = (old.flatMap { Bytes.toInt64($0.value) } ?? 0) &+ amount
                let cell = Cell(
                    row: row, family: family2, qualifier: counterQualifier, timestamp: old.map { max(now, $0.timestamp) } ?? now,
                    value: Bytes.fromInt64(total), sequenceId: seq)
                ok = same(result.cells.map(describe), [describe(cell)], context)
                model.apply([cell])
            case .append(let row, let family, let qualifier, let value):
                var app = Append(row: row)
                app.add(family: family, qualifier: qualifier, value: value)
                let old = model.versions(row: row, family: family, qualifier: qualifier).first
                let result = try region.append(app)
                seq += 1
                let cell = Cell(
                    row: row, family: family, qualifier: qualifier, timestamp: old.map { max(now, $0.timestamp) } ?? now,
                    value: (old?.value ?? []) + value, sequenceId: seq)
                ok = same(result.cells.map(describe), [describe(cell)], context)
                model.apply([cell])
            case .get(let row, let versions, let family, let qualifier):
                var g = Get(row: row)
                g.maxVersions = versions
                if let family {
                    if let qualifier { g.columns.addColumn(family: family, qualifier: qualifier) } else { g.columns.addFamily(family) }
                }
                var want = model.row(row, versions: versions)
                if let family { want = want.filter { $0.family == family && (qualifier == nil || $0.qualifier == qualifier) } }
                ok = same(try region.get(g).cells.map(describe), want.map(describe), context)
            case .scan(let scan):
                var rows = model.rows().filter { inRange($0, scan) }
                if scan.reversed { rows.reverse() }
                let want = rows.flatMap { model.row($0, versions: scan.maxVersions) }.map(describe)
                ok = same(try region.scanner(scan).all().flatMap(\.cells).map(describe), want, context)
            case .flush: try region.flush()
            case .minorCompaction: try region.compact(major: false)  // keeps every cell; may find nothing to do
            case .majorCompaction:
                try region.flush()
                if try majorCompactEveryStore(region) {
                    model.majorCompact()
                } else {
                    Issue.record(Comment(rawValue: "\(context): a major compaction never got every store to one major file"))
                    ok = false
                }
            case .restart(let flush):
                try engine.shutdown(flush: flush)
                (engine, region) = try openEngine()
                ok = same(try fullScan(region), fullModel(model), context + ", after reopening")
            case .crash:
                // Every write so far was acknowledged; under this setup each of them must survive.
                if setup.survivesPowerLoss {
                    let keep = setup.tornPercent
                    fs.powerLoss { _, unsynced in unsynced * keep / 100 }
                } else {
                    fs.crashProcess()
                }
                // The dead engine's threads must stop before a new one opens the files (its handles no
                // longer work, so closing its WAL fails).
                try? engine.shutdown(flush: false)
                (engine, region) = try openEngine()
                ok = same(try fullScan(region), fullModel(model), context + ", after recovery")
            case .concurrentWriters(let writers):
                let target = region
                let acknowledged = Mutex<[Int]>(Array(repeating: 0, count: writers.count))
                let failures = Mutex<[String]>([])
                let group = DispatchGroup()
                for (w, puts) in writers.enumerated() {
                    group.enter()
                    Thread {
                        for (i, p) in puts.enumerated() {
                            do {
                                try target.put(p)
                            } catch {
                                failures.withLock { $0.append("writer \(w), put \(i): \(error)") }
                                break
                            }
                            acknowledged.withLock { $0[w] = i + 1 }
                        }
                        group.leave()
                    }.start()
                }
                group.wait()
                let failed = failures.withLock { $0 }
                if !failed.isEmpty {
                    Issue.record(Comment(rawValue: "\(context): writes failed: \(failed.prefix(3))"))
                    ok = false
                }
                // Writers own their rows, so the order between writers does not matter to the model.
                let counts = acknowledged.withLock { $0 }
                for (w, puts) in writers.enumerated() {
                    for p in puts.prefix(counts[w]) {
                        seq += 1
                        model.apply(stamped(p.cells, now: now, seq: seq))
                    }
                }
                let touched = Set(writers.flatMap { $0.map(\.row) }).sorted { CellComparator.compareBytes($0, $1) < 0 }
                for row in touched where ok {
                    var g = Get(row: row)
                    g.maxVersions = 3
                    ok = same(try region.get(g).cells.map(describe), model.row(row, versions: 3).map(describe), context + ", row \(Bytes.toStringBinary(row))")
                }
            }
            if !ok { mismatches += 1 }
        }
        let finalScan = try fullScan(region)
        _ = same(finalScan, fullModel(model), "\(label), final scan")
        return finalScan
    }

    /// Major-compacts every store (after the caller's flush): waits out background compactions, which
    /// would make the region skip the store, until each store holds at most one major-compacted file.
    static func majorCompactEveryStore(_ region: Region) throws -> Bool {
        for store in region.stores {
            var done = false
            for _ in 0..<200 where !done {
                store.waitForCompaction()
                try region.compact(major: true, family: store.family.name)
                let files = store.storeFiles
                done = files.count <= 1 && files.allSatisfy { $0.info.majorCompacted }
            }
            if !done { return false }
        }
        return true
    }

    /// Cells with "latest" timestamps set to `now` and the model's sequence number.
    static func stamped(_ cells: [Cell], now: Int64, seq: UInt64) -> [Cell] {
        cells.map { c in
            var c = c
            (c.timestamp, c.sequenceId) = (c.timestamp == Cell.latestTimestamp ? now : c.timestamp, seq)
            return c
        }
    }

    /// Whether a scan covers the row, with its bounds and their inclusion flags (reversed scans run from
    /// `startRow` down to `stopRow`; an empty bound is open).
    static func inRange(_ row: [UInt8], _ scan: Scan) -> Bool {
        let lower = scan.reversed ? (scan.stopRow, scan.includeStopRow) : (scan.startRow, scan.includeStartRow)
        let upper = scan.reversed ? (scan.startRow, scan.includeStartRow) : (scan.stopRow, scan.includeStopRow)
        let aboveLower = lower.0.isEmpty || CellComparator.compareBytes(row, lower.0) > (lower.1 ? -1 : 0)
        let belowUpper = upper.0.isEmpty || CellComparator.compareBytes(row, upper.0) < (upper.1 ? 1 : 0)
        return aboveLower && belowUpper
    }

    static func fullScan(_ region: Region) throws -> [String] {
        var scan = Scan()
        scan.maxVersions = 3
        return try region.scanner(scan).all().flatMap(\.cells).map(describe)
    }

    static func fullModel(_ model: ModelStore) -> [String] {
        model.rows().flatMap { model.row($0, versions: 3) }.map(describe)
    }

    /// A cell as compared: everything but the sequence id (which differs between setups), with long
    /// values cut short and fingerprinted (FNV-1a) to keep failure messages readable.
    static func describe(_ c: Cell) -> String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in c.value { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return "\(Bytes.toStringBinary(c.row))/\(Bytes.toStringBinary(c.family)):\(Bytes.toStringBinary(c.qualifier))@\(c.timestamp) \(c.type) "
            + "\(Bytes.toStringBinary(c.value.prefix(16)))(\(c.value.count) bytes, \(String(hash, radix: 16)))"
    }

    /// Records an issue showing the first difference when the two lists differ; returns whether they match.
    static func same(_ got: [String], _ want: [String], _ context: String) -> Bool {
        guard got != want else { return true }
        let n = min(got.count, want.count)
        let i = (0..<n).first { got[$0] != want[$0] } ?? n
        let engine = i < got.count ? got[i] : "(nothing)"
        let expected = i < want.count ? want[i] : "(nothing)"
        Issue.record(Comment(rawValue: "\(context): \(got.count) cells against \(want.count) expected; first difference at #\(i): got \(engine), expected \(expected)"))
        return false
    }
}
