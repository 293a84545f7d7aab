import ArgumentParser
import BasaltClient
import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// `basalt canary [TABLE ...]`: reads the first row of every region (of every user table, or of the
/// tables named), as HBase's canary does, and prints each region's latency or failure; exits 1 when a
/// region fails. A region that cannot be read within the client's few retries counts as failed, so a
/// stuck region shows in seconds, not after the client's usual minutes of retrying.
struct CanaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Read one row of every region and report each region's latency; exit 1 on a failure.")

    @OptionGroup var conf: ConfigurationOptions

    @Argument(help: "Tables to check (every enabled user table when none is named; 'hbase:meta' may be named).")
    var tables: [String] = []

    @Flag(help: "Print one JSON object per region instead of a table.")
    var json = false

    /// Client retries per region unless `hbase.client.retries.number` is given: one, so two tries.
    static let defaultRetries = 1
    /// Client pause between them unless `hbase.client.pause` is given, in milliseconds.
    static let defaultPauseMs = 100

    func validate() throws {
        for t in tables { _ = try TableName(t) }
    }

    func run() async throws {
        ClientLogging.bootstrapErrorsOnly()
        var configuration = try conf.load()
        if configuration["hbase.client.retries.number"] == nil { configuration["hbase.client.retries.number"] = "\(Self.defaultRetries)" }
        if configuration["hbase.client.pause"] == nil { configuration["hbase.client.pause"] = "\(Self.defaultPauseMs)" }
        let connection = try await Connection.connect(configuration)
        let report: CanaryReport
        do {
            var names: [TableName] = []
            if tables.isEmpty {
                // As HBase's canary: every enabled user table (a disabled table's regions are closed on purpose).
                for t in try await connection.admin().listTableNames() where try await connection.admin().isTableEnabled(t) { names.append(t) }
            } else {
                names = try tables.map { try TableName($0) }
            }
            report = try await CanaryReport.probe(connection, tables: names)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        print(json ? report.json() : report.text(), terminator: "")
        if report.failures > 0 { throw ExitCode(1) }
    }
}

/// What a canary run found: per region, the time to read its first row or why it could not.
struct CanaryReport: Sendable {
    struct Probe: Sendable {
        let table: TableName
        let region: String
        let server: String
        let startKey: [UInt8]
        let outcome: Result<Duration, ClientError>
    }

    var probes: [Probe] = []
    var failures: Int { probes.filter { if case .failure = $0.outcome { true } else { false } }.count }

    /// Reads the first row of each region of `tables`, one region at a time (a canary measures, it does
    /// not load the cluster).
    static func probe(_ connection: Connection, tables: [TableName]) async throws -> CanaryReport {
        var report = CanaryReport()
        for table in tables {
            let regions: [(region: RegionInfo, server: String)]
            do {
                regions = try await Self.regions(of: table, connection)
            } catch {
                report.probes.append(Probe(table: table, region: "-", server: "-", startKey: [], outcome: .failure(ClientError(error))))
                continue
            }
            for (region, server) in regions {
                var scan = Scan(startRow: region.startKey, stopRow: region.endKey)
                scan.limit = 1
                let started = ContinuousClock.now
                let outcome: Result<Duration, ClientError>
                do {
                    _ = try await connection.table(table).scanAll(scan, caching: 1)
                    outcome = .success(ContinuousClock.now - started)
                } catch {
                    outcome = .failure(ClientError(error))
                }
                report.probes.append(Probe(table: table, region: region.encodedName, server: server, startKey: region.startKey, outcome: outcome))
            }
        }
        return report
    }

    /// Every region of `table` as meta lists it, open or not (a region in transition is probed too, and
    /// fails), with the server meta names for it ("-" when none).
    static func regions(of table: TableName, _ connection: Connection) async throws -> [(region: RegionInfo, server: String)] {
        if table == .meta {
            return try await connection.admin().regions(of: .meta).map { ($0.region, "\($0.server)") }
        }
        let prefix = Array(table.description.utf8) + [UInt8(ascii: ",")]
        var scan = Scan(startRow: prefix, stopRow: Array(table.description.utf8) + [UInt8(ascii: ",") + 1])
        scan.columns.addFamily(MetaRow.infoFamily)
        var out: [(region: RegionInfo, server: String)] = []
        for row in try await connection.table(.meta).scanAll(scan) {
            guard let location = try MetaRow.parse(row), location.region.table == table, !(location.split && location.offline) else { continue }
            out.append((location.region, location.server.map { "\($0)" } ?? "-"))
        }
        if out.isEmpty { throw ClientError.tableNotFound(table) }
        return out
    }

    func text() -> String {
        var out = ""
        for p in probes {
            let key = p.startKey.isEmpty ? "''" : Bytes.toStringBinary(p.startKey)
            switch p.outcome {
            case .success(let took):
                out += "ok      \(p.table) \(p.region) start=\(key) on \(p.server): \(Self.ms(took)) ms\n"
            case .failure(let e):
                out += "FAILED  \(p.table) \(p.region) start=\(key) on \(p.server): \(e.code): \(e.message)\n"
            }
        }
        out += "canary: \(probes.count) regions, \(failures) failed\n"
        return out
    }

    func json() -> String {
        var out = ""
        for p in probes {
            var o: [String: Any] = ["table": "\(p.table)", "region": p.region, "server": p.server, "startKey": Bytes.toStringBinary(p.startKey)]
            switch p.outcome {
            case .success(let took): o["ms"] = Self.ms(took)
            case .failure(let e): o["error"] = "\(e.code): \(e.message)"
            }
            if let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), let line = String(data: data, encoding: .utf8) {
                out += line + "\n"
            }
        }
        return out
    }

    private static func ms(_ d: Duration) -> Double {
        ((Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15) * 1000).rounded() / 1000
    }
}
