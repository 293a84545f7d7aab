/// The Thrift protocols the gateway speaks, as a connection's first bytes reveal them.
public enum ThriftProtocol: Sendable, Hashable, CustomStringConvertible {
    /// `TBinaryProtocol`; `strict` when messages carry the version word (every modern client).
    case binary(strict: Bool)
    /// `TCompactProtocol`.
    case compact

    /// The protocol a message starting with `first` is written in.
    public static func detect(first: UInt8) -> ThriftProtocol {
        switch first {
        case 0x80: .binary(strict: true)
        case ThriftCompactProtocol.protocolId: .compact
        default: .binary(strict: false)
        }
    }

    public var description: String {
        switch self {
        case .binary(true): "binary"
        case .binary(false): "binary (non-strict)"
        case .compact: "compact"
        }
    }
}

/// Reads and writes whole messages in either protocol.
public enum ThriftCodec {
    /// Decodes the message at the start of `bytes`; returns it and how many bytes it took. Throws
    /// `.incomplete` when the bytes end inside the message, `.malformed` when they are not Thrift.
    public static func decode(_ bytes: UnsafeRawBufferPointer, as proto: ThriftProtocol) throws(ThriftError) -> (ThriftMessage, Int) {
        var input = ThriftInput(bytes)
        let message: ThriftMessage
        switch proto {
        case .binary: message = try ThriftBinaryProtocol.readMessage(&input).0
        case .compact: message = try ThriftCompactProtocol.readMessage(&input)
        }
        return (message, input.position)
    }

    /// Like `decode`, but nil when the bytes end inside the message.
    public static func decodeIfComplete(_ bytes: UnsafeRawBufferPointer, as proto: ThriftProtocol) throws(ThriftError) -> (ThriftMessage, Int)? {
        do {
            return try decode(bytes, as: proto)
        } catch {
            if error.kind == .incomplete { return nil }
            throw error
        }
    }

    /// Decodes one message that fills `bytes` (a frame).
    public static func decode(_ bytes: [UInt8], as proto: ThriftProtocol) throws(ThriftError) -> ThriftMessage {
        let result: Result<(ThriftMessage, Int), ThriftError> = bytes.withUnsafeBytes { raw in
            do throws(ThriftError) { return .success(try decode(raw, as: proto)) } catch { return .failure(error) }
        }
        let (message, used) = try result.get()
        guard used == bytes.count else { throw .malformed("\(bytes.count - used) bytes follow the message in its frame") }
        return message
    }

    /// Encodes a message; with `framed`, behind its 4-byte big-endian length.
    public static func encode(_ message: ThriftMessage, as proto: ThriftProtocol, framed: Bool) -> [UInt8] {
        var out = ThriftOutput(capacity: 512)
        if framed { out.bigEndian(UInt32(0)) }
        switch proto {
        case .binary(let strict): ThriftBinaryProtocol.writeMessage(message, strict: strict, into: &out)
        case .compact: ThriftCompactProtocol.writeMessage(message, into: &out)
        }
        if framed {
            let n = UInt32(out.bytes.count - 4)
            for i in 0..<4 { out.bytes[i] = UInt8(truncatingIfNeeded: n >> (24 - 8 * UInt32(i))) }
        }
        return out.bytes
    }
}
