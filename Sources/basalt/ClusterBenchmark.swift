import BasaltClient
import BasaltCore
import Foundation
import Synchronization

/// The networked benchmarks (`basalt bench load|get|scan|verify`), run against a cluster from another
/// process through `BasaltClient`. Keys are `--key-size` decimal digits, values derived from keys (as the
/// engine benchmark does), so `verify` can recompute them. Not thread-safe itself; tasks it starts share
/// only the connection.
struct ClusterBenchmark {
    let connection: Connection
    let table: TableName
    let regions: Int
    let rows: Int
    let threads: Int
    let keySize: Int
    let valueSize: Int
    let durability: Durability
    let ackLog: String?
    let json: Bool
    /// Where the tasks run.
    let placement: TaskPlacement
    let seed: UInt64

    static let family = Bytes.of("family")
    static let qualifier = Bytes.of("field0")

    static func key(_ n: Int, size: Int) -> [UInt8] {
        var key = [UInt8](repeating: UInt8(ascii: "0"), count: size)
        var v = n
        var i = size - 1
        while i >= 0 && v > 0 {
            key[i] = UInt8(ascii: "0") + UInt8(v % 10)
            v /= 10
            i -= 1
        }
        return key
    }

    /// Creates the table, split evenly over the key space, when it is missing.
    func ensureTable() async throws {
        let admin = connection.admin()
        if try await admin.tableExists(table) { return }
        let splits = regions > 1 ? (1..<regions).map { Self.key(rows * $0 / regions, size: keySize) } : []
        let distinct = splits.enumerated().filter { i, k in i == 0 || k != splits[i - 1] }.map(\.element)
        try await admin.createTable(try TableDescriptor(name: table, families: [ColumnFamilyDescriptor(name: Self.family)]), splitKeys: distinct)
    }

