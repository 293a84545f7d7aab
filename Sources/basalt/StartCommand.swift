import ArgumentParser
import BasaltCore
import BasaltServer
import Foundation
import Logging

/// `basalt start`: standalone Basalt in one process: the embedded ZooKeeper-protocol server, a master and
/// one region server, data under one folder, HBase's ports (each overridable by its key with `-D`).
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run Basalt standalone (embedded ZooKeeper-protocol server, master, one region server) until SIGINT or SIGTERM.",
        discussion: """
            Ports: hbase.zookeeper.property.clientPort (2181), hbase.master.port (16000), hbase.regionserver.port \
            (16020); 0 picks a free one. Binds to loopback. The first line on stdout says where each part listens.
            """)

    @Option(help: "The data folder (created when missing).") var data = "./basalt-data"
    @OptionGroup var conf: ConfigurationOptions

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let launched = ContinuousClock.now
        let configuration = try conf.load()
        let root = URL(fileURLWithPath: data).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let lock = try DataFolderLock(root)
        let cluster = try await LocalCluster.start(root: root, configuration: configuration, regionServers: 1)
        let rs = cluster.regionServers.first?.serverName
        let ready = ContinuousClock.now - launched
        print("""
            basalt standalone ready in \(ready.inMilliseconds) ms: zookeeper \(cluster.zooKeeper.connectString), \
            master \(cluster.master.serverName?.hostAndPort ?? "?"), regionserver \(rs?.hostAndPort ?? "?"), data \(root)
            """)
        fflush(nil)
        await waitForTerminationSignal()
        FileHandle.standardError.write(Data("basalt: stopping (flushing every region)\n".utf8))
        await cluster.stop(flush: true)
        lock.release()
    }
}

/// An exclusive lock on a data folder (`.basalt.lock`), so two processes never serve the same files.
final class DataFolderLock {
    private let fd: Int32

    init(_ root: String) throws {
        let path = root + "/.basalt.lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ValidationError("cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ValidationError("another Basalt process is using \(root) (\(path) is locked)")
        }
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
