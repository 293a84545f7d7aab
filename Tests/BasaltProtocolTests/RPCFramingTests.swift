import BasaltCore
import Foundation
import BasaltProtocol
import NIOCore
import SwiftProtobuf
import Testing

/// HBase's RPC framing byte for byte: the preamble, the connection header, a call, the over-long varint
/// hbase-driver writes, a cell block in HBase's KeyValue layout, and responses with and without an
/// exception. The expected bytes are worked out by hand from the protobuf encoding and `rpc.adoc`.
@Suite struct RPCFramingTests {
    static func hex(_ b: ByteBuffer) -> String { b.readableBytesView.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
    static func hex(_ b: [UInt8]) -> String { b.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined() }
    static func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = hex.startIndex
        while i < hex.endIndex {
            let j = hex.index(i, offsetBy: 2)
            out.append(UInt8(hex[i..<j], radix: 16)!)
            i = j
        }
        return out
    }

    @Test func preambleAndConnectionHeader() throws {
        #expect(Self.hex(RPCFraming.preamble()) == "484261730050")
        var header = HBaseConnectionHeader()
        header.userInfo.effectiveUser = "u"
        header.serviceName = "ClientService"
        var out = ByteBuffer()
        try RPCFraming.writeConnectionHeader(header, into: &out)
        // length 20 | user_info{effective_user "u"} | service_name "ClientService"
        #expect(Self.hex(out) == "00000014" + "0a030a0175" + "120d" + Self.hex(Array("ClientService".utf8)))
    }

    static func getRequest() -> HBaseGetRequest {
        var request = HBaseGetRequest()
        request.region.type = .regionName
        request.region.value = Data("r".utf8)
        request.get.row = Data("k".utf8)
        return request
    }

    @Test func aCallFrame() throws {
        var out = ByteBuffer()
        try RPCFraming.writeRequest(callId: 1, method: "Get", param: Self.getRequest(), into: &out)
        // total 23 | header (9): call_id 1, method_name "Get", request_param true | request (12): region{REGION_NAME, "r"}, get{row "k"}
        #expect(Self.hex(out) == "00000017" + "09" + "0801" + "1a03476574" + "2001" + "0c" + "0a050801120172" + "12030a016b")
        let frame = out.getSlice(at: 4, length: out.readableBytes - 4)!
        let call = try RPCFraming.readRequest(frame)
        #expect(call.header.callID == 1 && call.header.methodName == "Get")
        let decoded = try RPCFraming.decode(HBaseGetRequest.self, from: call.param, what: "get")
        #expect(decoded == Self.getRequest())
        // proto2 defaults: nothing was sent for max_versions or cache_blocks, and they read as HBase's defaults.
        #expect(decoded.get.maxVersions == 1 && decoded.get.cacheBlocks)
        #expect(call.cellBlock == nil)
    }

    /// hbase-driver encodes the request's varint length through UTF-8, so lengths of 128 and more come out
    /// too large (200 → `c3 88 01`, which reads as 17475). HBase reads the request to the end of the frame.
    @Test func anOverLongVarintRequestLengthReadsToTheEndOfTheFrame() throws {
        var put = HBaseMutateRequest()
        put.region.type = .regionName
        put.region.value = Data("t,,1.abcdef.".utf8)
        put.mutation.row = Data("row".utf8)
        put.mutation.mutateType = .put
        var cv = HBaseMutationProto.ColumnValue()
        cv.family = Data("f".utf8)
        var qv = HBaseMutationProto.ColumnValue.QualifierValue()
        qv.qualifier = Data("q".utf8)
        qv.value = Data(repeating: 0x61, count: 150)
        cv.qualifierValue = [qv]
        put.mutation.columnValue = [cv]
        let param: [UInt8] = try put.serializedBytes()
        #expect(param.count >= 128)
        var header = HBaseRequestHeader()
        header.callID = 7
        header.methodName = "Mutate"
        header.requestParam = true
        let h: [UInt8] = try header.serializedBytes()
        let buggy = hbaseDriverVarint(param.count)
        #expect(buggy.count == 3)
        var frame = ByteBuffer()
        frame.writeInteger(UInt8(h.count))
        frame.writeBytes(h)
        frame.writeBytes(buggy)
        frame.writeBytes(param)
        var declared = frame.getSlice(at: 1 + h.count, length: 3)!
        #expect(try RPCFraming.readVarint(from: &declared, what: "test") > UInt64(param.count))
        let call = try RPCFraming.readRequest(frame)
        #expect(call.param?.readableBytes == param.count)
        #expect(try RPCFraming.decode(HBaseMutateRequest.self, from: call.param, what: "mutate") == put)
    }

