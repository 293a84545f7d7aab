import ArgumentParser
import BasaltCore
import BasaltInfo
import BasaltClient
import BasaltServer
import BasaltThrift
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
            (16020), hbase.regionserver.thrift.port (9090, the Thrift1 gateway; -1 turns it off), hbase.master.info.port \
            (16010, the master's status page, /jmx, /prometheus; -1 turns it off), hbase.regionserver.info.port (16030); 0 picks a free one. Binds to loopback. The first line on stdout says where each part listens.
            """)

    @Option(help: "The data folder (created when missing).") var data = "./basalt-data"
    @OptionGroup var conf: ConfigurationOptions

    func run() async throws {
        LoggingSystem.bootstrap(LogLevels.handler)
        let launched = ContinuousClock.now
        let configuration = try conf.load()
        let stopBound = try ShutdownWatchdog.timeout(configuration)
        let root = URL(fileURLWithPath: data).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let lock = try DataFolderLock(root)
        let cluster = try await LocalCluster.start(root: root, configuration: configuration, regionServers: 1)
        let rs = cluster.regionServers.first?.serverName
        // The Thrift gateway runs in-process as a client of the cluster, as HBase's does beside a region server.
        var gateway: (ThriftServer, Connection)?
        if try configuration.int(ThriftServer.Configuration.portKey, default: ThriftServer.Configuration.defaultPort) >= 0 {
            do {
                let connection = try await Connection.connect(cluster.clientConfiguration)
                do {
                    let settings = try ThriftServer.Configuration(configuration, defaultHost: "127.0.0.1")
                    gateway = (try await ThriftServer.start(settings, connection: connection), connection)
                } catch {
                    await connection.close()
                    throw error
                }
            } catch {
                await cluster.stop(flush: true)
                lock.release()
                throw error
            }
        }
        var infoServers: [InfoServer] = []
        do {
            if let i = try await InfoPorts.start(.master, configuration, serverHost: cluster.master.configuration.host, source: MasterInfo(master: cluster.master, configuration: configuration)) {
                infoServers.append(i)
            }
            if let server = cluster.regionServers.first,
               let i = try await InfoPorts.start(.regionServer, configuration, serverHost: server.configuration.host, source: RegionServerInfo(server: server, configuration: configuration)) {
                infoServers.append(i)
            }
        } catch {
            for i in infoServers { await i.stop() }
            if let (server, connection) = gateway {
                await connection.close()
                await server.stop()
            }
            await cluster.stop(flush: true)
            lock.release()
            throw error
        }
        let ready = ContinuousClock.now - launched
        let thrift = gateway.map { ", thrift 127.0.0.1:\($0.0.port)" } ?? ""
        let info = infoServers.isEmpty ? "" : ", info " + infoServers.map { "127.0.0.1:\($0.port)" }.joined(separator: " ")
        print("""
            basalt standalone ready in \(ready.inMilliseconds) ms: zookeeper \(cluster.zooKeeper.connectString), \
            master \(cluster.master.serverName?.hostAndPort ?? "?"), regionserver \(rs?.hostAndPort ?? "?")\(thrift)\(info), data \(root)
            """)
        fflush(nil)
        await waitForTerminationSignal()
        ShutdownWatchdog.arm(stopBound)
        FileHandle.standardError.write(Data("basalt: stopping (flushing every region)\n".utf8))
        for i in infoServers { await i.stop() }
        if let (server, connection) = gateway {
            // Closing the gateway's connection first ends calls still retrying ("Basalt is stopping"),
            // so stopping the gateway does not wait out their retries.
            await connection.close()
            await server.stop()
        }
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
