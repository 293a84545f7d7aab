import ArgumentParser
import BasaltCore
import BasaltStorage
import Foundation

/// `basalt bench ...`: the benchmarks (DESIGN.md §9). `engine` drives an embedded region directly; `load`, `get`,
/// `scan` and `verify` go through the client to a running cluster; `startup` times `basalt start`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.", subcommands: [Engine.self, Load.self, Get.self, Scan.self, Verify.self, Thrift.self, Startup.self, RPC.self])

    struct Engine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Benchmark the embedded storage engine (no network), in the manner of RocksDB's db_bench.",
            discussion: """
                Benchmarks run in order on the same folder: fillseq, fillrandom, flush, compact, readrandom, \
                scan100 (seek to a random key, read 100 rows), readseq (a full scan), verify. \
                Each prints 'NAME: X ops/s, p50 Y us, p99 Z us' (or one JSON object per line with --json). \
                --ack-log FILE appends each key once its write is acknowledged; verify reopens the region \
                (replaying the WAL) and checks every logged key reads back with its value.
                """)

        @Option(help: "Folder for the WAL and data (created when missing).") var dir: String
        @Option(help: "Comma-separated list: fillseq, fillrandom, flush, compact, readrandom, scan100, readseq, verify.") var benchmarks: String = "fillrandom,readrandom"
        @Option(help: "Operations per thread.") var num: Int = 1_000_000
        @Option(help: "Threads running each benchmark.") var threads: Int = 1
        @Option(name: .customLong("key-size"), help: "Key bytes.") var keySize: Int = 16
        @Option(name: .customLong("value-size"), help: "Value bytes.") var valueSize: Int = 100
        @Option(help: "SKIP_WAL, ASYNC_WAL, SYNC_WAL, FSYNC_WAL or USE_DEFAULT.") var durability: String = "SYNC_WAL"
        @Option(help: "The memory given to the engine in bytes, HBase's heap: MemStores get 0.4 of it and the block cache 0.4 (default 1 GiB).") var memory: Int?
        @Option(name: .customLong("ack-log"), help: "Append each key to this file after its write is acknowledged.") var ackLog: String?
        @Flag(help: "One JSON object per benchmark on stdout.") var json = false
        @Option(help: "Seed for the random keys (default: time based).") var seed: UInt64?
        @OptionGroup var options: ConfigurationOptions

        func validate() throws {
            guard num > 0 else { throw ValidationError("--num must be positive") }
            guard threads > 0, threads <= 1024 else { throw ValidationError("--threads must be between 1 and 1024") }
            guard valueSize >= 0, valueSize <= 10 * 1024 * 1024 else { throw ValidationError("--value-size must be between 0 and 10 MB") }
            let digits = String(num * threads).count
            guard keySize >= digits, keySize <= 32_767 else {
                throw ValidationError("--key-size must be at least \(digits) (to hold \(num * threads) keys) and at most 32767")
            }
            _ = try Durability(parsing: durability)
            if let memory, memory < 16 << 20 { throw ValidationError("--memory must be at least 16 MB (16777216 bytes)") }
            for b in benchmarks.split(separator: ",") where !EngineBenchmark.known.contains(String(b)) {
                throw ValidationError("unknown benchmark '\(b)': use \(EngineBenchmark.known.joined(separator: ", "))")
            }
            if benchmarks.split(separator: ",").contains("verify") && ackLog == nil {
                throw ValidationError("verify checks the keys of --ack-log FILE: give one")
            }
        }

        func run() throws {
            let bench = try EngineBenchmark(
                directory: dir, keySize: keySize, valueSize: valueSize, num: num, threads: threads,
                durability: try Durability(parsing: durability), ackLogPath: ackLog, json: json,
                seed: seed ?? UInt64(Date().timeIntervalSince1970 * 1e6), memory: memory, configuration: try options.load())
            var failed = false
            for name in benchmarks.split(separator: ",").map(String.init) {
                if try !bench.run(name) { failed = true }
            }
            try bench.close()
            if failed { throw ExitCode(1) }
        }
    }
}
