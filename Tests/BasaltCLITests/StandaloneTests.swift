import BasaltTestSupport
import Foundation
import Testing

/// `basalt start` as a user runs it: a real process on free ports, loaded through `basalt bench load`,
/// stopped with SIGTERM or killed with SIGKILL, started again on the same folder, then checked with
/// `basalt bench verify`: every acknowledged row is back.
@Suite(.serialized) struct StandaloneTests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    /// Starts `basalt start` and returns it with the ZooKeeper address from its ready line.
    func start(_ data: String) throws -> (Process, String) {
        let (p, out, _) = try basalt.start([
            "start", "--data", data, "-D", "hbase.zookeeper.property.clientPort=0", "-D", "hbase.master.port=0", "-D", "hbase.regionserver.port=0",
            "-D", "hbase.regionserver.thrift.port=0", "-D", "hbase.master.info.port=0", "-D", "hbase.regionserver.info.port=0",
        ])
        var line: [UInt8] = []
        while true {
            let chunk = out.fileHandleForReading.readData(ofLength: 1)
            guard let byte = chunk.first else { break }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let r = text.range(of: "zookeeper ") else {
            p.terminate()
            p.waitUntilExit()
            throw NSError(domain: "basalt-tests", code: 2, userInfo: [NSLocalizedDescriptionKey: "no ready line from basalt start: '\(text)'"])
        }
        return (p, String(text[r.upperBound...].prefix { $0 != "," }))
    }

    func stop(_ p: Process, signal: Int32) {
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
    }

    func roundTrip(signal: Int32) throws {
        let dir = try TemporaryDirectory(prefix: "basalt-standalone")
        defer { dir.remove() }
        let data = dir.path + "/data", acks = dir.path + "/acks"
        let (first, zk) = try start(data)
        let load = try basalt.run([
            "bench", "load", "-D", "hbase.zookeeper.quorum=\(zk)", "--rows", "4000", "--threads", "2", "--regions", "4",
            "--durability", "SYNC_WAL", "--ack-log", acks,
        ])
        #expect(load.status == 0, "\(load.stderr)")
        #expect(load.stdout.hasPrefix("load: "))
        // A second server on the same folder is refused.
        let second = try basalt.run(["start", "--data", data, "-D", "hbase.zookeeper.property.clientPort=0", "-D", "hbase.master.port=0", "-D", "hbase.regionserver.port=0", "-D", "hbase.regionserver.thrift.port=0", "-D", "hbase.master.info.port=0", "-D", "hbase.regionserver.info.port=0"])
        #expect(second.status != 0)
        #expect(second.stderr.contains("another Basalt process"))
        stop(first, signal: signal)
        if signal == SIGTERM { #expect(first.terminationStatus == 0) }

        let (again, zk2) = try start(data)
        defer { stop(again, signal: SIGTERM) }
        let verify = try basalt.run(["bench", "verify", "-D", "hbase.zookeeper.quorum=\(zk2)", "--rows", "4000", "--ack-log", acks])
        #expect(verify.status == 0, "\(verify.stdout) \(verify.stderr)")
        let acked = (try String(contentsOfFile: acks, encoding: .utf8)).split(separator: "\n").count
        #expect(acked == 4000)
        #expect(verify.stdout.contains("verified \(acked) of \(acked) acknowledged"))
    }

    @Test func sigtermFlushesAndARestartServesEverything() throws { try roundTrip(signal: SIGTERM) }
    @Test func sigkillLosesNoAcknowledgedRow() throws { try roundTrip(signal: SIGKILL) }
}
