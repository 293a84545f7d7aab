import BasaltCore
import Foundation
import SwiftProtobuf

/// HBase's framing for protobufs it stores outside RPCs: `PBUF` then the message bytes (meta's
/// `info:regioninfo`), and for znode content a `0xFF` magic byte, a 4-byte big-endian id length, the id
/// (who wrote it), then `PBUF` and the message (`meta-region-server`, `master`). Stateless.
public enum PBUFCodec {
    public static let magic: [UInt8] = Array("PBUF".utf8)
    public static let znodeMagic: UInt8 = 0xFF

    /// `PBUF` + the message.
    public static func encode(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
        magic + (try message.serializedBytes() as [UInt8])
    }

    /// The message after `PBUF`.
    public static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from bytes: [UInt8]) throws -> M {
        guard bytes.count >= magic.count, Array(bytes.prefix(magic.count)) == magic else {
            throw ProtocolError(.malformedData, "expected the PBUF magic before a \(M.protoMessageName)")
        }
        do {
            return try M(serializedBytes: Data(bytes.dropFirst(magic.count)))
        } catch {
            throw ProtocolError(.malformedData, "a \(M.protoMessageName) does not decode: \(error)")
        }
    }

    /// Znode content: `0xFF`, id length, id, `PBUF`, message.
    public static func encodeZNode(_ message: some SwiftProtobuf.Message, id: String) throws -> [UInt8] {
        let idBytes = Array(id.utf8)
        var out: [UInt8] = [znodeMagic]
        withUnsafeBytes(of: UInt32(idBytes.count).bigEndian) { out.append(contentsOf: $0) }
        out += idBytes
        out += try encode(message)
        return out
    }

    /// The message in znode content written by `encodeZNode` (or by HBase).
    public static func decodeZNode<M: SwiftProtobuf.Message>(_ type: M.Type, from bytes: [UInt8]) throws -> M {
        guard bytes.count >= 5, bytes[0] == znodeMagic else {
            throw ProtocolError(.malformedData, "znode content for a \(M.protoMessageName) does not start with the 0xFF magic")
        }
        let idLength = Int(bytes[1]) << 24 | Int(bytes[2]) << 16 | Int(bytes[3]) << 8 | Int(bytes[4])
        guard idLength <= bytes.count - 5 else {
            throw ProtocolError(.malformedData, "znode content for a \(M.protoMessageName) has an id longer than itself")
        }
        return try decode(type, from: Array(bytes[(5 + idLength)...]))
    }

    /// `meta-region-server` content naming `server`, with meta open there (or, with `open: false`,
    /// still opening: a master records its target before it opens meta).
    public static func metaRegionServer(_ server: ServerName, id: String, open: Bool = true) throws -> [UInt8] {
        var m = Basalt_MetaRegionServer()
        m.server = Basalt_ServerName(server)
        m.rpcVersion = BasaltProtocol.rpcVersion
        m.state = open ? .open : .opening
        return try encodeZNode(m, id: id)
    }

    /// The server named in `meta-region-server` content.
    public static func metaServer(from bytes: [UInt8]) throws -> ServerName {
        try metaLocation(from: bytes).server
    }

    /// The server named in `meta-region-server` content, and whether meta is open there.
    public static func metaLocation(from bytes: [UInt8]) throws -> (server: ServerName, open: Bool) {
        let m = try decodeZNode(Basalt_MetaRegionServer.self, from: bytes)
        guard m.hasServer else { throw ProtocolError(.malformedData, "meta-region-server names no server") }
        return (m.server.toServerName(), m.state == .open)
    }
}
