import Logging
import NIOCore

/// A server connection after its preamble: picks the service the connection header names, then hands
/// the calls of each read to it with a responder each. Calls run concurrently; their answers go out as
/// they finish. A
/// frame that cannot be read as a call, a wrong preamble, a frame over the size limit or an unknown
/// service is answered with HBase's exception and the connection closes; other connections go on.
/// Confined to its channel's event loop.
final class RPCServerHandler: ChannelInboundHandler {
    typealias InboundIn = RPCServerInbound
    typealias OutboundOut = ByteBuffer

    private let services: [String: any RPCService]
    private let logger: Logger
    private var service: (any RPCService)?
    private var cellBlocks = false
    private var user = ""
    private var peer = "?"
    /// Calls of the read under way, handed to the service together when it completes.
    private var batch: [(call: RPCCall, responder: RPCResponder)] = []

    init(services: [String: any RPCService], logger: Logger) {
        self.services = services
        self.logger = logger
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = context.remoteAddress.map { "\($0)" } ?? "?"
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .connectionHeader(let header, _):
            guard let s = services[header.serviceName] else {
                refuse(context, HBaseExceptionClass.fatalConnection,
                       "unknown service '\(header.serviceName)'; this server offers \(services.keys.sorted().joined(separator: ", "))")
                return
            }
            if header.hasCellBlockCodecClass && header.cellBlockCodecClass != KeyValueCodec.className {
                refuse(context, HBaseExceptionClass.fatalConnection, "cell block codec '\(header.cellBlockCodecClass)' is not supported; use \(KeyValueCodec.className)")
                return
            }
            if header.hasCellBlockCompressorClass && !header.cellBlockCompressorClass.isEmpty {
                refuse(context, HBaseExceptionClass.fatalConnection, "cell block compressor '\(header.cellBlockCompressorClass)' is not supported")
                return
            }
            service = s
            cellBlocks = header.hasCellBlockCodecClass
            user = header.userInfo.effectiveUser
        case .call(let frame):
            guard let service else {
                refuse(context, HBaseExceptionClass.fatalConnection, "a call arrived before the connection header")
                return
            }
            let request: RPCFraming.Request
            do {
                request = try RPCFraming.readRequest(frame)
            } catch {
                refuse(context, HBaseExceptionClass.fatalConnection, "a call frame cannot be read: \(error)")
                return
            }
            let responder = RPCResponder(channel: context.channel, callId: request.header.callID, cellBlocks: cellBlocks)
            let call = RPCCall(
                id: request.header.callID, method: request.header.methodName, param: request.param, cellBlock: request.cellBlock,
                peer: peer, user: user)
            batch.append((call, responder))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let service, !batch.isEmpty {
            if batch.count == 1 {
                service.handle(batch[0].call, responder: batch[0].responder)
            } else {
                service.handle(batch: batch)
            }
            batch.removeAll(keepingCapacity: true)
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? ProtocolError, e.kind == .tooLarge {
            refuse(context, HBaseExceptionClass.requestTooBig, e.message)
        } else if let e = error as? RPCServerDecoderError {
            refuse(context, HBaseExceptionClass.fatalConnection, e.description)
        } else if error is ProtocolError {
            refuse(context, HBaseExceptionClass.fatalConnection, "\(error)")
        } else {
            logger.debug("RPC connection failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
            context.close(promise: nil)
        }
    }

    /// Answers with a connection-level exception (call id 0) and closes.
    private func refuse(_ context: ChannelHandlerContext, _ className: String, _ message: String) {
        logger.info("closing RPC connection", metadata: ["peer": "\(peer)", "exception": "\(className)", "reason": "\(message)"])
        var out = context.channel.allocator.buffer(capacity: 256)
        let e = RPCException(className, message, doNotRetry: true)
        if (try? RPCFraming.writeResponse(callId: 0, result: nil, exception: e.proto, into: &out)) != nil {
            let channel = context.channel
            channel.writeAndFlush(out).whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.close(promise: nil)
        }
    }
}
