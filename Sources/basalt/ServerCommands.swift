import ArgumentParser
import BasaltCoordination
import BasaltCore
import BasaltInfo
import BasaltServer
import BasaltSettings
import BasaltStorage
import Foundation
import Logging

/// What ends a distributed server process.
enum ServerStop: Sendable {
    case signal
    case sessionExpired
    case failed(String)
    /// The server cannot go on (its WAL failed): it stops without another write.
    case aborted(String)
}

/// Waits for the first of: SIGINT/SIGTERM, the coordination session expiring, or `start` failing.
/// `ready` runs once `start` returned. With `fenceAfter`, being disconnected from ZooKeeper that long
/// counts as expiry: by then the ensemble has expired the session, so the server stops instead of
/// waiting to reconnect and be told.
func runServer(session: ZooKeeperCoordination, fenceAfter: Duration? = nil, aborts: AsyncStream<String>? = nil,
               start: @escaping @Sendable () async throws -> Void, ready: @escaping @Sendable () -> Void) async -> ServerStop {
    let (events, continuation) = AsyncStream.makeStream(of: ServerStop.self)
    if let aborts {
        Task {
            for await why in aborts {
                continuation.yield(.aborted(why))
                return
            }
        }
    }
    Task {
        await waitForTerminationSignal()
        continuation.yield(.signal)
    }
    let states = session.sessionStates()
    Task {
        var timer: Task<Void, Never>?
        for await s in states {
            switch s {
            case .expired:
                continuation.yield(.sessionExpired)
                return
            case .disconnected:
                guard let fenceAfter, timer == nil else { continue }
                timer = Task {
                    guard (try? await Task.sleep(for: fenceAfter)) != nil else { return }
                    continuation.yield(.sessionExpired)
                }
            case .connected, .connectedReadOnly:
                timer?.cancel()
                timer = nil
            default:
                continue
            }
        }
    }
    Task {
        do {
            try await start()
            ready()
        } catch {
            continuation.yield(.failed("\(error)"))
        }
    }
    var iterator = events.makeAsyncIterator()
    return await iterator.next() ?? .signal
}

/// What both server commands do first: logging, configuration, the root folder, a coordination session.
enum ServerSetup {
    static func begin(_ conf: ConfigurationOptions, root: String) async throws -> (BasaltConfiguration, String, ZooKeeperCoordination) {
        LoggingSystem.bootstrap(LogLevels.handler)
        var configuration = try conf.load()
        // Failover is only as quick as ZooKeeper notices a death: 10 s unless set (HBase waits 90 s).
        if configuration["zookeeper.session.timeout"] == nil { configuration["zookeeper.session.timeout"] = "10000" }
        let rootPath = URL(fileURLWithPath: root).standardizedFileURL.path
        try FileManager.default.createDirectory(atPath: rootPath, withIntermediateDirectories: true)
        let session = try await ZooKeeperCoordination.connect(configuration: configuration)
        try await session.ensureLayout()
        return (configuration, rootPath, session)
    }
}

