import NIOCore
import SwiftProtobuf

/// HBase's native RPC framing (`docs/formats/rpc.md`), as pure functions over `ByteBuffer`s so the bytes
/// can be checked against golden vectors without a socket.
///
/// A client opens with the preamble (`HBas`, version 0, the auth byte) and a `ConnectionHeader` behind a
/// 4-byte big-endian length. Every call after that is one frame: a 4-byte big-endian length, the
/// varint-delimited `RequestHeader`, the varint-delimited request message when the header says there is
/// one, then the cell block the header announces. A response mirrors it with a `ResponseHeader`, and
/// carries no message when the header holds an exception. Stateless.
public enum RPCFraming {
    public static let magic: [UInt8] = Array("HBas".utf8)
    public static let version: UInt8 = 0
    /// Magic, version and auth byte.
    public static let preambleLength = 6

    /// The authentication a connection announces in its preamble. Basalt speaks SIMPLE only.
    public enum AuthMethod: UInt8, Sendable {
        case simple = 0x50
        case kerberos = 0x51
        case digest = 0x52
    }

    // MARK: - Client to server

    /// The six bytes a client opens its connection with.
    public static func preamble(auth: AuthMethod = .simple) -> [UInt8] { magic + [version, auth.rawValue] }

    /// The connection header behind its 4-byte length.
    public static func writeConnectionHeader(_ header: HBaseConnectionHeader, into out: inout ByteBuffer) throws {
        let bytes: [UInt8] = try header.serializedBytes()
        out.writeInteger(UInt32(bytes.count))
        out.writeBytes(bytes)
    }

    /// One call's frame: length, header, request message (when given), cell block (when given).
    public static func writeRequest(
        callId: UInt32, method: String, param: (any SwiftProtobuf.Message)?, cellBlock: ByteBuffer? = nil, priority: UInt32? = nil,
        into out: inout ByteBuffer
    ) throws {
        let headerBytes: [UInt8]
        if cellBlock == nil && priority == nil {
            headerBytes = plainRequestHeader(callId: callId, method: method, requestParam: param != nil)
        } else {
            var header = HBaseRequestHeader()
            header.callID = callId
            header.methodName = method
            header.requestParam = param != nil
            if let cellBlock { header.cellBlockMeta.length = UInt32(cellBlock.readableBytes) }
            if let priority { header.priority = priority }
            headerBytes = try header.serializedBytes()
        }
        try writeFrame(headerBytes: headerBytes, message: param, cellBlock: cellBlock, into: &out)
    }

    /// The `RequestHeader` of a call without a cell block or a priority, as SwiftProtobuf writes it (proto2:
    /// each field set is written, `request_param` too when false), encoded by hand: every call has one.
    package static func plainRequestHeader(callId: UInt32, method: String, requestParam: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(10 + method.utf8.count)
        ProtobufWire.putTag(1, lengthDelimited: false, into: &out)
        ProtobufWire.putVarint(UInt64(callId), into: &out)
        ProtobufWire.putTag(3, lengthDelimited: true, into: &out)
        ProtobufWire.putVarint(UInt64(method.utf8.count), into: &out)
        out.append(contentsOf: method.utf8)
        ProtobufWire.putTag(4, lengthDelimited: false, into: &out)
        out.append(requestParam ? 1 : 0)
        return out
    }

    /// The `ResponseHeader` of an answer without an exception or a cell block: its call id alone.
    package static func plainResponseHeader(callId: UInt32) -> [UInt8] {
        var out: [UInt8] = [0x08]
        ProtobufWire.putVarint(UInt64(callId), into: &out)
        return out
    }

    /// One response's frame: length, header (with the exception, if any), message, cell block.
    public static func writeResponse(
        callId: UInt32, result: (any SwiftProtobuf.Message)?, exception: HBaseExceptionResponse? = nil, cellBlock: ByteBuffer? = nil,
        into out: inout ByteBuffer
    ) throws {
        let block = exception == nil ? cellBlock : nil
        let headerBytes: [UInt8]
        if exception == nil && block == nil {
            headerBytes = plainResponseHeader(callId: callId)
        } else {
            var header = HBaseResponseHeader()
            header.callID = callId
            if let exception { header.exception = exception }
            if let block { header.cellBlockMeta.length = UInt32(block.readableBytes) }
            headerBytes = try header.serializedBytes()
        }
        try writeFrame(headerBytes: headerBytes, message: exception == nil ? result : nil, cellBlock: block, into: &out)
    }

    private static func writeFrame(
        headerBytes: [UInt8], message: (any SwiftProtobuf.Message)?, cellBlock: ByteBuffer?, into out: inout ByteBuffer
    ) throws {
        let messageBytes: [UInt8]? = try message?.serializedBytes()
        var total = varintLength(UInt64(headerBytes.count)) + headerBytes.count
        if let messageBytes { total += varintLength(UInt64(messageBytes.count)) + messageBytes.count }
        total += cellBlock?.readableBytes ?? 0
        out.reserveCapacity(minimumWritableBytes: 4 + total)
        out.writeInteger(UInt32(total))
        writeVarint(UInt64(headerBytes.count), into: &out)
        out.writeBytes(headerBytes)
        if let messageBytes {
            writeVarint(UInt64(messageBytes.count), into: &out)
            out.writeBytes(messageBytes)
        }
        if var cellBlock { out.writeBuffer(&cellBlock) }
    }

