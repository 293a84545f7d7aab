import BasaltTestSupport
import Foundation
import Testing

/// `basalt zookeeper` (the embedded server as its own process) and `basalt zkcli`, against it and
/// against Apache ZooKeeper.
@Suite("basalt zookeeper and basalt zkcli")
struct ZooKeeperCLITests {
    let basalt: BasaltProcess
    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    /// Starts `basalt zookeeper --port 0` and returns the process and the port from its first line.
    private func startServer() throws -> (Process, Int) {
        let (p, out, _) = try basalt.start(["zookeeper", "--port", "0", "--tick-time", "200"])
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: ":").last.flatMap({ Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }) else {
            p.terminate()
            throw NSError(domain: "basalt-tests", code: 4, userInfo: [NSLocalizedDescriptionKey: "basalt zookeeper said: \(text)"])
        }
        return (p, port)
    }

    private func zkcli(_ port: Int, _ args: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try basalt.run(["zkcli", "--server", "127.0.0.1:\(port)"] + args)
    }

    private func exercise(port: Int) throws {
        let root = "/cli-\(UUID().uuidString.prefix(8).lowercased())"
        #expect(try zkcli(port, ["create", root, "hello"]).stdout == "Created \(root)\n")
        #expect(try zkcli(port, ["create", "\(root)/b"]).status == 0)
        #expect(try zkcli(port, ["create", "\(root)/a", "x"]).status == 0)
        let seq = try zkcli(port, ["create", "-s", "\(root)/s-", "y"])
        #expect(seq.stdout == "Created \(root)/s-0000000002\n")
        let eph = try zkcli(port, ["create", "-e", "\(root)/gone"])
        #expect(eph.status == 0)

        // The ephemeral znode went with the zkcli session; children are listed sorted.
        #expect(try zkcli(port, ["ls", root]).stdout == "[a, b, s-0000000002]\n")

        let get = try zkcli(port, ["get", root])
        let lines = get.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "hello")
        #expect(lines.dropFirst().map { $0.split(separator: " ").first.map(String.init) ?? "" } ==
            ["cZxid", "ctime", "mZxid", "mtime", "pZxid", "cversion", "dataVersion", "aclVersion", "ephemeralOwner", "dataLength", "numChildren"])
        #expect(lines.contains("dataLength = 5") && lines.contains("numChildren = 3") && lines.contains("ephemeralOwner = 0x0"))

        #expect(try zkcli(port, ["set", root, "changed!"]).status == 0)
        let stat = try zkcli(port, ["stat", root])
        #expect(stat.stdout.contains("dataVersion = 1\n") && stat.stdout.contains("dataLength = 8\n"))

        let notEmpty = try zkcli(port, ["delete", root])
        #expect(notEmpty.status != 0)
        #expect(notEmpty.stderr.contains("NotEmpty") && notEmpty.stderr.contains(root))
        let missing = try zkcli(port, ["get", "\(root)/missing"])
        #expect(missing.status != 0 && missing.stderr.contains("NoNode") && missing.stderr.contains("\(root)/missing"))
        let badVerb = try zkcli(port, ["frobnicate", root])
        #expect(badVerb.status != 0 && badVerb.stderr.contains("unknown command"))

        #expect(try zkcli(port, ["rmr", root]).status == 0)
        #expect(try zkcli(port, ["stat", root]).stderr.contains("NoNode"))
    }

    @Test func zkcliAgainstTheEmbeddedServerProcess() throws {
        let (server, port) = try startServer()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        #expect(Loopback.fourLetterWord("ruok", port: port) == "imok")
        try exercise(port: port)

        // SIGTERM stops it cleanly.
        server.terminate()
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
        #expect(Loopback.fourLetterWord("ruok", port: port) == nil)
    }

    @Test func zkcliAgainstApacheZooKeeper() throws {
        let zk = try ApacheZooKeeper(size: 1)
        defer { zk.stop() }
        try exercise(port: zk.members[0].clientPort)
    }

    @Test func zkcliWithoutAServerFailsClearly() throws {
        let port = Loopback.freePort()
        let r = try basalt.run(["zkcli", "--server", "127.0.0.1:\(port)", "--timeout", "500", "ls", "/"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("ConnectionLoss") && r.stderr.contains("127.0.0.1:\(port)"))
    }
}
