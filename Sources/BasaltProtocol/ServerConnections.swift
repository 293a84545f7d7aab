import BasaltCore
import NIOCore
import NIOPosix
import Synchronization

/// The services a Basalt server offers on its RPC port, by the name a connection's header asks for. Basalt's
/// own services carry Basalt's messages; HBase's carry HBase's, for every HBase client.
public enum RPCServiceName: String, Sendable, CaseIterable {
    case basaltClient = "BasaltClientService"
    case basaltAdmin = "BasaltAdminService"
    case basaltMaster = "BasaltMasterService"
    case hbaseClient = "ClientService"
    case hbaseAdmin = "AdminService"
    case hbaseMaster = "MasterService"

    /// The data path's services, whose calls answer quickly (gets, mutations, scan batches): only they are
    /// bounded by `hbase.rpc.timeout`. Admin and master calls may run long (a compaction, a table with many
    /// regions), as HBase's procedures do.
    public var boundedByCallTimeout: Bool { self == .basaltClient || self == .hbaseClient }
}

/// Native RPC connections to servers, one per server and service, opened on first use (callers asking at
/// once share one dial) and kept until `forget` (after a failure) or `closeAll`. A connection found closed
/// is dialled again. All of them read and write on one event loop, `eventLoop`: a task that runs there
/// (`executor`) makes its calls and gets their answers on one thread. Lock order: `connections` before
/// `open`. Used by the masters, the region servers and the client. Safe to share across tasks.
public final class ServerConnections: Sendable {
    private struct Key: Hashable {
        let server: String
        let service: RPCServiceName
    }

    private let connections = Mutex<[Key: Task<RPCClientConnection, any Error>]>([:])
    /// Connections already open, for the common case: a call finds its connection without waiting on a task.
    private let open = Mutex<[Key: RPCClientConnection]>([:])
    private let limits: RPCLimits
    private let connectTimeout: Duration
    /// The event loop every connection of this set runs on.
    public let eventLoop: any EventLoop
    /// Runs a task's jobs on `eventLoop` (see `EventLoopTaskExecutor`).
    public let executor: EventLoopTaskExecutor

    public init(limits: RPCLimits = RPCLimits(), connectTimeout: Duration = .seconds(10),
                eventLoop: any EventLoop = MultiThreadedEventLoopGroup.singleton.next()) {
        self.limits = limits
        self.connectTimeout = connectTimeout
        self.eventLoop = eventLoop
        executor = EventLoopTaskExecutor(eventLoop)
    }

    /// An open connection to `service` on `server`.
    public func connection(_ server: ServerName, _ service: RPCServiceName) async throws -> RPCClientConnection {
        let key = Key(server: server.hostAndPort, service: service)
        if let ready = open.withLock({ $0[key] }), ready.isActive { return ready }
        let (limits, timeout, loop) = (limits, connectTimeout, eventLoop)
        for _ in 0..<2 {
            let dial = connections.withLock { all in
                if let existing = all[key] { return existing }
                let dial = Task {
                    try await RPCClientConnection.connect(
                        host: server.host, port: server.port, service: service.rawValue, limits: limits, connectTimeout: timeout,
                        callTimeout: service.boundedByCallTimeout ? limits.callTimeout : nil, group: loop)
                }
                all[key] = dial
                return dial
            }
            do {
                let connection = try await dial.value
                if connection.isActive {
                    open.withLock { $0[key] = connection }
                    return connection
                }
            } catch {
                drop(key, ifStill: dial)
                throw error
            }
            // Closed since it was opened (the server went away or restarted): dial once more.
            drop(key, ifStill: dial)
        }
        throw ProtocolError(.connection, "the connection to \(service.rawValue) at \(server.hostAndPort) closed as soon as it opened")
    }

    private func drop(_ key: Key, ifStill dial: Task<RPCClientConnection, any Error>) {
        let removed = connections.withLock { all -> Task<RPCClientConnection, any Error>? in
            guard all[key] == dial else { return nil }
            open.withLock { _ = $0.removeValue(forKey: key) }
            return all.removeValue(forKey: key)
        }
        if let removed { Task { await (try? removed.value)?.close() } }
    }

    public func admin(_ server: ServerName) async throws -> BasaltAdminServiceCalls {
        BasaltAdminServiceCalls(try await connection(server, .basaltAdmin))
    }

    public func data(_ server: ServerName) async throws -> BasaltClientServiceCalls {
        BasaltClientServiceCalls(try await connection(server, .basaltClient))
    }

    public func master(_ server: ServerName) async throws -> BasaltMasterServiceCalls {
        BasaltMasterServiceCalls(try await connection(server, .basaltMaster))
    }

    /// Drops every connection to a server (after it failed), so the next call dials again.
    public func forget(_ server: ServerName) {
        let host = server.hostAndPort
        let dropped = connections.withLock { all -> [Task<RPCClientConnection, any Error>] in
            let keys = all.keys.filter { $0.server == host }
            open.withLock { o in for k in keys { o.removeValue(forKey: k) } }
            return keys.compactMap { all.removeValue(forKey: $0) }
        }
        for dial in dropped { Task { await (try? dial.value)?.close() } }
    }

    public func closeAll() async {
        let all = connections.withLock { c in
            defer {
                c.removeAll()
                open.withLock { $0.removeAll() }
            }
            return Array(c.values)
        }
        for dial in all { await (try? await dial.value)?.close() }
    }
}
