import NIOCore
import NIOPosix

/// A small Thrift client of the `Hbase` service, for tests, benchmarks and tools: one connection, one
/// call at a time, in any protocol and framing the gateway accepts. Use it within `withConnection`.
public struct ThriftClient: ~Copyable {
    public let proto: ThriftProtocol
    public let framed: Bool
    private var inbound: NIOAsyncChannelInboundStream<ThriftRequest>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var sequence: Int32 = 0

    /// Connects, runs `body` with a client, then closes the connection.
    public static func withConnection<T: Sendable>(
        host: String = "127.0.0.1", port: Int, proto: ThriftProtocol = .binary(strict: true), framed: Bool = false,
        maxMessageBytes: Int = 256 << 20, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (inout ThriftClient) async throws -> T
    ) async throws -> T {
        let channel = try await ClientBootstrap(group: group)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(ThriftFrameDecoder(maxFrameBytes: maxMessageBytes, maxMessageBytes: maxMessageBytes)))
                    return try NIOAsyncChannel<ThriftRequest, ByteBuffer>(
                        wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                }
            }
        return try await channel.executeThenClose { inbound, outbound in
            var client = ThriftClient(proto: proto, framed: framed, inbound: inbound.makeAsyncIterator(), outbound: outbound)
            return try await body(&client)
        }
    }

    private init(proto: ThriftProtocol, framed: Bool, inbound: NIOAsyncChannelInboundStream<ThriftRequest>.AsyncIterator,
                 outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        self.proto = proto
        self.framed = framed
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Sends raw bytes (for tests of malformed input).
    public func send(raw bytes: [UInt8]) async throws {
        try await outbound.write(ByteBuffer(bytes: bytes))
    }

    /// Half-closes the connection: the gateway sees the end of the client's bytes.
    public func finishSending() {
        outbound.finish()
    }

    /// The next message from the gateway; nil when it closed the connection.
    public mutating func receive() async throws -> ThriftMessage? {
        try await inbound.next()?.message
    }

    /// Calls `method` and returns its result struct (field 0 holds a return value; fields 1–3 the
    /// declared exceptions). A `TApplicationException` is thrown as a `ThriftError`.
    public mutating func callRaw(_ method: String, _ args: ThriftStruct) async throws -> ThriftStruct {
        sequence &+= 1
        let call = ThriftMessage(name: method, type: .call, sequenceId: sequence, body: args)
        try await outbound.write(ByteBuffer(bytes: ThriftCodec.encode(call, as: proto, framed: framed)))
        guard let reply = try await inbound.next() else { throw ThriftError(.io, "the gateway closed the connection during \(method)") }
        guard reply.message.sequenceId == sequence, reply.message.name == method else {
            throw ThriftError.malformed("a reply to \(reply.message.name)#\(reply.message.sequenceId) for a call of \(method)#\(sequence)")
        }
        if reply.message.type == .exception {
            let text = reply.message.body.string(1) ?? "?"
            throw ThriftError(reply.message.body.i32(2) == 1 ? .unknownMethod : .io, text)
        }
        return reply.message.body
    }

    /// Calls `method`: its return value (nil for void), or the exception it answered as a `ThriftError`
    /// (`.io` for IOError, `.illegalArgument`, `.alreadyExists`).
    @discardableResult
    public mutating func call(_ method: String, _ args: ThriftStruct) async throws -> ThriftValue? {
        let result = try await callRaw(method, args)
        if let e = result.structure(1) { throw ThriftError(.io, e.string(1) ?? "", retryable: e.bool(2) ?? false) }
        if let e = result.structure(2) { throw ThriftError(.illegalArgument, e.string(1) ?? "") }
        if let e = result.structure(3) { throw ThriftError(.alreadyExists, e.string(1) ?? "") }
        return result[0]
    }
}
