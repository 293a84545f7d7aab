import BasaltCore
import BasaltProtocol
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SwiftProtobuf
import Testing

/// The native RPC transport over loopback: many calls in flight on one connection answered as they
/// finish, exceptions with HBase's class names, cell blocks both ways, and bad input (a wrong preamble,
/// garbage, an unknown service, a frame of 2 GB, a truncated frame, a dropped connection) refused
/// without disturbing other connections.
@Suite(.serialized) struct RPCTransportTests {
    /// A service for the tests: `Echo` answers the NameStringPair it got, `Slow` answers after the
    /// milliseconds its value names, `Fail` answers an exception, `Cells` answers the cells it got, twice.
    struct TestService: RPCService {
        let name = "TestService"

        func handle(_ call: RPCCall, responder: RPCResponder) {
            do throws(RPCException) {
                switch call.method {
                case "Echo":
                    responder.reply(try call.request(HBaseNameStringPair.self))
                case "Slow":
                    let request = try call.request(HBaseNameStringPair.self)
                    Task {
                        try? await Task.sleep(for: .milliseconds(Int(request.value) ?? 0))
                        responder.reply(request)
                    }
                case "Fail":
                    throw RPCException(HBaseExceptionClass.tableNotFound, "table nope does not exist", doNotRetry: true)
                case "Cells":
                    guard var block = call.cellBlock else { throw RPCException(HBaseExceptionClass.doNotRetry, "no cell block", doNotRetry: true) }
                    let cells = try call.cells(&block)
                    var out = responder.makeBuffer()
                    for c in cells + cells { KeyValueCodec.write(c, into: &out) }
                    var reply = HBaseNameStringPair()
                    reply.name = "cells"
                    reply.value = "\(cells.count * 2)"
                    responder.reply(reply, cellBlock: out)
                default:
                    throw RPCException(HBaseExceptionClass.unknownProtocol, "no method \(call.method)", doNotRetry: true)
                }
            } catch {
                responder.fail(error)
            }
        }
    }

    static func pair(_ name: String, _ value: String) -> HBaseNameStringPair {
        var p = HBaseNameStringPair()
        p.name = name
        p.value = value
        return p
    }

