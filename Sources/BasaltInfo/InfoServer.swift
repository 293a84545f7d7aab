import BasaltCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// A server's HTTP info port (HBase's 16010 on a master, 16030 on a region server), on Hummingbird: the
/// status page at `/`, `/jmx`, `/prometheus`, `/conf`, `/logLevel` and `/dump`, and an HTML 404 for
/// anything else. What each shows comes from an `InfoSource`. Loopback unless told otherwise, like every
/// port. Safe to share across tasks.
public final class InfoServer: Sendable {
    /// The port it listens on.
    public let port: Int
    private let task: Task<Void, any Error>

    private init(port: Int, task: Task<Void, any Error>) {
        self.port = port
        self.task = task
    }

    /// `hbase.master.info.port` and `hbase.regionserver.info.port`: -1 turns the info port off.
    public static let masterPortKey = "hbase.master.info.port"
    public static let regionServerPortKey = "hbase.regionserver.info.port"
    public static let bindAddressKeys = (master: "hbase.master.info.bindAddress", regionServer: "hbase.regionserver.info.bindAddress")
    public static let defaultMasterPort = 16010
    public static let defaultRegionServerPort = 16030

    /// Binds `host:port` (0 picks a free port) and serves `source`. Returns once it listens; throws
    /// `InfoServerError` when it cannot bind.
    public static func start(host: String, port: Int, source: any InfoSource, logger: Logger = Logger(label: "basalt.info")) async throws -> InfoServer {
        let router = InfoRoutes.router(source)
        let (bound, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Basalt/\(BasaltVersion.current)"),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? port)) },
            logger: logger)
        let task = Task {
            do {
                try await app.run()
            } catch {
                continuation.yield(.failure(error))
                throw error
            }
            continuation.yield(.failure(InfoServerError(message: "the info server on \(host):\(port) stopped before it served")))
        }
        var iterator = bound.makeAsyncIterator()
        switch await iterator.next() {
        case .success(let p)?:
            logger.info("info server listening", metadata: ["address": "\(host):\(p)"])
            return InfoServer(port: p, task: task)
        case .failure(let error)?:
            task.cancel()
            throw InfoServerError(message: "cannot serve the info port on \(host):\(port): \(error)")
        case nil:
            task.cancel()
            throw InfoServerError(message: "cannot serve the info port on \(host):\(port)")
        }
    }

    /// Stops listening and waits until it has.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

/// Why the info server could not start. Not retryable: the port is taken or the address is wrong.
public struct InfoServerError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
