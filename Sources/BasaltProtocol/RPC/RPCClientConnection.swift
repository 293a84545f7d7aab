import Logging
import NIOCore
import NIOPosix
import Synchronization
import SwiftProtobuf

/// A client's connection to one service of one server over HBase's native RPC: opened with the preamble
/// and a connection header, then any number of calls in flight at once, each answered by its call id as
/// the server finishes it. A failed or closed connection fails every call in flight with a retryable
/// `ProtocolError(.connection)`; an exception the server answers with is a `ProtocolError(.remote)`
/// carrying HBase's class name. Safe to share across tasks.
public final class RPCClientConnection: Sendable {
    public let host: String
    public let port: Int
    public let service: String
    /// `host:port`, for messages.
    private let peer: String
    /// Whether calls may carry cell blocks (the header named `KeyValueCodec`).
    public let cellBlocks: Bool
    private let channel: any Channel
    /// How long a call waits for its answer unless it says otherwise; nil: as long as the connection lives.
    public let callTimeout: Duration?
    private let nextCallId = Atomic<UInt32>(1)
    /// Calls waiting for the event loop to write them, and whether a write of them is scheduled: calls
    /// made at about the same time go out with one flush (one system call), none of them waiting longer
    /// than it takes the event loop to come round (or than `callsPerWrite` calls).
    private struct Outbound {
        var calls: [RPCClientHandler.Outbound] = []
        var scheduled = false
    }
    private let outbound = Mutex(Outbound())

    private init(host: String, port: Int, service: String, cellBlocks: Bool, channel: any Channel, callTimeout: Duration?) {
        self.callTimeout = callTimeout
        self.host = host
        self.port = port
        self.service = service
        self.peer = "\(host):\(port)"
        self.cellBlocks = cellBlocks
        self.channel = channel
    }

    /// Connects and sends the preamble and the connection header (the server does not answer them).
    public static func connect(
        host: String, port: Int, service: String, user: String = "basalt", cellBlocks: Bool = false, limits: RPCLimits = RPCLimits(),
        connectTimeout: Duration = .seconds(10), callTimeout: Duration? = nil, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> RPCClientConnection {
        var header = HBaseConnectionHeader()
        header.userInfo.effectiveUser = user
        header.serviceName = service
        if cellBlocks { header.cellBlockCodecClass = KeyValueCodec.className }
        var opening = ByteBufferAllocator().buffer(capacity: 64)
        opening.writeBytes(RPCFraming.preamble())
        try RPCFraming.writeConnectionHeader(header, into: &opening)
        let maxFrame = limits.maxMessageSize
        let peer = "\(host):\(port)"
        let opened = opening
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.milliseconds(connectTimeout.inMilliseconds))
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(RPCFrameDecoder(maxFrameLength: maxFrame)))
                        try ch.pipeline.syncOperations.addHandler(RPCClientHandler(opening: opened, peer: peer))
                    }
                }
                .connect(host: host, port: port).get()
        } catch {
            throw ProtocolError(.connection, "cannot connect to \(service) at \(peer): \(error)")
        }
        return RPCClientConnection(host: host, port: port, service: service, cellBlocks: cellBlocks, channel: channel, callTimeout: callTimeout)
    }

    public var isActive: Bool { channel.isActive }

    /// The event loop the connection's reads and writes run on.
    public var eventLoop: any EventLoop { channel.eventLoop }

    /// Sends one call and waits for its answer: the response message's bytes and the cell block. A call not
    /// answered within `timeout` fails with a retryable `.connection` error (the answer, if it comes later,
    /// is dropped). One not answered within the connection's `callTimeout` also closes the connection: its
    /// peer is presumed gone (a dead machine sends no reset), so the other calls on it fail too and their
    /// retries dial afresh.
    public func call(
        _ method: String, _ request: some SwiftProtobuf.Message, cellBlock: ByteBuffer? = nil, timeout: Duration? = nil
    ) async throws -> RPCReply {
        let id = nextCallId.add(1, ordering: .relaxed).oldValue
        var frame = channel.allocator.buffer(capacity: 64 + (cellBlock?.readableBytes ?? 0))
        try RPCFraming.writeRequest(callId: id, method: method, param: request, cellBlock: cellBlock, into: &frame)
        let promise = channel.eventLoop.makePromise(of: RPCFraming.Response.self)
        // The handler keeps the deadline beside the call and one timer per connection for them all: a
        // scheduled task per call (armed, then cancelled on the answer) cost a tenth of a busy client's CPU.
        let expiry = (timeout ?? callTimeout).map { limit in
            RPCClientHandler.Expiry(deadline: .now() + .nanoseconds(limit.inNanoseconds), method: method, limit: limit, closesConnection: timeout == nil)
        }
        let (schedule, waiting) = outbound.withLock { q -> (Bool, Int) in
            q.calls.append(RPCClientHandler.Outbound(id: id, frame: frame, promise: promise, expiry: expiry))
            defer { q.scheduled = true }
            return (!q.scheduled, q.calls.count)
        }
        if waiting >= Self.callsPerWrite && channel.eventLoop.inEventLoop {
            writeOutbound()
        } else if schedule {
            channel.eventLoop.execute { self.writeOutbound() }
        }
        let response = try await promise.futureResult.get()
        return RPCReply(method: method, message: response.message, cellBlock: response.cellBlock)
    }

    /// Calls made on the event loop itself (by tasks on `EventLoopTaskExecutor`) go out as soon as this many
    /// wait, rather than all together when the loop comes round: the server starts on them while the loop
    /// is still resuming the other tasks (32-task gets 1.1–1.3×, docs/performance.md, session 18).
    static let callsPerWrite = 8

    /// Writes the waiting calls and flushes once. On the event loop.
    private func writeOutbound() {
        let calls = outbound.withLock { q -> [RPCClientHandler.Outbound] in
            defer {
                q.calls.removeAll(keepingCapacity: true)
                q.scheduled = false
            }
            return q.calls
        }
        guard let last = calls.last else { return }
        // Writes that fail (the channel already closed, so no handler sees them) fail their calls: the
        // batch's last write carries the one promise, as it fails whenever an earlier one did; a call
        // already answered ignores it.
        let peer = peer
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            for call in calls { call.promise.fail(ProtocolError(.connection, "cannot send to \(peer): \(error)")) }
        }
        for call in calls.dropLast() { channel.write(call, promise: nil) }
        channel.writeAndFlush(last, promise: written)
    }

    /// Sends one call and decodes its answer as `M`.
    public func call<M: SwiftProtobuf.Message>(
        _ method: String, _ request: some SwiftProtobuf.Message, returning: M.Type, timeout: Duration? = nil
    ) async throws -> M {
        try await call(method, request, timeout: timeout).message(M.self)
    }

    /// Closes the connection; calls in flight fail with `.connection`.
    public func close() async {
        try? await channel.close()
    }
}