    /// Runs `perTask` on `threads` concurrent tasks; returns the merged histogram, ops, found and seconds.
    func parallel(_ perTask: @escaping @Sendable (Int) async throws -> (LatencyHistogram, Int, Int)) async throws -> (LatencyHistogram, Int, Int, Double) {
        let start = ContinuousClock.now
        var merged = LatencyHistogram()
        var ops = 0, found = 0
        try await withThrowingTaskGroup(of: (LatencyHistogram, Int, Int).self) { group in
            let executor = placement == .eventLoop ? connection.executor : nil
            for t in 0..<threads { group.addTask(executorPreference: executor) { try await perTask(t) } }
            for try await (h, o, f) in group {
                merged.merge(h)
                ops += o
                found += f
            }
        }
        let elapsed = ContinuousClock.now - start
        return (merged, ops, found, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    func emit(_ name: String, _ outcome: (LatencyHistogram, Int, Int, Double), found: Bool) {
        BenchmarkReport(
            name: name, ops: outcome.1, seconds: outcome.3, histogram: outcome.0, threads: threads, durability: durability.rawValue,
            found: found ? outcome.2 : nil
        ).emit(json: json)
    }

    /// `load`: each task writes its share of `rows` random keys through its own BufferedMutator; a key
    /// goes to the ack log once the flush that carried it returned.
    func load() async throws {
        try await ensureTable()
        let ackFD = try ackLog.map { path -> Int32 in
            let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            if fd < 0 { throw ClientError.invalidArgument("cannot open ack log '\(path)': \(String(cString: strerror(errno)))") }
            return fd
        }
        defer { if let ackFD { close(ackFD) } }
        let perTask = rows / threads
        let (connection, table, keySize, valueSize, durability, seed, totalRows) = (connection, table, keySize, valueSize, durability, seed, rows)
        let outcome = try await parallel { t in
            var rng = SplitMix64(seed: seed &+ UInt64(t) &* 0x9E37_79B9)
            let mutator = connection.bufferedMutator(table)
            var histogram = LatencyHistogram()
            var pendingKeys: [[UInt8]] = []
            var value = [UInt8]()
            func acknowledge() {
                guard let ackFD, !pendingKeys.isEmpty else { return }
                var out = [UInt8]()
                for k in pendingKeys {
                    out += k
                    out.append(UInt8(ascii: "\n"))
                }
                _ = out.withUnsafeBytes { write(ackFD, $0.baseAddress, $0.count) }
            }
            for _ in 0..<perTask {
                let key = Self.key(Int(rng.next() % UInt64(totalRows)), size: keySize)
                EngineBenchmark.makeValue(for: key, size: valueSize, into: &value)
                var put = Put(row: key)
                put.add(family: Self.family, qualifier: Self.qualifier, value: value)
                put.durability = durability
                let t0 = ContinuousClock.now
                let full = mutator.bufferedBytes + BufferedMutator.size(.put(put)) >= mutator.bufferSize
                if full {
                    // Send explicitly so the keys can be acknowledged once their flush returned.
                    try await mutator.mutate(.put(put))
                    try await mutator.flush()
                    pendingKeys.append(key)
                    acknowledge()
                    pendingKeys.removeAll(keepingCapacity: true)
                } else {
                    try await mutator.mutate(.put(put))
                    pendingKeys.append(key)
                }
                histogram.record(nanos: UInt64((ContinuousClock.now - t0).inNanoseconds))
            }
            try await mutator.close()
            acknowledge()
            return (histogram, perTask, 0)
        }
        emit("load", outcome, found: false)
    }

    /// `get`: random gets of keys in [0, rows), after the loopback TCP round trip they are judged
    /// against (its p50 and the gets' p50 as a ratio of it).
    func get(count: Int) async throws {
        let (ping, pingSeconds) = try LoopbackPing.measure(count: min(count, 20_000))
        BenchmarkReport(name: "tcp-ping", ops: min(count, 20_000), seconds: pingSeconds, histogram: ping, threads: 1, durability: "-").emit(json: json)
        let (connection, table, keySize, seed, totalRows) = (connection, table, keySize, seed, rows)
        let outcome = try await parallel { t in
            let tbl = connection.table(table)
            return try await Self.timedRandomReads(task: t, count: count, seed: seed, rows: totalRows, keySize: keySize) { key in
                try await !tbl.get(Get(row: key)).isEmpty
            }
        }
        let ratio = outcome.0.quantile(0.5) / max(ping.quantile(0.5), 1)
        BenchmarkReport(
            name: "get", ops: outcome.1, seconds: outcome.3, histogram: outcome.0, threads: threads, durability: durability.rawValue,
            found: outcome.2, extraText: [String(format: "p50 %.1f× the TCP ping", ratio)]
        ).emit(json: json)
    }

    /// One task's random point reads of keys in [0, rows), each timed; `read` says whether it found the row.
    static func timedRandomReads(task t: Int, count: Int, seed: UInt64, rows: Int, keySize: Int,
                                 _ read: ([UInt8]) async throws -> Bool) async throws -> (LatencyHistogram, Int, Int) {
        var rng = SplitMix64(seed: seed &+ 77 &+ UInt64(t))
        var histogram = LatencyHistogram()
        var found = 0
        for _ in 0..<count {
            let key = key(Int(rng.next() % UInt64(rows)), size: keySize)
            let t0 = ContinuousClock.now
            if try await read(key) { found += 1 }
            histogram.record(nanos: UInt64((ContinuousClock.now - t0).inNanoseconds))
        }
        return (histogram, count, found)
    }

    /// `scan`: the whole table, cut into `threads` key ranges scanned at once; one op per row.
    func scan() async throws {
        let (connection, table, keySize, totalRows, threads) = (connection, table, keySize, rows, threads)
        let outcome = try await parallel { t in
            let start = t == 0 ? [] : Self.key(totalRows * t / threads, size: keySize)
            let stop = t == threads - 1 ? [] : Self.key(totalRows * (t + 1) / threads, size: keySize)
            let scanner = connection.table(table).scanner(Scan(startRow: start, stopRow: stop), caching: 1000)
            var histogram = LatencyHistogram()
            var n = 0
            var t0 = ContinuousClock.now
            while let _ = try await scanner.next() {
                let now = ContinuousClock.now
                histogram.record(nanos: UInt64((now - t0).inNanoseconds))
                t0 = now
                n += 1
            }
            return (histogram, n, n)
        }
        emit("scan", outcome, found: true)
    }

    /// `verify`: every key of the ack log reads back with its value (gets batched 1000 at a time).
    func verify() async throws -> Bool {
        guard let ackLog else { throw ClientError.invalidArgument("verify checks the keys of --ack-log FILE: give one") }
        guard let data = FileManager.default.contents(atPath: ackLog) else { throw ClientError.invalidArgument("cannot read ack log '\(ackLog)'") }
        var keys: [[UInt8]] = []
        var lineStart = data.startIndex
        for i in data.indices where data[i] == UInt8(ascii: "\n") {
            if i > lineStart { keys.append(Array(data[lineStart..<i])) }
            lineStart = i + 1
        }
        let tbl = connection.table(table)
        var histogram = LatencyHistogram()
        var verified = 0
        var problems: [String] = []
        var value = [UInt8]()
        let start = ContinuousClock.now
        var i = 0
        while i < keys.count {
            let batch = Array(keys[i..<min(i + 1000, keys.count)])
            let t0 = ContinuousClock.now
            let results = try await tbl.get(batch.map { Get(row: $0) })
            histogram.record(nanos: UInt64((ContinuousClock.now - t0).inNanoseconds))
            for (key, r) in zip(batch, results) {
                EngineBenchmark.makeValue(for: key, size: valueSize, into: &value)
                if r.value(family: Self.family, qualifier: Self.qualifier) == value {
                    verified += 1
                } else if problems.count < 10 {
                    problems.append("key \(String(decoding: key, as: UTF8.self)): \(r.isEmpty ? "missing" : "wrong value")")
                }
            }
            i += batch.count
        }
        let elapsed = ContinuousClock.now - start
        for p in problems { FileHandle.standardError.write(Data("verify: \(p)\n".utf8)) }
        print("verified \(verified) of \(keys.count) acknowledged")
        BenchmarkReport(
            name: "verify", ops: keys.count, seconds: Double(elapsed.inNanoseconds) / 1e9, histogram: histogram, threads: 1,
            durability: durability.rawValue, found: verified
        ).emit(json: json)
        return verified == keys.count
    }
}

extension Duration {
    var inNanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }
}
