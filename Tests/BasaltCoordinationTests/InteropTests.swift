import BasaltCoordination
import BasaltTestSupport
import Foundation
import Testing

/// Clients nobody here wrote, against the embedded server (and, to show the checks themselves are
/// faithful, against Apache ZooKeeper too): kazoo (PyPI) and zkCli.sh (Debian's zookeeper package).
@Suite("Interoperability: kazoo and zkCli.sh")
struct InteropTests {
    static let packageRoot = BasaltProcess.packageRoot(from: #filePath)
    static let zkCli = "/usr/share/zookeeper/bin/zkCli.sh"

    /// Runs a program to completion with `stdin`; returns status and combined output.
    private func run(_ arguments: [String], stdin: String = "", timeout: Double = 120) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let out = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = out
        p.standardInput = input
        try p.run()
        // A child that exits at once (a missing program) closes its end: a failed write is not a crash.
        try? input.fileHandleForWriting.write(contentsOf: Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(arguments: ServerKind.allCases)
    func kazoo(_ kind: ServerKind) async throws {
        let hosts = try await SharedServers.connectString(kind)
        let (status, output) = try run(["python3", Self.packageRoot + "/Tests/interop/kazoo_check.py", hosts])
        #expect(status == 0, "kazoo_check.py against \(kind): \(output)")
        #expect(output.contains("kazoo: all checks passed"), "\(output)")
    }

    @Test(arguments: ServerKind.allCases)
    func zkCliShell(_ kind: ServerKind) async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.zkCli), "\(Self.zkCli) is missing: scripts/test installs Debian's zookeeper package")
        let hosts = try await SharedServers.connectString(kind)
        let root = "/zkcli-\(UUID().uuidString.prefix(8).lowercased())"
        let script = """
            create \(root) hello
            get -s \(root)
            set \(root) world
            get \(root)
            create -e -s \(root)/e- x
            ls \(root)
            stat \(root)/missing
            delete \(root)
            deleteall \(root)
            ls \(root)
            quit

            """
        let (_, output) = try run(["bash", Self.zkCli, "-server", hosts], stdin: script)
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.contains("Created \(root)"), "\(output)")
        #expect(lines.contains("hello") && lines.contains("world"), "\(output)")
        #expect(lines.contains("dataVersion = 0") && lines.contains("dataLength = 5") && lines.contains("numChildren = 0"), "\(output)")
        #expect(lines.contains { $0.hasPrefix("cZxid = 0x") } && lines.contains { $0.hasPrefix("ephemeralOwner = 0x0") }, "\(output)")
        #expect(lines.contains("Created \(root)/e-0000000000"), "\(output)")
        #expect(lines.contains("[e-0000000000]"), "\(output)")
        #expect(lines.contains("Node does not exist: \(root)/missing"), "\(output)")
        #expect(lines.contains("Node not empty: \(root)"), "\(output)")
        #expect(lines.contains("Node does not exist: \(root)"), "after deleteall: \(output)")
    }
}