    @Test func aCellBlockInHBasesKeyValueLayout() throws {
        var block = ByteBuffer()
        let cell = Cell(row: b("r"), family: b("f"), qualifier: b("q"), timestamp: 1, type: .put, value: b("v"))
        KeyValueCodec.write(cell, into: &block)
        // length 24 | key length 15 | value length 1 | row length 1, "r" | family length 1, "f" | "q" | ts 1 | Put (4) | "v"
        #expect(Self.hex(block) == "00000018" + "0000000f" + "00000001" + "000172" + "0166" + "71" + "0000000000000001" + "04" + "76")
        let marker = Cell(row: b("row2"), family: b("fam"), qualifier: [], timestamp: 1_700_000_000_000, type: .deleteFamily)
        KeyValueCodec.write(marker, into: &block)
        var read = block
        #expect(try KeyValueCodec.read(&read) == [cell, marker])

        var out = ByteBuffer()
        try RPCFraming.writeRequest(callId: 3, method: "Mutate", param: Self.getRequest(), cellBlock: block, into: &out)
        let call = try RPCFraming.readRequest(out.getSlice(at: 4, length: out.readableBytes - 4)!)
        #expect(call.header.cellBlockMeta.length == UInt32(block.readableBytes))
        var got = try #require(call.cellBlock)
        #expect(try KeyValueCodec.read(&got, count: 1) == [cell])
        #expect(try KeyValueCodec.read(&got) == [marker])
        #expect(try RPCFraming.decode(HBaseGetRequest.self, from: call.param, what: "get") == Self.getRequest())
    }

    @Test func aCellBlockThatLiesIsRefused() throws {
        var block = ByteBuffer()
        KeyValueCodec.write(Cell(row: b("r"), family: b("f"), qualifier: b("q"), timestamp: 1, type: .put, value: b("v")), into: &block)
        var short = block.getSlice(at: 0, length: block.readableBytes - 1)!
        #expect(throws: ProtocolError.self) { try KeyValueCodec.read(&short) }
        var badType = block
        badType.setInteger(UInt8(5), at: 4 + 8 + 15 - 1)
        #expect(throws: ProtocolError.self) { try KeyValueCodec.read(&badType) }
    }

    @Test func responsesWithAMessageOrAnException() throws {
        var result = HBaseGetResponse()
        result.result.exists = true
        var out = ByteBuffer()
        try RPCFraming.writeResponse(callId: 9, result: result, into: &out)
        // total 8 | header (2): call_id 9 | response (4): result{exists true}
        #expect(Self.hex(out) == "00000008" + "02" + "0809" + "04" + "0a021801")
        let read = try RPCFraming.readResponse(out.getSlice(at: 4, length: out.readableBytes - 4)!)
        #expect(read.header.callID == 9 && !read.header.hasException)
        #expect(try RPCFraming.decode(HBaseGetResponse.self, from: read.message, what: "get") == result)

        var failed = ByteBuffer()
        let e = RPCException(HBaseExceptionClass.tableNotFound, "table t does not exist", doNotRetry: true)
        try RPCFraming.writeResponse(callId: 10, result: result, exception: e.proto, into: &failed)
        let back = try RPCFraming.readResponse(failed.getSlice(at: 4, length: failed.readableBytes - 4)!)
        #expect(back.message == nil)
        let error = RPCException.decode(back.header.exception)
        #expect(error.exceptionClassName == HBaseExceptionClass.tableNotFound)
        #expect(error.message == "table t does not exist")
        #expect(!error.isRetryable)
    }

    /// The headers of plain calls and answers, encoded by hand, are SwiftProtobuf's: call ids across the
    /// varint widths, method names from empty to 300 bytes, with and without a request message.
    @Test func handEncodedHeadersAreSwiftProtobufs() throws {
        var rng = SplitMix64(seed: 20)
        for n in 0..<400 {
            let id = [0, 1, 127, 128, 16_384, UInt32.max, UInt32(truncatingIfNeeded: rng.next())][n % 7]
            let method = String(repeating: "m", count: [0, 1, 3, 127, 128, 300, Int(rng.next() % 40)][Int(rng.next() % 7)])
            let param = rng.next() % 2 == 0
            var request = HBaseRequestHeader()
            request.callID = id
            request.methodName = method
            request.requestParam = param
            #expect(RPCFraming.plainRequestHeader(callId: id, method: method, requestParam: param) == (try request.serializedBytes() as [UInt8]))
            var response = HBaseResponseHeader()
            response.callID = id
            #expect(RPCFraming.plainResponseHeader(callId: id) == (try response.serializedBytes() as [UInt8]))
        }
    }

    @Test func truncatedFramesAreErrorsNotCrashes() throws {
        var out = ByteBuffer()
        try RPCFraming.writeRequest(callId: 1, method: "Get", param: Self.getRequest(), into: &out)
        let whole = out.getSlice(at: 4, length: out.readableBytes - 4)!
        for cut in 0..<whole.readableBytes {
            let part = whole.getSlice(at: 0, length: cut)!
            // Either an error, or (cut inside the request message) a request that does not decode.
            if let call = try? RPCFraming.readRequest(part) {
                #expect(throws: (any Error).self) { _ = try RPCFraming.decode(HBaseGetRequest.self, from: call.param, what: "get") }
            }
        }
    }
}

func b(_ s: String) -> [UInt8] { Array(s.utf8) }

/// A varint as hbase-driver writes one: each byte taken as a code point and written as UTF-8, so every
/// byte of 0x80 and above becomes two.
func hbaseDriverVarint(_ value: Int) -> [UInt8] {
    var v = value
    var out: [UInt8] = []
    while true {
        let byte = v >= 0x80 ? UInt8(v & 0x7F) | 0x80 : UInt8(v)
        out += Array(String(UnicodeScalar(byte)).utf8)
        if v < 0x80 { return out }
        v >>= 7
    }
}
