import NIOCore

/// What a server reads from a connection, in order: the preamble, the connection header, then calls.
enum RPCServerInbound: Sendable {
    case connectionHeader(HBaseConnectionHeader, auth: UInt8)
    /// One call's frame (the bytes after its length).
    case call(ByteBuffer)
}

/// Reads a client's side of a connection: the 6-byte preamble (`HBas`, version 0, an auth byte), the
/// connection header behind its 4-byte length, then call frames. A wrong preamble, a header that does
/// not decode or a frame over `maxFrameLength` is an error (the handler answers it with a
/// `FatalConnectionException` or `RequestTooBigException` and closes). One per channel; not thread-safe.
struct RPCServerDecoder: ByteToMessageDecoder {
    typealias InboundOut = RPCServerInbound

    enum Stage {
        case preamble
        case connectionHeader(auth: UInt8)
        case calls
    }

    let maxFrameLength: Int
    private(set) var stage = Stage.preamble

    init(maxFrameLength: Int) { self.maxFrameLength = maxFrameLength }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch stage {
        case .preamble:
            guard let bytes = buffer.getBytes(at: buffer.readerIndex, length: RPCFraming.preambleLength) else {
                // Fail early on a wrong first byte rather than waiting for six.
                if let first = buffer.getBytes(at: buffer.readerIndex, length: min(buffer.readableBytes, 4)),
                   !RPCFraming.magic.starts(with: first) {
                    throw RPCServerDecoderError.badPreamble(first)
                }
                return .needMoreData
            }
            guard Array(bytes[0..<4]) == RPCFraming.magic, bytes[4] == RPCFraming.version else {
                throw RPCServerDecoderError.badPreamble(bytes)
            }
            guard bytes[5] == RPCFraming.AuthMethod.simple.rawValue else { throw RPCServerDecoderError.unsupportedAuth(bytes[5]) }
            buffer.moveReaderIndex(forwardBy: RPCFraming.preambleLength)
            stage = .connectionHeader(auth: bytes[5])
            return .continue
        case .connectionHeader(let auth):
            guard let frame = try RPCFrameDecoder.readFrame(&buffer, maxFrameLength: maxFrameLength) else { return .needMoreData }
            let header = try RPCFraming.decode(HBaseConnectionHeader.self, from: frame, what: "the connection header")
            stage = .calls
            context.fireChannelRead(NIOAny(RPCServerInbound.connectionHeader(header, auth: auth)))
            return .continue
        case .calls:
            guard let frame = try RPCFrameDecoder.readFrame(&buffer, maxFrameLength: maxFrameLength) else { return .needMoreData }
            context.fireChannelRead(NIOAny(RPCServerInbound.call(frame)))
            return .continue
        }
    }
}

/// Why a connection's opening bytes were refused.
enum RPCServerDecoderError: Error, CustomStringConvertible {
    case badPreamble([UInt8])
    case unsupportedAuth(UInt8)

    var description: String {
        switch self {
        case .badPreamble(let bytes):
            "expected the preamble 'HBas' + version 0, received \(bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " "))"
        case .unsupportedAuth(let code):
            "authentication method \(code) is not supported; Basalt accepts SIMPLE (0x50)"
        }
    }
}
