import BasaltClient
import BasaltCore
import BasaltTestSupport
import BasaltThrift
import Foundation
import Testing

/// `basalt thrift` as its own process: it finds the cluster through `hbase.zookeeper.quorum`, serves
/// Thrift clients on the port it names in its ready line, and stops cleanly on SIGTERM.
@Suite(.serialized) struct ThriftCLITests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    @Test func gatewayProcessServesTheCluster() async throws {
        try await MiniCluster.run(regionServers: 1) { cluster, connection in
            let quorum = "hbase.zookeeper.quorum=" + (cluster.configuration["hbase.zookeeper.quorum"] ?? "")
            let (process, out, _) = try basalt.start(["thrift", "--port", "0", "--bind", "127.0.0.1", "-D", quorum])
            defer {
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            let line = try await BasaltProcess.offPool {
                var bytes: [UInt8] = []
                while let byte = out.fileHandleForReading.readData(ofLength: 1).first, byte != UInt8(ascii: "\n") { bytes.append(byte) }
                return String(decoding: bytes, as: UTF8.self)
            }
            guard let r = line.range(of: "127.0.0.1:"), let port = Int(line[r.upperBound...].prefix { $0.isNumber }) else {
                Issue.record("no ready line from basalt thrift: '\(line)'")
                return
            }
            try await ThriftClient.withConnection(port: port, proto: .compact) { c in
                try await c.call("createTable", ThriftStruct([1: .binary(b("viaproc")), 2: .list(.structure, [
                    .structure(ThriftStruct([1: .binary(b("f:")), 2: .i32(1)])),
                ])]))
                try await c.call("mutateRow", ThriftStruct([1: .binary(b("viaproc")), 2: .binary(b("r")), 3: .list(.structure, [
                    .structure(ThriftStruct([2: .binary(b("f:q")), 3: .binary(b("v"))])),
                ])]))
            }
            // The row is in the cluster, as the native client sees it.
            let row = try await connection.table(try TableName("viaproc")).get(Get(row: b("r")))
            #expect(row.value(family: b("f"), qualifier: b("q")) == b("v"))
            kill(process.processIdentifier, SIGTERM)
            let status = try await BasaltProcess.offPool {
                process.waitUntilExit()
                return process.terminationStatus
            }
            #expect(status == 0)
        }
    }
}
