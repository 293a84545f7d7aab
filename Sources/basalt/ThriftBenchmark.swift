import ArgumentParser
import BasaltClient
import BasaltCore
import BasaltThrift
import Foundation

extension BenchCommand {
    /// `basalt bench thrift`: the same workload through the native client and through the Thrift gateway,
    /// so the gateway's cost reads as a ratio: batch puts (`--batch` rows per call: `Table.put([Put])`
    /// against Thrift `mutateRows`, as happybase's `Table.batch` sends them), then random point reads
    /// (`Table.get` against `getRowWithColumns`, as happybase's `Table.row`), each on `--threads`
    /// concurrent tasks with a Thrift connection each.
    struct Thrift: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Native client against the Thrift gateway: batch puts and point reads, with their ratios.")
        @OptionGroup var options: ClusterBenchOptions
        @Option(name: .customLong("thrift-host"), help: "The gateway's address.") var thriftHost = "127.0.0.1"
        @Option(name: .customLong("thrift-port"), help: "The gateway's port (basalt start serves one on 9090).") var thriftPort = 9090
        @Option(help: "Rows per batch put.") var batch = 1000
        @Option(name: .customLong("protocol"), help: "binary or compact.") var proto = "binary"
        @Flag(help: "Framed transport (default buffered).") var framed = false

        func validate() throws {
            guard batch > 0, batch <= 100_000 else { throw ValidationError("--batch must be between 1 and 100000") }
            guard proto == "binary" || proto == "compact" else { throw ValidationError("--protocol is binary or compact") }
        }

        func run() async throws {
            let bench = try await options.benchmark()
            let mode: ThriftProtocol = proto == "compact" ? .compact : .binary(strict: true)
            let thrift = ThriftTarget(host: thriftHost, port: thriftPort, proto: mode, framed: framed)
            try await bench.compareWithThrift(thrift, batch: batch, gets: options.num ?? 20_000)
            await bench.connection.close()
        }
    }
}

/// Where the gateway listens and how to speak to it.
struct ThriftTarget: Sendable {
    var host: String
    var port: Int
    var proto: ThriftProtocol
    var framed: Bool
}

extension ClusterBenchmark {
    func compareWithThrift(_ thrift: ThriftTarget, batch: Int, gets: Int) async throws {
        let native = try TableName(table.nameAsString + "_native"), gateway = try TableName(table.nameAsString + "_thrift")
        for t in [native, gateway] {
            try await ClusterBenchmark(connection: connection, table: t, regions: regions, rows: rows, threads: threads, keySize: keySize,
                                       valueSize: valueSize, durability: durability, ackLog: nil, json: json, placement: placement, seed: seed).ensureTable()
        }
        let (connection, rows, threads, keySize, valueSize, seed) = (connection, rows, threads, keySize, valueSize, seed)
        let family = Self.family, qualifier = Self.qualifier
        let column = family + [UInt8(ascii: ":")] + qualifier
        /// Task t's rows, `batch` at a time: every row of [0, rows) is written once.
        @Sendable func batches(_ t: Int) -> [[Int]] {
            let mine = Array(stride(from: t, to: rows, by: threads))
            return stride(from: 0, to: mine.count, by: batch).map { Array(mine[$0..<min($0 + batch, mine.count)]) }
        }

        let nativePut = try await parallel { t in
            let table = connection.table(native)
            var histogram = LatencyHistogram(), value = [UInt8](), written = 0
            for keys in batches(t) {
                let puts = keys.map { n -> Put in
                    let key = Self.key(n, size: keySize)
                    EngineBenchmark.makeValue(for: key, size: valueSize, into: &value)
                    var put = Put(row: key)
                    put.add(family: family, qualifier: qualifier, value: value)
                    put.durability = .syncWAL
                    return put
                }
                let t0 = ContinuousClock.now
                try await table.put(puts)
                histogram.record(nanos: UInt64((ContinuousClock.now - t0).inNanoseconds))
                written += puts.count
            }
            return (histogram, written, 0)
        }
        let thriftPut = try await parallel { t in
            try await ThriftClient.withConnection(host: thrift.host, port: thrift.port, proto: thrift.proto, framed: thrift.framed) { client in
                var histogram = LatencyHistogram(), value = [UInt8](), written = 0
                for keys in batches(t) {
                    let rowsValue = keys.map { n -> ThriftValue in
                        let key = Self.key(n, size: keySize)
                        EngineBenchmark.makeValue(for: key, size: valueSize, into: &value)
                        let mutation = ThriftValue.structure(ThriftStruct([1: .bool(false), 2: .binary(column), 3: .binary(value), 4: .bool(true)]))
                        return .structure(ThriftStruct([1: .binary(key), 2: .list(.structure, [mutation])]))
                    }
                    let args = ThriftStruct([1: .binary(gateway.nameBytes), 2: .list(.structure, rowsValue), 3: .map(key: .binary, value: .binary, [])])
                    let t0 = ContinuousClock.now
                    try await client.call("mutateRows", args)
                    histogram.record(nanos: UInt64((ContinuousClock.now - t0).inNanoseconds))
                    written += keys.count
                }
                return (histogram, written, 0)
            }
        }
        let nativeGet = try await parallel { t in
            let table = connection.table(native)
            return try await Self.timedRandomReads(task: t, count: gets, seed: seed, rows: rows, keySize: keySize) { key in
                try await !table.get(Get(row: key)).isEmpty
            }
        }
        let thriftGet = try await parallel { t in
            try await ThriftClient.withConnection(host: thrift.host, port: thrift.port, proto: thrift.proto, framed: thrift.framed) { client in
                try await Self.timedRandomReads(task: t, count: gets, seed: seed, rows: rows, keySize: keySize) { key in
                    let args = ThriftStruct([1: .binary(gateway.nameBytes), 2: .binary(key), 4: .map(key: .binary, value: .binary, [])])
                    return try await client.call("getRowWithColumns", args)?.elements?.isEmpty == false
                }
            }
        }
        emit("native batch put (rows, latency per \(batch)-row call)", nativePut, found: false)
        emit("thrift batch put (rows, latency per \(batch)-row call)", thriftPut, found: false)
        emit("native get", nativeGet, found: true)
        emit("thrift get", thriftGet, found: true)
        func ratio(_ g: (LatencyHistogram, Int, Int, Double), _ n: (LatencyHistogram, Int, Int, Double), _ q: Double) -> Double {
            n.0.quantile(q) > 0 ? g.0.quantile(q) / n.0.quantile(q) : 0
        }
        func rate(_ x: (LatencyHistogram, Int, Int, Double)) -> Double { x.3 > 0 ? Double(x.1) / x.3 : 0 }
        let line = String(format: "thrift/native: batch put latency p50 %.2fx p99 %.2fx, throughput %.2fx; get latency p50 %.2fx p99 %.2fx, throughput %.2fx (%@, %@)",
                          ratio(thriftPut, nativePut, 0.5), ratio(thriftPut, nativePut, 0.99), rate(thriftPut) / max(1, rate(nativePut)),
                          ratio(thriftGet, nativeGet, 0.5), ratio(thriftGet, nativeGet, 0.99), rate(thriftGet) / max(1, rate(nativeGet)),
                          thrift.proto.description, thrift.framed ? "framed" : "buffered")
        print(line)
    }
}
