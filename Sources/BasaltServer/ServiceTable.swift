import BasaltProtocol
import BasaltStorage
import NIOCore
import NIOPosix
import SwiftProtobuf

/// One of a server's native RPC services as a table of its methods: each decodes its request on the event
/// loop, does its work where it belongs (engine work on a handler thread, the master's work in a task),
/// and answers; failures leave as HBase's exception (`ServerError.rpcException`). A method the table
/// lacks is answered with `UnknownProtocolException`. A value type, built once when a server starts.
struct ServiceTable: RPCService {
    typealias Method = @Sendable (RPCCall, RPCResponder) -> Void

    let name: String
    private var methods: [String: Method] = [:]

    init(_ name: RPCServiceName) {
        self.name = name.rawValue
    }

    func handle(_ call: RPCCall, responder: RPCResponder) {
        guard let method = methods[call.method] else {
            responder.fail(ServerError(.unknownMethod, "\(name) has no method \(call.method)").rpcException)
            return
        }
        method(call, responder)
    }

    /// A method whose work awaits (the master's DDL, calls to other servers): runs in a task.
    mutating func add<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: some RawRepresentable<String>, _ body: @escaping @Sendable (Request) async throws -> Response
    ) {
        methods[method.rawValue] = { call, responder in
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

    /// A method that is blocking engine work: runs on one of `server`'s handler threads, which answers.
    mutating func add<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: some RawRepresentable<String>, on server: RegionServer,
        _ body: @escaping @Sendable (Request, StorageEngine) throws -> Response
    ) {
        methods[method.rawValue] = { call, responder in
            let request: Request
            do throws(RPCException) { request = try call.request(Request.self) } catch { return responder.fail(error) }
            server.handlerPool.submit { state in
                guard case .active = state else {
                    return responder.fail(ServerError(.serverNotRunning, "the region server is stopping").rpcException)
                }
                do {
                    responder.reply(try body(request, try server.running().engine))
                } catch {
                    responder.fail(ServerError(error).rpcException)
                }
            }
        }
    }

    /// A method that is blocking engine work and may carry cell blocks: `body` gets the call (its cell block)
    /// and the responder (whether the connection takes cell blocks, and buffers), and returns the message
    /// and the cell block to answer with.
    mutating func addWithCells<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: some RawRepresentable<String>, on server: RegionServer,
        _ body: @escaping @Sendable (Request, RPCCall, RPCResponder, StorageEngine) throws -> (Response, ByteBuffer?)
    ) {
        methods[method.rawValue] = { call, responder in
            let request: Request
            do throws(RPCException) { request = try call.request(Request.self) } catch { return responder.fail(error) }
            server.handlerPool.submit { state in
                guard case .active = state else {
                    return responder.fail(ServerError(.serverNotRunning, "the region server is stopping").rpcException)
                }
                do {
                    let (message, cells) = try body(request, call, responder, try server.running().engine)
                    responder.reply(message, cellBlock: cells)
                } catch {
                    responder.fail(ServerError(error).rpcException)
                }
            }
        }
    }
}
