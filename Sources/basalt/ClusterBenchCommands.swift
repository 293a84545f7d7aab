import ArgumentParser
import BasaltClient
import BasaltCore
import Foundation
import Logging

/// Flags the networked benchmarks share (DESIGN.md §9).
struct ClusterBenchOptions: ParsableArguments {
    @Option(help: "The table (created, pre-split, when missing).") var table = "usertable"
    @Option(help: "Regions to pre-split a new table into.") var regions = 8
    @Option(help: "Rows in the key space (the load writes this many).") var rows: Int?
    @Option(help: "Operations per task (get: gets per task; load: rows = num × threads).") var num: Int?
    @Option(help: "Concurrent client tasks.") var threads = 1
    @Option(name: .customLong("key-size"), help: "Key bytes (decimal digits).") var keySize = 16
    @Option(name: .customLong("value-size"), help: "Value bytes.") var valueSize = 100
    @Option(help: "SKIP_WAL, ASYNC_WAL, SYNC_WAL, FSYNC_WAL or USE_DEFAULT.") var durability = "USE_DEFAULT"
    @Option(name: .customLong("ack-log"), help: "load: append each key once acknowledged; verify: the keys to check.") var ackLog: String?
    @Flag(help: "One JSON object per benchmark on stdout.") var json = false
    @Option(name: .customLong("tasks-on"), help: "Where the client tasks run: event-loop (Connection.executor; get's default) or cooperative-pool (load's, scan's and verify's).")
    var tasksOn: TaskPlacement?
    @Option(help: "Seed for the random keys (default: time based).") var seed: UInt64?
    @OptionGroup var conf: ConfigurationOptions

    func validate() throws {
        guard threads > 0, threads <= 1024 else { throw ValidationError("--threads must be between 1 and 1024") }
        guard regions > 0, regions <= 10_000 else { throw ValidationError("--regions must be between 1 and 10000") }
        if let rows, rows <= 0 { throw ValidationError("--rows must be positive") }
        if let num, num <= 0 { throw ValidationError("--num must be positive") }
        guard keySize >= String(totalRows).count, keySize <= 32_767 else {
            throw ValidationError("--key-size must be at least \(String(totalRows).count) (to hold \(totalRows) keys) and at most 32767")
        }
        guard valueSize >= 0, valueSize <= 10 << 20 else { throw ValidationError("--value-size must be between 0 and 10 MB") }
        _ = try Durability(parsing: durability)
    }

    /// `--rows`, or `--num × --threads`, or 1,000,000.
    var totalRows: Int { rows ?? num.map { $0 * threads } ?? 1_000_000 }

    /// The benchmark, its tasks where `--tasks-on` says or else at `placement`, the command's own default.
    func benchmark(placement: TaskPlacement = .cooperativePool) async throws -> ClusterBenchmark {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .warning
            return h
        }
        let connection = try await Connection.connect(try conf.load())
        return ClusterBenchmark(
            connection: connection, table: try TableName(table), regions: regions, rows: totalRows, threads: threads, keySize: keySize,
            valueSize: valueSize, durability: try Durability(parsing: durability), ackLog: ackLog, json: json, placement: tasksOn ?? placement,
            seed: seed ?? UInt64(Date().timeIntervalSince1970 * 1e6))
    }
}

/// Where a networked benchmark's client tasks run.
enum TaskPlacement: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// On the connection's event loop (`Connection.executor`): a call is written and its answer resumes
    /// the task on one thread. For gets, whose time is round trips.
    case eventLoop = "event-loop"
    /// On Swift's cooperative pool: the tasks' own work (a load builds every mutation) spreads over the
    /// cores, at two thread hand-offs per call.
    case cooperativePool = "cooperative-pool"
}

extension BenchCommand {
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write rows through BufferedMutator into a pre-split table of a running cluster (prints 'load').")
        @OptionGroup var options: ClusterBenchOptions

        func run() async throws {
            let bench = try await options.benchmark()
            defer { Task { await bench.connection.close() } }
            try await bench.load()
            await bench.connection.close()
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Random gets against a running cluster (--num per task).")
        @OptionGroup var options: ClusterBenchOptions

        func run() async throws {
            let bench = try await options.benchmark(placement: .eventLoop)
            try await bench.get(count: options.num ?? 100_000)
            await bench.connection.close()
        }
    }

    struct Scan: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Scan the whole table of a running cluster, cut into --threads key ranges.")
        @OptionGroup var options: ClusterBenchOptions

        func run() async throws {
            let bench = try await options.benchmark()
            try await bench.scan()
            await bench.connection.close()
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check that every key of --ack-log reads back with its value; exit 1 when one does not.")
        @OptionGroup var options: ClusterBenchOptions

        func run() async throws {
            let bench = try await options.benchmark()
            let ok = try await bench.verify()
            await bench.connection.close()
            if !ok { throw ExitCode(1) }
        }
    }
}