    // MARK: - Reading frames (the bytes after the 4-byte length)

    /// A call as a server reads it: the header, the request message's bytes and the cell block, each a
    /// slice of the frame.
    public struct Request: Sendable {
        public var header: HBaseRequestHeader
        /// The request message's bytes (nil when the header says there is none).
        public var param: ByteBuffer?
        public var cellBlock: ByteBuffer?
    }

    /// A response as a client reads it.
    public struct Response: Sendable {
        public var header: HBaseResponseHeader
        public var message: ByteBuffer?
        public var cellBlock: ByteBuffer?
    }

    /// Reads a call's frame. The request message runs to the end of the frame, less the cell block the
    /// header announces: its varint length is only checked to be at least that long (hbase-driver writes
    /// an over-long varint for messages of 128 bytes or more, and HBase reads such calls all the same).
    public static func readRequest(_ frame: ByteBuffer) throws -> Request {
        var b = frame
        let header = try readDelimited(HBaseRequestHeader.self, from: &b, what: "request header")
        let block = header.hasCellBlockMeta ? Int(header.cellBlockMeta.length) : 0
        guard block <= b.readableBytes else {
            throw ProtocolError(.malformedRequest, "call \(header.callID) announces a \(block)-byte cell block, but only \(b.readableBytes) bytes follow its header")
        }
        let cellBlock = block > 0 ? b.getSlice(at: b.writerIndex - block, length: block) : nil
        var param: ByteBuffer?
        if header.requestParam {
            let declared = try readVarint(from: &b, what: "request length of call \(header.callID)")
            guard b.readableBytes >= block else {
                throw ProtocolError(.malformedRequest, "call \(header.callID) announces a \(block)-byte cell block, but only \(b.readableBytes) bytes follow its request length")
            }
            param = b.readSlice(length: Int(min(declared, UInt64(b.readableBytes - block))))
        }
        return Request(header: header, param: param, cellBlock: cellBlock)
    }

    /// Reads a response's frame.
    public static func readResponse(_ frame: ByteBuffer) throws -> Response {
        var b = frame
        let header = try readDelimited(HBaseResponseHeader.self, from: &b, what: "response header")
        let block = header.hasCellBlockMeta ? Int(header.cellBlockMeta.length) : 0
        guard block <= b.readableBytes else {
            throw ProtocolError(.malformedData, "response to call \(header.callID) announces a \(block)-byte cell block, but only \(b.readableBytes) bytes follow")
        }
        var message: ByteBuffer?
        if !header.hasException && b.readableBytes > block {
            let length = try readVarint(from: &b, what: "response length of call \(header.callID)")
            guard length <= UInt64(b.readableBytes - block) else {
                throw ProtocolError(.malformedData, "response to call \(header.callID) declares \(length) bytes but \(b.readableBytes - block) follow")
            }
            message = b.readSlice(length: Int(length))
        }
        let cellBlock = block > 0 ? b.readSlice(length: block) : nil
        return Response(header: header, message: message, cellBlock: cellBlock)
    }

    /// Decodes a message from the bytes of a slice without copying them.
    public static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from bytes: ByteBuffer?, what: String) throws -> M {
        guard let bytes else { return M() }
        do {
            return try bytes.withUnsafeReadableBytes { raw in try M(serializedBytes: raw.bytes) }
        } catch {
            throw ProtocolError(.malformedRequest, "\(what) (\(M.protoMessageName)) does not decode: \(error)")
        }
    }

    private static func readDelimited<M: SwiftProtobuf.Message>(_ type: M.Type, from b: inout ByteBuffer, what: String) throws -> M {
        let length = try readVarint(from: &b, what: what)
        guard length <= UInt64(b.readableBytes), let slice = b.readSlice(length: Int(length)) else {
            throw ProtocolError(.malformedRequest, "the \(what) declares \(length) bytes but only \(b.readableBytes) remain in the frame")
        }
        return try decode(type, from: slice, what: "the \(what)")
    }

    // MARK: - Varints

    public static func varintLength(_ v: UInt64) -> Int {
        var n = 1
        var x = v >> 7
        while x != 0 {
            n += 1
            x >>= 7
        }
        return n
    }

    public static func writeVarint(_ value: UInt64, into out: inout ByteBuffer) {
        var v = value
        while v >= 0x80 {
            out.writeInteger(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.writeInteger(UInt8(v))
    }

    /// Reads a varint of at most 10 bytes.
    public static func readVarint(from b: inout ByteBuffer, what: String) throws -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while shift < 70 {
            guard let byte: UInt8 = b.readInteger() else {
                throw ProtocolError(.malformedRequest, "the \(what) ends inside its varint length")
            }
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        throw ProtocolError(.malformedRequest, "the \(what) has a varint longer than 10 bytes")
    }
}
