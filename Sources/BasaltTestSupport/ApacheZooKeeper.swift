import Foundation

/// Apache ZooKeeper 3.8 from Debian's `zookeeper` package, run as child JVMs for tests: one standalone
/// server or a quorum on loopback ports, each with a temporary data folder, no systemd. `stop()` ends
/// them; an `atexit` hook and the marker `-Dbasalt.test.zookeeper` (which `scripts/test` sweeps for)
/// make sure none outlives the test run.
public final class ApacheZooKeeper: @unchecked Sendable {
    public struct Member: Sendable {
        public let id: Int
        public let clientPort: Int
        let process: Process
    }

    /// Where Debian puts the jars; `BASALT_ZOOKEEPER_CLASSPATH` overrides.
    public static var classpath: String {
        ProcessInfo.processInfo.environment["BASALT_ZOOKEEPER_CLASSPATH"]
            ?? ["zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-simple.jar"].map { "/usr/share/java/" + $0 }.joined(separator: ":")
    }

    /// Whether the jars are installed (`apt-get install zookeeper`; `scripts/test` does it).
    public static var isInstalled: Bool {
        FileManager.default.fileExists(atPath: classpath.split(separator: ":").first.map(String.init) ?? "")
    }

    public let tickMs: Int
    public private(set) var members: [Member] = []
    private let directory: TemporaryDirectory
    private let lock = NSLock()

    /// `127.0.0.1:port` of every member, comma-separated.
    public var connectString: String { members.map { "127.0.0.1:\($0.clientPort)" }.joined(separator: ",") }

    /// Starts `size` servers (1: standalone; 3: a quorum) and waits until they serve.
    public init(size: Int = 1, tickMs: Int = 200) throws {
        guard Self.isInstalled else {
            throw NSError(domain: "basalt-tests", code: 2, userInfo: [NSLocalizedDescriptionKey:
                "Apache ZooKeeper is not installed (no \(Self.classpath)); run scripts/test, which installs Debian's zookeeper package"])
        }
        self.tickMs = tickMs
        directory = try TemporaryDirectory(prefix: "basalt-zk")
        let clientPorts = (0..<size).map { _ in Loopback.freePort() }
        let quorumPorts = (0..<size).map { _ in (Loopback.freePort(), Loopback.freePort()) }
        for i in 0..<size {
            let dir = "\(directory.path)/server\(i + 1)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            var config = """
                tickTime=\(tickMs)
                initLimit=20
                syncLimit=10
                dataDir=\(dir)
                clientPortAddress=127.0.0.1
                clientPort=\(clientPorts[i])
                admin.enableServer=false
                4lw.commands.whitelist=*
                maxClientCnxns=0

                """
            // Plain writes into the server's fresh folder: Foundation's atomic write on Linux leaves an
            // empty TemporaryDirectory.* folder in /tmp each time.
            if size > 1 {
                for j in 0..<size { config += "server.\(j + 1)=127.0.0.1:\(quorumPorts[j].0):\(quorumPorts[j].1)\n" }
                try "\(i + 1)\n".write(toFile: "\(dir)/myid", atomically: false, encoding: .utf8)
            }
            try config.write(toFile: "\(dir)/zoo.cfg", atomically: false, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            let main = size > 1 ? "org.apache.zookeeper.server.quorum.QuorumPeerMain" : "org.apache.zookeeper.server.ZooKeeperServerMain"
            p.arguments = ["java", "-Xmx128m", "-XX:+UseSerialGC", "-Dbasalt.test.zookeeper=1", "-cp", Self.classpath, main, "\(dir)/zoo.cfg"]
            _ = FileManager.default.createFile(atPath: "\(dir)/server.log", contents: nil)
            let log = try FileHandle(forWritingTo: URL(fileURLWithPath: "\(dir)/server.log"))
            p.standardOutput = log
            p.standardError = log
            try p.run()
            members.append(Member(id: i + 1, clientPort: clientPorts[i], process: p))
            ApacheZooKeeper.track(p)
        }
        try waitUntilServing(members.map(\.id))
    }

    /// Waits until each named member answers `ruok` with `imok` and `srvr` with a serving mode.
    public func waitUntilServing(_ ids: [Int], timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        for id in ids {
            guard let m = members.first(where: { $0.id == id }) else { continue }
            while true {
                if Loopback.fourLetterWord("ruok", port: m.clientPort) == "imok",
                    let answer = Loopback.fourLetterWord("srvr", port: m.clientPort), answer.contains("Mode: ") { break }
                if Date() > deadline || !m.process.isRunning {
                    throw NSError(domain: "basalt-tests", code: 3, userInfo: [NSLocalizedDescriptionKey:
                        "Apache ZooKeeper server \(id) did not start serving on port \(m.clientPort); see \(directory.path)/server\(id)/server.log"])
                }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// The member's mode as `srvr` reports it (`standalone`, `leader`, `follower`), or nil if it is down.
    public func mode(of id: Int) -> String? {
        guard let m = members.first(where: { $0.id == id }),
            let answer = Loopback.fourLetterWord("srvr", port: m.clientPort),
            let line = answer.split(separator: "\n").first(where: { $0.hasPrefix("Mode: ") })
        else { return nil }
        return String(line.dropFirst(6))
    }

    /// Kills one member (SIGKILL: as abrupt as a crash).
    public func kill(member id: Int) {
        guard let m = members.first(where: { $0.id == id }), m.process.isRunning else { return }
        Foundation.kill(m.process.processIdentifier, SIGKILL)
        m.process.waitUntilExit()
    }

    /// Stops every member and removes the data folders.
    public func stop() {
        for m in members where m.process.isRunning {
            Foundation.kill(m.process.processIdentifier, SIGKILL)
            m.process.waitUntilExit()
        }
        directory.remove()
    }

    deinit { stop() }

    // MARK: - Never outlive the test process

    nonisolated(unsafe) private static var tracked: [Process] = []
    private static let trackLock = NSLock()
    private static let installExitHook: Void = {
        atexit {
            ApacheZooKeeper.trackLock.lock()
            for p in ApacheZooKeeper.tracked where p.isRunning { Foundation.kill(p.processIdentifier, SIGKILL) }
            ApacheZooKeeper.trackLock.unlock()
        }
    }()

    private static func track(_ p: Process) {
        _ = installExitHook
        trackLock.lock()
        tracked.append(p)
        trackLock.unlock()
    }
}
