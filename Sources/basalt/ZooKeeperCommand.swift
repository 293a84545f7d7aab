import ArgumentParser
import BasaltCoordination
import BasaltCore
import Dispatch
import Foundation
import Logging

/// `basalt zookeeper --port P`: the embedded ZooKeeper-protocol server on its own, until SIGINT or SIGTERM.
struct ZooKeeperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zookeeper",
        abstract: "Run the embedded, in-memory ZooKeeper-protocol server (single node) until interrupted.")

    @OptionGroup var conf: ConfigurationOptions
    @Option(help: "The port (default: hbase.zookeeper.property.clientPort, 2181; 0 picks a free one).") var port: Int?
    @Option(help: "The address to listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("tick-time"), help: "ZooKeeper's tick in ms: sessions may last 2 to 20 ticks.") var tickTime = 2000

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let configuration = try conf.load()
        let chosenPort = port ?? Int(configuration[ZooKeeperDefaults.clientPortKey] ?? "") ?? ZooKeeperDefaults.clientPort
        guard (0...65535).contains(chosenPort) else { throw ValidationError("--port must be 0...65535, got \(chosenPort)") }
        guard tickTime > 0 else { throw ValidationError("--tick-time must be positive, got \(tickTime)") }
        let server = try await EmbeddedZooKeeperServer.start(.init(host: host, port: chosenPort, tickTime: .milliseconds(tickTime)))
        // The first line on stdout says where it listens (scripts and tests read it).
        print("basalt zookeeper listening on \(server.connectString)")
        fflush(nil)
        await waitForTerminationSignal()
        await server.stop()
    }
}

/// Returns once SIGINT or SIGTERM arrives.
func waitForTerminationSignal() async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
        let once = SignalOnce(c)
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { once.fire() }
            source.resume()
            once.keep(source)
        }
    }
}

private final class SignalOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    private var sources: [any DispatchSourceSignal] = []
    init(_ c: CheckedContinuation<Void, Never>) { continuation = c }
    func keep(_ s: any DispatchSourceSignal) { lock.withLock { sources.append(s) } }
    func fire() {
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            defer { continuation = nil }
            return continuation
        }
        c?.resume()
    }
}
