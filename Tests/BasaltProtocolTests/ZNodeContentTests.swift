import BasaltCore
import BasaltProtocol
import Foundation
import Testing

/// Znode content as HBase writes it, so every HBase client finds the master: `0xFF`, the id's length and
/// the id, `PBUF`, then HBase's `Master` message.
@Suite struct ZNodeContentTests {
    @Test func theMasterZNodeHoldsHBasesMasterMessage() throws {
        let server = ServerName(host: "h", port: 16000, startCode: 5)
        let bytes = try PBUFCodec.masterZNode(server, id: "m", infoPort: 16010)
        // 0xFF | id length 1 | "m" | "PBUF" | Master{master{host "h", port 16000, start_code 5}, rpc_version 0, info_port 16010}
        let expected: [UInt8] = [0xFF, 0, 0, 0, 1, 0x6D] + Array("PBUF".utf8)
            + [0x0A, 0x08, 0x0A, 0x01, 0x68, 0x10, 0x80, 0x7D, 0x18, 0x05, 0x10, 0x00, 0x18, 0x8A, 0x7D]
        #expect(bytes == expected)
        #expect(try PBUFCodec.masterServer(from: bytes) == server)
    }

    @Test func aBareServerNameFromAnOlderMasterStillReads() throws {
        let server = ServerName(host: "old-host", port: 16000, startCode: 7)
        let legacy = try PBUFCodec.encodeZNode(Basalt_ServerName(server), id: "master:16000")
        #expect(try PBUFCodec.masterServer(from: legacy) == server)
        #expect(throws: ProtocolError.self) { _ = try PBUFCodec.masterServer(from: [0xFF, 0, 0, 0, 0] + Array("PBUF".utf8)) }
    }
}
