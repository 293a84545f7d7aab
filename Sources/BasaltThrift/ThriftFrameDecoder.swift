import NIOCore

/// One decoded call and how to answer it: in the protocol and framing it came in.
public struct ThriftRequest: Sendable {
    public var message: ThriftMessage
    public var proto: ThriftProtocol
    public var framed: Bool
}

/// Splits a connection's bytes into Thrift messages. The first bytes decide the transport and the
/// protocol, so one port serves every combination clients use:
/// - `0x80` opens a strict binary message and `0x82` a compact one, sent unframed (buffered);
/// - otherwise the first four bytes are a frame length (framed transport) or, from an old non-strict
///   binary client, a method name's length. Byte 4 tells them apart: a frame's payload starts with
///   `0x80`, `0x82` or a name length's high byte `0x00`; a non-strict message continues with the name.
/// Unframed messages are decoded as they arrive; one that is still incomplete past the size limit is
/// refused, as is a frame announced larger than its limit, before anything is allocated for it.
struct ThriftFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ThriftRequest

    let maxFrameBytes: Int
    let maxMessageBytes: Int
    private var framed: Bool?

    init(maxFrameBytes: Int, maxMessageBytes: Int) {
        self.maxFrameBytes = maxFrameBytes
        self.maxMessageBytes = maxMessageBytes
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if framed == nil {
            guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
            if first == 0x80 || first == ThriftCompactProtocol.protocolId {
                framed = false
            } else {
                guard let fifth = buffer.getInteger(at: buffer.readerIndex + 4, as: UInt8.self) else { return .needMoreData }
                framed = fifth == 0x80 || fifth == ThriftCompactProtocol.protocolId || fifth == 0x00
            }
        }
        if framed == true { return try decodeFrame(context: context, buffer: &buffer) }
        return try decodeUnframed(context: context, buffer: &buffer)
    }

    private func decodeFrame(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard length > 0 else { throw ThriftError.malformed("a frame of \(length) bytes") }
        guard Int(length) <= maxFrameBytes else {
            throw ThriftError(.tooLarge, "a frame of \(length) bytes is over the limit of \(maxFrameBytes) (hbase.regionserver.thrift.framed.max_frame_size_in_mb)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(length)), let first = frame.getInteger(at: frame.readerIndex, as: UInt8.self) else {
            return .needMoreData
        }
        let proto = ThriftProtocol.detect(first: first)
        let decoded = try frame.withUnsafeReadableBytes { raw in try ThriftCodec.decodeIfComplete(raw, as: proto) }
        guard let (message, used) = decoded else { throw ThriftError.malformed("the frame ends inside its message") }
        guard used == Int(length) else { throw ThriftError.malformed("\(Int(length) - used) stray bytes follow the message in its frame") }
        context.fireChannelRead(wrapInboundOut(ThriftRequest(message: message, proto: proto, framed: true)))
        return .continue
    }

    private func decodeUnframed(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return .needMoreData }
        let proto = ThriftProtocol.detect(first: first)
        let decoded = try buffer.withUnsafeReadableBytes { raw in try ThriftCodec.decodeIfComplete(raw, as: proto) }
        guard let (message, used) = decoded else {
            guard buffer.readableBytes <= maxMessageBytes else {
                throw ThriftError(.tooLarge, "an unframed message over the limit of \(maxMessageBytes) bytes (basalt.thrift.max.message.size.in.mb)")
            }
            return .needMoreData
        }
        buffer.moveReaderIndex(forwardBy: used)
        context.fireChannelRead(wrapInboundOut(ThriftRequest(message: message, proto: proto, framed: false)))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        // A client that went away mid-message leaves a fragment: nothing to answer.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}
