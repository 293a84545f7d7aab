import ArgumentParser
import BasaltCore
import BasaltStorage
import Foundation

/// `basalt wal dump FILE`: prints every entry of a WAL file, like `hbase wal`.
struct WALCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wal", abstract: "Inspect write-ahead log files.", subcommands: [Dump.self])

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every entry of a WAL file: sequence id, region and cells.")

        @Argument(help: "The WAL file.") var file: String
        @Flag(name: .shortAndLong, help: "Print values too (printable ASCII, other bytes as \\xNN).") var printValues = false

        func run() throws {
            let fs = POSIXFileSystem()
            guard fs.exists(file) else { throw ValidationError("no such file: \(file)") }
            var entries = 0, cells = 0
            let outcome: WALReader.Outcome
            do {
                outcome = try WALReader.read(fileSystem: fs, path: file) { e in
                    entries += 1
                    cells += e.cells.count
                    print("Sequence=\(e.sequenceId) , table=\(String(decoding: e.tableName, as: UTF8.self)), region=\(String(decoding: e.encodedRegionName, as: UTF8.self)), at write timestamp=\(Self.format(ms: e.writeTime))")
                    for c in e.cells {
                        var line = "  row=\(Bytes.toStringBinary(c.row)), column=\(Bytes.toStringBinary(c.family)):\(Bytes.toStringBinary(c.qualifier)), timestamp=\(c.timestamp), type=\(c.type), vlen=\(c.value.count)"
                        if printValues { line += ", value=\(Bytes.toStringBinary(c.value))" }
                        print(line)
                    }
                }
            } catch let e as StorageError {
                throw ValidationError(e.description)
            }
            if let torn = outcome.tornAt {
                print("torn tail at offset \(torn): \(try fs.fileSize(file) - torn) bytes after the last whole entry are ignored")
            }
            print("\(entries) entries, \(cells) cells, file number \(outcome.fileNumber.map(String.init) ?? "-"), \(outcome.validLength) valid bytes")
        }

        static func format(ms: Int64) -> String {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"
            return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
        }
    }
}
