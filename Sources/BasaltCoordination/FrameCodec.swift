import NIOCore

/// What arrives on a ZooKeeper connection: a length-prefixed frame, or (first thing on a server-side
/// connection only) one of the four-letter administrative words such as `ruok`.
enum InboundFrame {
    case frame(ByteBuffer)
    case fourLetterWord(String)
}

/// Splits the byte stream into ZooKeeper frames: a 4-byte big-endian length, then that many bytes.
/// A negative length or one above `maxFrameLength` (`jute.maxbuffer`) is a protocol error: the decoder
/// throws and the connection is closed.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = InboundFrame

    /// Words the embedded server answers when a connection opens with them instead of a frame.
    static let fourLetterWords: Set<String> = ["ruok", "srvr", "stat", "conf", "cons", "envi", "mntr", "isro"]

    let maxFrameLength: Int
    /// Server side: the first four bytes may be a four-letter word.
    var acceptFourLetterWords: Bool

    init(maxFrameLength: Int = 1 << 20, acceptFourLetterWords: Bool = false) {
        self.maxFrameLength = maxFrameLength
        self.acceptFourLetterWords = acceptFourLetterWords
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        if acceptFourLetterWords {
            acceptFourLetterWords = false
            if let word = buffer.getString(at: buffer.readerIndex, length: 4), Self.fourLetterWords.contains(word) {
                buffer.moveReaderIndex(forwardBy: 4)
                context.fireChannelRead(wrapInboundOut(.fourLetterWord(word)))
                return .continue
            }
        }
        guard length >= 0, Int(length) <= maxFrameLength else {
            throw CoordinationError(.marshallingError, "a frame announces \(length) bytes (the limit is \(maxFrameLength))")
        }
        guard buffer.readableBytes >= 4 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(.frame(frame)))
        return .continue
    }

    /// Bytes left when the connection closes are a partial frame nobody will answer: dropped. (Decoding
    /// here would deliver reads from inside a close, which may run under the owner's lock.)
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}

extension ByteBufferAllocator {
    /// A frame: the 4-byte length, then whatever `body` writes.
    func frame(_ body: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var b = buffer(capacity: 64)
        b.writeInteger(Int32(0))
        body(&b)
        b.setInteger(Int32(b.readableBytes - 4), at: b.readerIndex)
        return b
    }
}