/// `basalt master --root DIR`: a master of a distributed cluster. It waits in `backup-masters/` while
/// another master is active, then takes over: rebuilds its view from meta and `rs/`, recovers dead
/// servers' regions, and watches for more.
struct MasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "master",
        abstract: "Run a master of a distributed cluster (ZooKeeper from hbase.zookeeper.quorum).",
        discussion: "Port: hbase.master.port (16000; 0 picks a free one). Prints 'basalt master active: NAME' once active.")

    @Option(help: "The cluster's root folder, shared by every server.") var root: String
    @OptionGroup var conf: ConfigurationOptions

    func run() async throws {
        let (configuration, rootPath, session) = try await ServerSetup.begin(conf, root: root)
        let fileSystem = POSIXFileSystem(fenceCommand: try StorageSettings.fence(configuration))
        let master = Master(configuration: try Master.Configuration(root: rootPath, configuration), coordination: session, fileSystem: fileSystem)
        // A backup master serves its page too (it says which master is active).
        let info = try await InfoPorts.start(.master, configuration, serverHost: master.configuration.host, source: MasterInfo(master: master, configuration: configuration))
        if let info { master.setInfoPort(info.port) }
        let outcome = await runServer(session: session, start: { try await master.start() }, ready: {
            print("basalt master active: \(master.serverName?.description ?? "?")")
            fflush(nil)
        })
        switch outcome {
        case .signal:
            await info?.stop()
            await master.stop()
            await session.close()
        case .sessionExpired:
            FileHandle.standardError.write(Data("basalt master: ZooKeeper session expired; another master takes over\n".utf8))
            Foundation.exit(1)
        case .failed(let why), .aborted(let why):
            await master.stop()
            await session.close()
            throw ValidationError("the master could not start: \(why)")
        }
    }
}

/// `basalt regionserver --root DIR`: a region server of a distributed cluster. On SIGTERM it moves its
/// regions to other servers, then stops; when its ZooKeeper session expires, or ZooKeeper has been out
/// of reach for a whole session timeout, it stops at once (its regions are being recovered elsewhere)
/// and exits 1.
struct RegionServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regionserver",
        abstract: "Run a region server of a distributed cluster (ZooKeeper from hbase.zookeeper.quorum).",
        discussion: "Port: hbase.regionserver.port (16020; 0 picks a free one). Prints 'basalt regionserver serving: NAME' once serving.")

    @Option(help: "The cluster's root folder, shared by every server.") var root: String
    @OptionGroup var conf: ConfigurationOptions

    /// How long a server that must stop at once waits for its engine to close before the process ends
    /// anyway: on a fenced shared mount a file operation may hang rather than fail, and nothing more may be
    /// written, so the process must not wait on it.
    static let abortGrace: Duration = .seconds(5)

    /// Stops without a flush, then exits 1; exits after `abortGrace` even if the stop hangs.
    static func stopAtOnce(_ rs: RegionServer) async -> Never {
        Task {
            try? await rs.stop(flush: false)
            Foundation.exit(1)
        }
        try? await Task.sleep(for: abortGrace)
        FileHandle.standardError.write(Data("basalt regionserver: the engine did not close within \(abortGrace); exiting anyway\n".utf8))
        Foundation.exit(1)
    }

    func run() async throws {
        let (configuration, rootPath, session) = try await ServerSetup.begin(conf, root: root)
        let serverConf = try RegionServer.Configuration(root: rootPath, configuration)
        let rs = RegionServer(configuration: serverConf, coordination: session)
        let info = try await InfoPorts.start(.regionServer, configuration, serverHost: serverConf.host, source: RegionServerInfo(server: rs, configuration: configuration))
        let sessionTimeout = Duration.milliseconds(try configuration.int("zookeeper.session.timeout", default: 10_000))
        let outcome = await runServer(session: session, fenceAfter: sessionTimeout, aborts: rs.aborts, start: { try await rs.start() }, ready: {
            print("basalt regionserver serving: \(rs.serverName?.description ?? "?")")
            fflush(nil)
        })
        switch outcome {
        case .signal:
            await rs.decommission()
            await info?.stop()
            try? await rs.stop(flush: true)
            await session.close()
        case .sessionExpired:
            FileHandle.standardError.write(Data("basalt regionserver: ZooKeeper session expired (or out of reach for a whole session timeout); stopping without another write\n".utf8))
            await Self.stopAtOnce(rs)
        case .aborted(let why):
            FileHandle.standardError.write(Data("basalt regionserver: aborting: \(why); stopping without another write\n".utf8))
            await Self.stopAtOnce(rs)
        case .failed(let why):
            try? await rs.stop(flush: false)
            await session.close()
            throw ValidationError("the region server could not start: \(why)")
        }
    }
}
