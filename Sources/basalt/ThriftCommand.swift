import ArgumentParser
import BasaltClient
import BasaltCore
import BasaltThrift
import Foundation
import Logging

/// `basalt thrift`: the HBase Thrift1 gateway as its own process, a client of the cluster named by
/// `hbase.zookeeper.quorum`.
struct ThriftCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "thrift",
        abstract: "Run the HBase Thrift1 gateway (happybase and other Thrift1 clients) against a running cluster.",
        discussion: """
            One port serves the binary (strict or not) and compact protocols over buffered or framed transport. \
            Keys: hbase.regionserver.thrift.port (9090), hbase.regionserver.thrift.ipaddress (0.0.0.0), \
            hbase.regionserver.thrift.framed.max_frame_size_in_mb (2), basalt.thrift.max.message.size.in.mb (64), \
            hbase.thrift.server.socket.read.timeout (ms, 0 = keep idle connections), hbase.thrift.scanner.timeout (ms, 60000).
            """)

    @Option(help: "The port (overrides hbase.regionserver.thrift.port; 0 picks a free one).") var port: Int?
    @Option(help: "The address to listen on (overrides hbase.regionserver.thrift.ipaddress).") var bind: String?
    @OptionGroup var conf: ConfigurationOptions

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var configuration = try conf.load()
        if let port { configuration[ThriftServer.Configuration.portKey] = String(port) }
        if let bind { configuration["hbase.regionserver.thrift.ipaddress"] = bind }
        let settings = try ThriftServer.Configuration(configuration, defaultHost: "0.0.0.0")
        let connection = try await Connection.connect(configuration)
        let server: ThriftServer
        do { server = try await ThriftServer.start(settings, connection: connection) } catch {
            await connection.close()
            throw error
        }
        print("basalt thrift gateway ready: \(settings.host):\(server.port), cluster \(configuration.string("hbase.zookeeper.quorum", default: "127.0.0.1:2181"))")
        fflush(nil)
        await waitForTerminationSignal()
        await server.stop()
        await connection.close()
    }
}
