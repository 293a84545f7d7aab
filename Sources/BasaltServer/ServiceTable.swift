import BasaltProtocol
import BasaltStorage
import NIOCore
import NIOPosix
import SwiftProtobuf

/// One of a server's native RPC services as a table of its methods: each decodes its request, does its
/// work where it belongs (engine work on a handler thread, the master's work in a task), and answers;
/// failures leave as HBase's exception (`ServerError.rpcException`). A method the table lacks is answered
/// with `UnknownProtocolException`. The reads that one read of a connection brought run on handler threads
/// in groups of up to `callsPerWake`, each group's answers written with one flush, so a busy connection
/// costs a thread wake and a system call per group rather than per call; a write (which may wait on a row
/// lock or the WAL) runs alone, so it never holds up the others. A value type, built once when a server
/// starts.
struct ServiceTable: RPCService {
    /// Engine work for one call, on a handler thread: the frame that answers it.
    typealias Work = @Sendable (RPCCall, RPCResponder, StorageEngine) -> ByteBuffer
    private enum Method: Sendable {
        /// Answers by itself (from a task).
        case task(@Sendable (RPCCall, RPCResponder) -> Void)
        /// Engine work; `grouped` work (reads, which do not wait on locks or WAL syncs) may share a handler
        /// thread with other calls of the same read, writes each get their own.
        case engine(Work, grouped: Bool)
    }

    let name: String
    private var methods: [String: Method] = [:]
    /// The region server whose handler threads run engine work (set by the first such method).
    private var server: RegionServer?
    /// Calls of one read that share a handler thread's wake and one write. Small groups overlap: the first
    /// group's answers are on their way while the next groups run, and a client busy with them sends its
    /// next calls sooner (4 against 8 and 16: 32-task gets 1.1–1.2×, docs/performance.md, session 18).
    static let callsPerWake = 4

    init(_ name: RPCServiceName) {
        self.name = name.rawValue
    }

    func handle(_ call: RPCCall, responder: RPCResponder) {
        handle(batch: [(call, responder)])
    }

    func handle(batch: [(call: RPCCall, responder: RPCResponder)]) {
        var reads: [EngineCall] = []
        for (call, responder) in batch {
            switch methods[call.method] {
            case .task(let method)?:
                method(call, responder)
            case .engine(let work, let grouped)?:
                if grouped {
                    reads.append((call, responder, work))
                } else {
                    run([(call, responder, work)])
                }
            case nil:
                responder.fail(ServerError(.unknownMethod, "\(name) has no method \(call.method)").rpcException)
            }
        }
        var start = 0
        while start < reads.count {
            run(Array(reads[start..<min(start + Self.callsPerWake, reads.count)]))
            start += Self.callsPerWake
        }
    }

    private typealias EngineCall = (call: RPCCall, responder: RPCResponder, work: Work)

    /// Runs calls of one connection on one handler thread, one after the other, and sends their answers
    /// with one flush.
    private func run(_ group: [EngineCall]) {
        guard let server else { return }
        server.handlerPool.submit { state in
                let engine: StorageEngine
                do {
                    guard case .active = state else { throw ServerError(.serverNotRunning, "the region server is stopping") }
                    engine = try server.running().engine
                } catch {
                    let refusal = ServerError(error).rpcException
                    group[0].responder.send(group.map { $0.responder.frame(refusal) })
                    return
                }
                group[0].responder.send(group.map { $0.work($0.call, $0.responder, engine) })
        }
    }

    /// A method whose work awaits (the master's DDL, calls to other servers): runs in a task.
    mutating func add<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: some RawRepresentable<String>, _ body: @escaping @Sendable (Request) async throws -> Response
    ) {
        methods[method.rawValue] = .task { call, responder in
            let request: Request
            do throws(RPCException) { request = try call.request(Request.self) } catch { return responder.fail(error) }
            Task {
                do {
                    responder.reply(try await body(request))
                } catch {
                    responder.fail(ServerError(error).rpcException)
                }
            }
        }
    }

    /// A method that is blocking engine work: runs on one of `server`'s handler threads.
    mutating func add<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: some RawRepresentable<String>, on server: RegionServer, grouped: Bool = false,
        timed kind: (@Sendable (Request) -> RequestKind)? = nil,
        _ body: @escaping @Sendable (Request, StorageEngine) throws -> Response
    ) {
        addWithCells(method, on: server, grouped: grouped, timed: kind) { (request: Request, _, _, engine) in (try body(request, engine), nil) }
    }

    /// A method that is blocking engine work and may carry cell blocks: `body` gets the call (its cell block)
    /// and the responder (whether the connection takes cell blocks, and buffers), and returns the message
    /// and the cell block to answer with. With `kind`, each call that succeeds is counted and timed in the
    /// server's metrics as the kind of request `kind` says it is.
    mutating func addWithCells<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: some RawRepresentable<String>, on server: RegionServer, grouped: Bool = false,
        timed kind: (@Sendable (Request) -> RequestKind)? = nil,
        _ body: @escaping @Sendable (Request, RPCCall, RPCResponder, StorageEngine) throws -> (Response, ByteBuffer?)
    ) {
        self.server = server
        let metrics = server.metrics
        let work: Work = { call, responder, engine in
            do {
                let started = ContinuousClock.now
                let request = try call.request(Request.self)
                let (message, cells) = try body(request, call, responder, engine)
                if let kind { metrics.record(kind(request), since: started) }
                return responder.frame(message, cellBlock: cells)
            } catch let e as RPCException {
                return responder.frame(e)
            } catch {
                return responder.frame(ServerError(error).rpcException)
            }
        }
        methods[method.rawValue] = .engine(work, grouped: grouped)
    }
}