    static func withServer(limits: RPCLimits = RPCLimits(), _ body: (RPCServer) async throws -> Void) async throws {
        let server = try await RPCServer.start(host: "127.0.0.1", port: 0, services: [TestService()], limits: limits)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func callsInFlightAreAnsweredAsTheyFinish() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService")
            let order = Names()
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Gaps of seconds: under the whole suite's load the three tasks may start a few hundred
                // ms apart, and the order must still be the server's, not the start's.
                for (name, ms) in [("slow", 3000), ("fast", 0), ("middle", 1500)] {
                    group.addTask {
                        let answer = try await c.call("Slow", Self.pair(name, "\(ms)"), returning: HBaseNameStringPair.self)
                        #expect(answer.name == name)
                        order.list.withLock { $0.append(name) }
                    }
                }
                try await group.waitForAll()
            }
            #expect(order.list.withLock { $0 } == ["fast", "middle", "slow"])
            // Hundreds of calls at once on the one connection.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<500 {
                    group.addTask {
                        let answer = try await c.call("Echo", Self.pair("n\(i)", String(repeating: "x", count: i)), returning: HBaseNameStringPair.self)
                        #expect(answer == Self.pair("n\(i)", String(repeating: "x", count: i)))
                    }
                }
                try await group.waitForAll()
            }
            await c.close()
        }
    }

    /// Tasks on the connection's event loop make their calls and get their answers there; more calls than
    /// one write takes (`callsPerWrite`) go out in several writes, each answered right.
    @Test func callsFromTasksOnTheEventLoop() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService")
            let executor = EventLoopTaskExecutor(c.eventLoop)
            let onLoop = try await withThrowingTaskGroup(of: Bool.self) { group in
                for i in 0..<100 {
                    group.addTask(executorPreference: executor) {
                        let before = c.eventLoop.inEventLoop
                        let answer = try await c.call("Echo", Self.pair("n\(i)", String(repeating: "y", count: i * 13)), returning: HBaseNameStringPair.self)
                        #expect(answer == Self.pair("n\(i)", String(repeating: "y", count: i * 13)))
                        return before && c.eventLoop.inEventLoop
                    }
                }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(onLoop == 100)
            await c.close()
        }
    }

    @Test func exceptionsCarryHBasesClassNames() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService")
            let e = await #expect(throws: ProtocolError.self) { _ = try await c.call("Fail", Self.pair("a", "b")) }
            #expect(e?.exceptionClassName == "org.apache.hadoop.hbase.TableNotFoundException")
            #expect(e?.message == "table nope does not exist")
            #expect(e?.isRetryable == false)
            let unknown = await #expect(throws: ProtocolError.self) { _ = try await c.call("NoSuchMethod", Self.pair("a", "b")) }
            #expect(unknown?.exceptionClassName == HBaseExceptionClass.unknownProtocol)
            // The connection still serves.
            #expect(try await c.call("Echo", Self.pair("a", "b"), returning: HBaseNameStringPair.self) == Self.pair("a", "b"))
            await c.close()
        }
    }

    @Test func cellBlocksBothWays() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService", cellBlocks: true)
            let cells = (0..<50).map { i in
                Cell(row: b("r\(i)"), family: b("f"), qualifier: b("q"), timestamp: Int64(i), type: i % 5 == 0 ? .deleteColumn : .put, value: [UInt8](repeating: UInt8(i), count: i * 100))
            }
            var block = ByteBuffer()
            for cell in cells { KeyValueCodec.write(cell, into: &block) }
            let reply = try await c.call("Cells", Self.pair("", ""), cellBlock: block)
            #expect(try reply.message(HBaseNameStringPair.self).value == "100")
            var back = try #require(reply.cellBlock)
            #expect(try KeyValueCodec.read(&back) == cells + cells)
            await c.close()
        }
    }

    @Test func aConnectionThatDiesFailsItsCallsAndTheServerGoesOn() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService")
            let slow = Task { try await c.call("Slow", Self.pair("a", "5000")) }
            try await Task.sleep(for: .milliseconds(100))
            await server.stop()
            let e = await #expect(throws: ProtocolError.self) { _ = try await slow.value }
            #expect(e?.kind == .connection)
            #expect(e?.isRetryable == true)
            await #expect(throws: ProtocolError.self) { _ = try await c.call("Echo", Self.pair("a", "b")) }
        }
    }

    /// A peer that stops answering (its machine died: no reset comes) holds a call only for the connection's
    /// call timeout; then the call fails as retryable and the connection closes, so a retry dials afresh. A
    /// call's own shorter timeout fails only that call.
    @Test func aCallTimeoutGivesUpOnASilentPeer() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService", callTimeout: .milliseconds(300))
            let own = await #expect(throws: ProtocolError.self) { _ = try await c.call("Slow", Self.pair("a", "3000"), timeout: .milliseconds(100)) }
            #expect(own?.kind == .connection)
            #expect(c.isActive)
            let started = ContinuousClock.now
            let e = await #expect(throws: ProtocolError.self) { _ = try await c.call("Slow", Self.pair("a", "3000")) }
            #expect(e?.kind == .connection)
            #expect(e?.isRetryable == true)
            #expect(e?.message.contains("hbase.rpc.timeout") == true)
            #expect(ContinuousClock.now - started < .seconds(2))
            try await Task.sleep(for: .milliseconds(100))
            #expect(!c.isActive)
            #expect(try RPCLimits(BasaltConfiguration()).callTimeout == .seconds(60))
            var conf = BasaltConfiguration()
            conf["hbase.rpc.timeout"] = "0"
            #expect(throws: CoreError.self) { try RPCLimits(conf) }
            #expect(RPCServiceName.basaltClient.boundedByCallTimeout && RPCServiceName.hbaseClient.boundedByCallTimeout)
            #expect(!RPCServiceName.basaltAdmin.boundedByCallTimeout && !RPCServiceName.hbaseMaster.boundedByCallTimeout)
        }
    }

    /// One timer serves every call of a connection: a call with an earlier deadline than those already in
    /// flight still gives up by its own, and the later call is not failed by it. The margins are seconds:
    /// under the whole suite's load a resumption can wait a second or two.
    @Test func anEarlierDeadlineRearmsTheConnectionsTimer() async throws {
        try await Self.withServer { server in
            let c = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService")
            let long = Task { try await c.call("Slow", Self.pair("a", "3000"), timeout: .seconds(20)) }
            try await Task.sleep(for: .milliseconds(50))
            let started = ContinuousClock.now
            let short = await #expect(throws: ProtocolError.self) { _ = try await c.call("Slow", Self.pair("a", "3000"), timeout: .milliseconds(100)) }
            #expect(short?.kind == .connection)
            #expect(short?.message.contains("no answer within") == true)
            #expect(ContinuousClock.now - started < .seconds(10), "the short call waited for the long one's deadline")
            #expect(c.isActive)
            await c.close()
            // The long call ends with the connection, not by a deadline of its own or of the short call.
            let longResult = await long.result
            let longError = #expect(throws: ProtocolError.self) { _ = try longResult.get() }
            #expect(longError?.message.contains("no answer within") == false, "\(String(describing: longError))")
        }
    }

    // MARK: - Bad input, through raw sockets

    /// Sends `bytes` on a fresh connection and returns what the server writes back before it closes (or
    /// within `wait`).
    static func raw(_ port: Int, _ bytes: [UInt8], wait: Duration = .seconds(3)) async throws -> (answer: [UInt8], closed: Bool) {
        let collected = Received()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collector(into: collected)) } }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes))
        let deadline = ContinuousClock.now + wait
        while channel.isActive && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let closed = !channel.isActive
        try? await channel.close()
        return (collected.bytes.withLock { $0 }, closed)
    }

    final class Received: Sendable { let bytes = Mutex<[UInt8]>([]) }
    final class Names: Sendable { let list = Mutex<[String]>([]) }

    final class Collector: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let into: Received
        init(into: Received) { self.into = into }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let b = unwrapInboundIn(data)
            into.bytes.withLock { $0 += b.readableBytesView }
        }
    }

    /// The exception class of the first response frame in `bytes`.
    static func exceptionClass(_ bytes: [UInt8]) throws -> String? {
        guard bytes.count > 4 else { return nil }
        let frame = ByteBuffer(bytes: Array(bytes[4...]))
        return try RPCFraming.readResponse(frame).header.exception.exceptionClassName
    }

    static func opening(service: String) throws -> [UInt8] {
        var header = HBaseConnectionHeader()
        header.userInfo.effectiveUser = "raw"
        header.serviceName = service
        var b = ByteBuffer(bytes: RPCFraming.preamble())
        try RPCFraming.writeConnectionHeader(header, into: &b)
        return Array(b.readableBytesView)
    }

    @Test func badInputIsRefusedAndOtherConnectionsAreServed() async throws {
        try await Self.withServer(limits: RPCLimits(maxMessageSize: 1 << 20)) { server in
            let good = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "TestService")

            let garbage = try await Self.raw(server.port, Array("GET / HTTP/1.1\r\n\r\n".utf8))
            #expect(garbage.closed)
            #expect(try Self.exceptionClass(garbage.answer) == HBaseExceptionClass.fatalConnection)

            let wrongVersion = try await Self.raw(server.port, Array("HBas".utf8) + [9, 0x50])
            #expect(wrongVersion.closed)
            #expect(try Self.exceptionClass(wrongVersion.answer) == HBaseExceptionClass.fatalConnection)

            let kerberos = try await Self.raw(server.port, Array("HBas".utf8) + [0, 0x51])
            #expect(kerberos.closed)

            let unknownService = try await Self.raw(server.port, try Self.opening(service: "NoSuchService"))
            #expect(unknownService.closed)
            #expect(try Self.exceptionClass(unknownService.answer) == HBaseExceptionClass.fatalConnection)

            // A frame announcing 2 GB: refused at once, nothing buffered.
            let huge = try await Self.raw(server.port, try Self.opening(service: "TestService") + [0x7F, 0xFF, 0xFF, 0xFF, 0x00])
            #expect(huge.closed)
            #expect(try Self.exceptionClass(huge.answer) == HBaseExceptionClass.requestTooBig)

            // A frame whose header does not decode.
            let badHeader = try await Self.raw(server.port, try Self.opening(service: "TestService") + [0, 0, 0, 3, 2, 0xFF, 0xFF])
            #expect(badHeader.closed)
            #expect(try Self.exceptionClass(badHeader.answer) == HBaseExceptionClass.fatalConnection)

            // A truncated frame, then the client goes away: nothing is answered, the server goes on.
            let truncated = try await Self.raw(server.port, try Self.opening(service: "TestService") + [0, 0, 0, 50, 1, 2, 3], wait: .milliseconds(300))
            #expect(!truncated.closed && truncated.answer.isEmpty)

            #expect(try await good.call("Echo", Self.pair("still", "here"), returning: HBaseNameStringPair.self) == Self.pair("still", "here"))
            await good.close()
        }
    }

    /// A call sent the way hbase-driver sends it (an over-long varint before a request of 128 bytes or
    /// more) is read to the end of its frame and answered.
    @Test func aCallWithAnOverLongVarintIsAnswered() async throws {
        try await Self.withServer { server in
            let request = Self.pair("driver", String(repeating: "y", count: 200))
            let param: [UInt8] = try request.serializedBytes()
            var header = HBaseRequestHeader()
            header.callID = 42
            header.methodName = "Echo"
            header.requestParam = true
            let h: [UInt8] = try header.serializedBytes()
            let body = [UInt8(h.count)] + h + hbaseDriverVarint(param.count) + param
            var frame: [UInt8] = withUnsafeBytes(of: UInt32(body.count).bigEndian) { Array($0) }
            frame += body
            let answer = try await Self.raw(server.port, try Self.opening(service: "TestService") + frame, wait: .milliseconds(500))
            let response = try RPCFraming.readResponse(ByteBuffer(bytes: Array(answer.answer.dropFirst(4))))
            #expect(response.header.callID == 42 && !response.header.hasException)
            #expect(try RPCFraming.decode(HBaseNameStringPair.self, from: response.message, what: "echo") == request)
        }
    }
}
