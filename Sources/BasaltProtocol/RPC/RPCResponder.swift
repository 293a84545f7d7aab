import NIOCore
import SwiftProtobuf

/// Sends the answer to one call, from any thread: a message (and a cell block when the connection
/// negotiated `KeyValueCodec`), or an exception. The first answer counts; later ones are ignored by the
/// client (no call id matches). A value type; safe to share.
public struct RPCResponder: Sendable {
    let channel: any Channel
    public let callId: UInt32
    /// Whether the connection asked for cell blocks (its header named `KeyValueCodec`).
    public let cellBlocks: Bool

    init(channel: any Channel, callId: UInt32, cellBlocks: Bool) {
        self.channel = channel
        self.callId = callId
        self.cellBlocks = cellBlocks
    }

    /// A buffer to build a cell block in.
    public func makeBuffer(capacity: Int = 256) -> ByteBuffer { channel.allocator.buffer(capacity: capacity) }

    public func reply(_ message: some SwiftProtobuf.Message, cellBlock: ByteBuffer? = nil) {
        send([frame(message, cellBlock: cellBlock)])
    }

    public func fail(_ exception: RPCException) {
        send([frame(exception)])
    }

    /// The frame answering with `message` (an `IOException` if it does not encode), for `send`.
    public func frame(_ message: some SwiftProtobuf.Message, cellBlock: ByteBuffer? = nil) -> ByteBuffer {
        var out = channel.allocator.buffer(capacity: 64 + (cellBlock?.readableBytes ?? 0))
        do {
            try RPCFraming.writeResponse(callId: callId, result: message, cellBlock: cellBlock, into: &out)
            return out
        } catch {
            return frame(RPCException(HBaseExceptionClass.ioException, "the response does not encode: \(error)", doNotRetry: false))
        }
    }

    /// The frame answering with `exception`, for `send`.
    public func frame(_ exception: RPCException) -> ByteBuffer {
        var out = channel.allocator.buffer(capacity: 128 + exception.message.utf8.count)
        // An exception always encodes (no required fields are missing).
        try? RPCFraming.writeResponse(callId: callId, result: nil, exception: exception.proto, into: &out)
        return out
    }

    /// Writes answers of this responder's connection (its own and others' of the same connection) with
    /// one flush: one wake of the event loop and one system call for all of them.
    public func send(_ frames: [ByteBuffer]) {
        let channel = channel
        if channel.eventLoop.inEventLoop {
            for f in frames { channel.write(f, promise: nil) }
            channel.flush()
        } else {
            channel.eventLoop.execute {
                for f in frames { channel.write(f, promise: nil) }
                channel.flush()
            }
        }
    }
}
