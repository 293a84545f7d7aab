import NIOCore

/// Cuts a byte stream into frames of HBase's RPC: a 4-byte big-endian length, then that many bytes.
/// A length over `maxFrameLength` (`hbase.ipc.max.request.size`) is an error: the connection is closed
/// rather than buffering it. Used by clients for responses (servers use `RPCServerDecoder`).
/// One per channel; not thread-safe.
struct RPCFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer
    let maxFrameLength: Int

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try Self.readFrame(&buffer, maxFrameLength: maxFrameLength) else { return .needMoreData }
        context.fireChannelRead(NIOAny(frame))
        return .continue
    }

    /// The next whole frame's bytes (after its length), or nil when it has not all arrived.
    static func readFrame(_ buffer: inout ByteBuffer, maxFrameLength: Int) throws -> ByteBuffer? {
        guard let length: UInt32 = buffer.getInteger(at: buffer.readerIndex) else { return nil }
        guard Int(length) <= maxFrameLength else {
            throw ProtocolError(.tooLarge, "a frame of \(length) bytes is over the limit of \(maxFrameLength) (hbase.ipc.max.request.size)")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: 4)
        return buffer.readSlice(length: Int(length))
    }
}
