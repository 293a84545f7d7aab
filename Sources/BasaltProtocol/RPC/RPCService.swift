import BasaltCore
import NIOCore
import SwiftProtobuf

/// One service a server offers on its RPC port (`ClientService`, `MasterService`, `AdminService`, ...),
/// chosen by the `service_name` of a connection's header. Every call of the connection goes to it.
public protocol RPCService: Sendable {
    /// The name a `ConnectionHeader` asks for.
    var name: String { get }
    /// Answers one call, now or later, through `responder`. Called on the connection's event loop: it
    /// must not block (engine work goes to a handler thread, master work to a task). A method the service
    /// does not know is answered with `UnknownProtocolException`.
    func handle(_ call: RPCCall, responder: RPCResponder)
    /// Answers the calls that one read of a connection brought, in their order of arrival. Called on the
    /// connection's event loop, like `handle`. A service may run them together (one thread woken, one
    /// write for their answers); by default each goes to `handle`.
    func handle(batch: [(call: RPCCall, responder: RPCResponder)])
}

extension RPCService {
    public func handle(batch: [(call: RPCCall, responder: RPCResponder)]) {
        for (call, responder) in batch { handle(call, responder: responder) }
    }
}

/// One call as a service receives it: the method's name, the request message's bytes (decode them with
/// `request(_:)`) and the cell block. A value type; its buffers are slices of the received frame.
public struct RPCCall: Sendable {
    public let id: UInt32
    public let method: String
    public let param: ByteBuffer?
    public let cellBlock: ByteBuffer?
    /// The connection's peer, for logs.
    public let peer: String
    /// The user the connection's header names.
    public let user: String

    public init(id: UInt32, method: String, param: ByteBuffer?, cellBlock: ByteBuffer?, peer: String, user: String) {
        self.id = id
        self.method = method
        self.param = param
        self.cellBlock = cellBlock
        self.peer = peer
        self.user = user
    }

    /// The request message (a `DoNotRetryIOException` when it does not decode).
    public func request<M: SwiftProtobuf.Message>(_ type: M.Type) throws(RPCException) -> M {
        do {
            return try RPCFraming.decode(type, from: param, what: "the \(method) request")
        } catch {
            throw RPCException(HBaseExceptionClass.doNotRetry, "\(error)", doNotRetry: true)
        }
    }

    /// The cells of the call's cell block, `count` of them from its front (all when nil).
    public func cells(_ block: inout ByteBuffer, count: Int? = nil) throws(RPCException) -> [Cell] {
        do {
            return try KeyValueCodec.read(&block, count: count)
        } catch {
            throw RPCException(HBaseExceptionClass.doNotRetry, "\(error)", doNotRetry: true)
        }
    }
}
