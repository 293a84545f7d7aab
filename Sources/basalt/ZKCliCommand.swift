import ArgumentParser
import BasaltCoordination
import BasaltCore
import Foundation

/// `basalt zkcli [--server H:P] COMMAND ARGS`: zkCli.sh's everyday commands over Basalt's own client.
/// Output follows zkCli (`get` prints the data, then the stat lines). Errors go to stderr with ZooKeeper's
/// code name, and the exit status is non-zero.
struct ZKCliCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zkcli",
        abstract: "A ZooKeeper command-line client: ls | get | stat | create [-e] [-s] | set | delete | rmr.",
        discussion: "Works against Apache ZooKeeper and Basalt's embedded server alike.")

    @OptionGroup var conf: ConfigurationOptions
    @Option(help: "host:port[,host:port...] (default: hbase.zookeeper.quorum, 127.0.0.1:2181).") var server: String?
    @Option(name: .customLong("timeout"), help: "Session timeout in ms; also how long to try to connect.") var timeoutMs = 10_000
    @Flag(name: .customShort("e"), help: "create: an ephemeral znode (gone when this command ends).") var ephemeral = false
    @Flag(name: .customShort("s"), help: "create: a sequential znode (a 10-digit counter is appended).") var sequential = false
    @Argument(help: "The command: ls PATH | get PATH | stat PATH | create PATH [DATA] | set PATH DATA | delete PATH | rmr PATH.")
    var command: String
    @Argument(help: "The command's arguments.") var arguments: [String] = []

    func run() async throws {
        let configuration = try conf.load()
        let servers = server.map { $0.split(separator: ",").map(String.init) } ?? ZooKeeperCoordination.servers(configuration)
        let commands = ["ls": 1, "get": 1, "stat": 1, "create": 1, "set": 2, "delete": 1, "rmr": 1, "deleteall": 1]
        guard let needed = commands[command] else {
            throw ValidationError("unknown command '\(command)'; expected one of ls, get, stat, create, set, delete, rmr")
        }
        guard arguments.count >= needed else { throw ValidationError("\(command) needs \(needed == 1 ? "a path" : "a path and data")") }
        let path = arguments[0]
        let zk: ZooKeeperClient
        do {
            let timeout = Duration.milliseconds(Int64(timeoutMs))
            zk = try await ZooKeeperClient.connect(.init(servers: servers, sessionTimeout: timeout, connectTimeout: timeout))
        } catch {
            throw fail(error)
        }
        do {
            try await execute(zk, path: path)
            await zk.close()
        } catch {
            await zk.close()
            throw fail(error)
        }
    }

    private func execute(_ zk: ZooKeeperClient, path: String) async throws {
        switch command {
        case "ls":
            let children = try await zk.getChildren(path).children.sorted()
            print("[" + children.joined(separator: ", ") + "]")
        case "get":
            let (data, stat) = try await zk.getData(path)
            print(String(decoding: data, as: UTF8.self))
            printStat(stat)
        case "stat":
            guard let stat = try await zk.exists(path) else { throw CoordinationError(.noNode, path: path) }
            printStat(stat)
        case "create":
            let data = arguments.count > 1 ? Array(arguments[1].utf8) : []
            let created = try await zk.create(path, data: data, mode: CreateMode(ephemeral: ephemeral, sequential: sequential))
            print("Created \(created)")
        case "set":
            try await zk.setData(path, data: Array(arguments[1].utf8))
        case "delete":
            try await zk.delete(path)
        default:  // rmr, deleteall
            try await deleteRecursively(zk, path)
        }
    }

    private func deleteRecursively(_ zk: ZooKeeperClient, _ path: String) async throws {
        let children = try await zk.getChildren(path).children
        for child in children { try await deleteRecursively(zk, path == "/" ? "/" + child : path + "/" + child) }
        if path != "/" {
            do { try await zk.delete(path) } catch let e as CoordinationError where e.kind == .noNode {}
        }
    }

    private func printStat(_ s: Stat) {
        print("""
            cZxid = \(hex(s.czxid))
            ctime = \(Self.date(s.ctime))
            mZxid = \(hex(s.mzxid))
            mtime = \(Self.date(s.mtime))
            pZxid = \(hex(s.pzxid))
            cversion = \(s.cversion)
            dataVersion = \(s.version)
            aclVersion = \(s.aversion)
            ephemeralOwner = \(hex(s.ephemeralOwner))
            dataLength = \(s.dataLength)
            numChildren = \(s.numChildren)
            """)
    }

    private func hex(_ v: Int64) -> String { "0x" + String(UInt64(bitPattern: v), radix: 16) }

    /// Java's `Date.toString()` form, as zkCli prints it: `Sat Nov 21 07:31:46 UTC 2026`.
    static func date(_ ms: Int64) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "EEE MMM dd HH:mm:ss 'UTC' yyyy"
        return f.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    private func fail(_ error: any Error) -> any Error {
        let text = (error as? CoordinationError)?.description ?? "\(error)"
        FileHandle.standardError.write(Data("zkcli: \(text)\n".utf8))
        return ExitCode(2)
    }
}
