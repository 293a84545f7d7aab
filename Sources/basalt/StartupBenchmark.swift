import ArgumentParser
import BasaltClient
import BasaltCore
import Foundation

extension BenchCommand {
    /// `basalt bench startup`: launches `basalt start` on free ports and times the first get it serves.
    struct Startup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time from launching 'basalt start' to the first served get (on --table when it exists, else hbase:meta).")

        @Option(help: "The data folder for 'basalt start'.") var data: String
        @Option(help: "The table to read a row of.") var table = "usertable"
        @Option(help: "Launches to measure.") var runs = 3
        @Flag(help: "One JSON object per run on stdout.") var json = false

        func run() async throws {
            ClientLogging.bootstrapErrorsOnly()
            guard let exe = Bundle.main.executablePath else { throw ValidationError("cannot find this executable's path") }
            for run in 1...max(1, runs) {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: exe)
                process.arguments = [
                    "start", "--data", data, "-D", "hbase.zookeeper.property.clientPort=0", "-D", "hbase.master.port=0", "-D", "hbase.regionserver.port=0",
                    "-D", "hbase.master.info.port=0", "-D", "hbase.regionserver.info.port=0",
                ]
                let out = Pipe()
                process.standardOutput = out
                process.standardError = FileHandle.nullDevice
                let launched = ContinuousClock.now
                try process.run()
                defer {
                    if process.isRunning {
                        process.terminate()
                        process.waitUntilExit()
                    }
                }
                guard let line = Self.firstLine(out.fileHandleForReading), let zk = Self.field("zookeeper", in: line) else {
                    throw ValidationError("'basalt start' printed no ready line")
                }
                let readyLine = ContinuousClock.now - launched
                let connection = try await Connection.connect(BasaltConfiguration(["hbase.zookeeper.quorum": zk]))
                let name = try TableName(table)
                let target = try await connection.admin().tableExists(name) ? name : .meta
                _ = try await connection.table(target).get(BasaltCore.Get(row: target == .meta ? Array("\(table),".utf8) : Array("0".utf8)))
                let firstGet = ContinuousClock.now - launched
                await connection.close()
                if json {
                    print("{\"benchmark\": \"startup\", \"run\": \(run), \"ready_line_ms\": \(readyLine.inMilliseconds), \"first_get_ms\": \(firstGet.inMilliseconds), \"table\": \"\(target)\"}")
                } else {
                    print("startup: first served get \(firstGet.inMilliseconds) ms after launch (ready line at \(readyLine.inMilliseconds) ms; read \(target))")
                }
                fflush(nil)
                process.terminate()
                process.waitUntilExit()
            }
        }

        static func firstLine(_ handle: FileHandle) -> String? {
            var bytes: [UInt8] = []
            while true {
                let chunk = handle.readData(ofLength: 1)
                guard let b = chunk.first else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
                if b == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
                bytes.append(b)
            }
        }

        /// The `host:port` after `name ` in the ready line.
        static func field(_ name: String, in line: String) -> String? {
            guard let r = line.range(of: name + " ") else { return nil }
            return String(line[r.upperBound...].prefix { $0 != "," && $0 != " " })
        }
    }
}