/// A call's answer: the response message's bytes and the cell block. A value type.
public struct RPCReply: Sendable {
    public let method: String
    public let message: ByteBuffer?
    public let cellBlock: ByteBuffer?

    public func message<M: SwiftProtobuf.Message>(_ type: M.Type) throws -> M {
        do {
            return try RPCFraming.decode(type, from: message, what: "the answer to \(method)")
        } catch let e as ProtocolError {
            throw ProtocolError(.malformedData, e.message)
        }
    }
}

/// The client side of one connection: writes the opening bytes when it becomes active, writes calls,
/// and completes each call's promise when its answer arrives. Confined to its channel's event loop.
final class RPCClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = Outbound
    typealias OutboundOut = ByteBuffer

    struct Outbound: Sendable {
        let id: UInt32
        let frame: ByteBuffer
        let promise: EventLoopPromise<RPCFraming.Response>
        let expiry: Expiry?
    }

    /// When a call gives up waiting for its answer. Past `callTimeout` (no timeout of the call's own) the
    /// peer is presumed gone and the connection closes.
    struct Expiry: Sendable {
        let deadline: NIODeadline
        let method: String
        let limit: Duration
        let closesConnection: Bool
    }

    private let opening: ByteBuffer
    private let peer: String
    private var pending: [UInt32: (promise: EventLoopPromise<RPCFraming.Response>, expiry: Expiry?)] = [:]
    /// Set once the connection failed: later calls fail at once with it.
    private var failure: (any Error)?
    /// The one timer of the connection, armed for the earliest deadline of a call in flight (or later:
    /// answered calls leave their deadlines behind, and the sweep re-arms for what is still waiting).
    private var sweep: (at: NIODeadline, task: Scheduled<Void>)?

    init(opening: ByteBuffer, peer: String) {
        self.opening = opening
        self.peer = peer
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(opening), promise: nil)
        context.fireChannelActive()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let call = unwrapOutboundIn(data)
        if let failure {
            call.promise.fail(failure)
            promise?.fail(failure)
            return
        }
        pending[call.id] = (call.promise, call.expiry)
        if let expiry = call.expiry, sweep.map({ expiry.deadline < $0.at }) ?? true {
            arm(at: expiry.deadline, context)
        }
        context.write(wrapOutboundOut(call.frame), promise: promise)
    }

    private func arm(at deadline: NIODeadline, _ context: ChannelHandlerContext) {
        sweep?.task.cancel()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let task = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.handler.expire(bound.value.context) }
        sweep = (deadline, task)
    }

    /// Fails the calls whose deadline passed, closes the connection if one of them presumed the peer gone,
    /// and re-arms the timer for the earliest deadline still waiting.
    private func expire(_ context: ChannelHandlerContext) {
        sweep = nil
        let now = NIODeadline.now()
        var closing = false
        var next: NIODeadline?
        for (id, call) in pending {
            guard let expiry = call.expiry else { continue }
            if expiry.deadline <= now {
                pending.removeValue(forKey: id)
                let why = expiry.closesConnection ? " (hbase.rpc.timeout); closing the connection" : ""
                call.promise.fail(ProtocolError(.connection, "\(expiry.method) to \(peer) had no answer within \(expiry.limit)\(why)"))
                closing = closing || expiry.closesConnection
            } else if next.map({ expiry.deadline < $0 }) ?? true {
                next = expiry.deadline
            }
        }
        if closing {
            context.close(promise: nil)
        } else if let next {
            arm(at: next, context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let response: RPCFraming.Response
        do {
            response = try RPCFraming.readResponse(frame)
        } catch {
            failAll(context, ProtocolError(.connection, "\(peer) sent an answer that cannot be read: \(error)"))
            context.close(promise: nil)
            return
        }
        let id = response.header.callID
        guard let promise = pending.removeValue(forKey: id)?.promise else {
            if response.header.hasException {
                // Call id 0 with an exception: the server refused the connection itself.
                let e = RPCException.decode(response.header.exception)
                failAll(context, e)
                context.close(promise: nil)
            }
            return
        }
        if response.header.hasException {
            promise.fail(RPCException.decode(response.header.exception))
        } else {
            promise.succeed(response)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        sweep?.task.cancel()
        sweep = nil
        failAll(context, ProtocolError(.connection, "the connection to \(peer) closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(context, ProtocolError(.connection, "the connection to \(peer) failed: \(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ context: ChannelHandlerContext, _ error: any Error) {
        if failure == nil { failure = error }
        let all = pending
        pending.removeAll()
        for (_, call) in all { call.promise.fail(error) }
    }
}
