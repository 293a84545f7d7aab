import ArgumentParser
import BasaltCore
import BasaltStorage
import Foundation

/// `basalt hfile --print FILE [--keys]`: the trailer, file info, index and bloom summary of an HFile, and
/// optionally every cell (like `hbase hfile -m -p`).
struct HFileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hfile", abstract: "Inspect an HFile.")

    @Flag(name: .long, help: "Print the trailer, file info, index and bloom filter summary.") var print = false
    @Flag(name: .long, help: "Print every cell too.") var keys = false
    @Flag(name: [.customShort("v"), .long], help: "With --keys, print values too (printable ASCII, other bytes as \\xNN).") var values = false
    @Argument(help: "The HFile.") var file: String

    func validate() throws {
        guard print || keys else { throw ValidationError("say what to print: --print (summary) and/or --keys (every cell)") }
    }

    func run() throws {
        let fs = POSIXFileSystem()
        guard fs.exists(file) else { throw ValidationError("no such file: \(file)") }
        let reader: HFileReader
        do {
            reader = try HFileReader(fileSystem: fs, path: file, cache: nil)
        } catch let e as StorageError {
            throw ValidationError(e.description)
        }
        if keys {
            do {
                try reader.forEachCell { c in
                    var line = "K: \(Bytes.toStringBinary(c.row))/\(Bytes.toStringBinary(c.family)):\(Bytes.toStringBinary(c.qualifier))/\(c.timestamp)/\(c.type)/vlen=\(c.value.count)/seqid=\(c.sequenceId)"
                    if values { line += " V: \(Bytes.toStringBinary(c.value))" }
                    Swift.print(line)
                    return true
                }
            } catch let e as StorageError {
                throw ValidationError(e.description)
            }
        }
        if print { printSummary(reader) }
    }

    func printSummary(_ r: HFileReader) {
        let i = r.info, l = r.layout
        func key(_ k: [UInt8]) -> String {
            guard !k.isEmpty else { return "(none)" }
            return k.withUnsafeBytes { p in
                let c = EncodedCell(p.baseAddress!)
                return "\(Bytes.toStringBinary(Array(c.row)))/\(Bytes.toStringBinary(Array(c.family))):\(Bytes.toStringBinary(Array(c.qualifier)))/\(c.timestamp)/\(c.type)"
            }
        }
        Swift.print("Trailer:")
        Swift.print("    version=\(l.version) fileSize=\(l.fileSize) dataBlocks=\(l.dataBlockCount) dataEnd=\(l.dataEnd)")
        Swift.print("    rootIndexOffset=\(l.rootIndexOffset) rootIndexSize=\(l.rootIndexSize) indexLevels=\(l.indexLevels)")
        Swift.print("    bloomOffset=\(l.bloomOffset) fileInfoOffset=\(l.fileInfoOffset) fileInfoSize=\(l.fileInfoSize)")
        Swift.print("Fileinfo:")
        Swift.print("    FIRST_KEY = \(key(i.firstKey))")
        Swift.print("    LAST_KEY = \(key(i.lastKey))")
        Swift.print("    MAX_SEQ_ID = \(i.maxSequenceId)")
        Swift.print("    TIMERANGE = \(i.cellCount == 0 ? "(empty)" : "\(i.minTimestamp)....\(i.maxTimestamp)")")
        Swift.print("    CELL_COUNT = \(i.cellCount)")
        Swift.print("    DELETE_COUNT = \(i.deleteCount)")
        Swift.print("    ROW_COUNT = \(i.rowCount)")
        Swift.print("    BLOCK_SIZE = \(i.blockSize)")
        Swift.print("    DATA_BYTES = \(i.dataBytes)")
        Swift.print("    CREATED_AT = \(i.createdAt)")
        Swift.print("    MAJOR_COMPACTION = \(i.majorCompacted)")
        Swift.print("    COMPACTED_FROM = \(i.compactedFrom.isEmpty ? "(none)" : i.compactedFrom.joined(separator: ","))")
        Swift.print("Block index: \(l.indexLevels) level(s), \(l.rootIndexEntries) root entries, \(l.dataBlockCount) data blocks")
        if l.bloomBytes > 0 {
            Swift.print("Bloom filter: \(i.bloomType.rawValue), \(l.bloomBytes) bytes, \(l.bloomProbes) probes, \(i.rowCount) rows")
        } else {
            Swift.print("Bloom filter: NONE")
        }
    }
}
