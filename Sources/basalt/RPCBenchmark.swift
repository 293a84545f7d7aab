import ArgumentParser
import BasaltProtocol
import Foundation
import NIOCore
import NIOPosix

extension BenchCommand {
    /// `basalt bench rpc`: the native RPC transport alone, against the loopback TCP round trip of the
    /// same run: one client task calls an echo service in the same process, answered on the event loop,
    /// and again answered from a handler thread (where engine calls run); the task first on Swift's
    /// cooperative pool, then on the client connection's event loop.
    struct RPC: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rpc", abstract: "Time the native RPC transport's round trip against a plain loopback TCP ping-pong.")

        @Option(help: "Calls (and pings) to time.") var num: Int = 20_000
        @Flag(help: "One JSON object per benchmark on stdout.") var json = false

        struct Echo: RPCService {
            let name = "EchoService"
            let pool: NIOThreadPool?
            func handle(_ call: RPCCall, responder: RPCResponder) {
                guard let pool else {
                    responder.reply((try? call.request(HBaseNameStringPair.self)) ?? HBaseNameStringPair())
                    return
                }
                pool.submit { _ in responder.reply((try? call.request(HBaseNameStringPair.self)) ?? HBaseNameStringPair()) }
            }
        }

        func run() async throws {
            let (ping, pingSeconds) = try LoopbackPing.measure(count: num)
            BenchmarkReport(name: "tcp-ping", ops: num, seconds: pingSeconds, histogram: ping, threads: 1, durability: "-").emit(json: json)
            let pool = NIOThreadPool(numberOfThreads: 2)
            pool.start()
            // The calling task on Swift's cooperative pool (two hand-offs per call), then on the
            // connection's event loop (none).
            for (name, handlerPool, onLoop) in [
                ("rpc-echo-event-loop", nil, false), ("rpc-echo-handler-thread", pool, false),
                ("rpc-echo-event-loop-caller-on-loop", nil, true), ("rpc-echo-handler-thread-caller-on-loop", pool, true),
            ] as [(String, NIOThreadPool?, Bool)] {
                let server = try await RPCServer.start(host: "127.0.0.1", port: 0, services: [Echo(pool: handlerPool)])
                let client = try await RPCClientConnection.connect(host: "127.0.0.1", port: server.port, service: "EchoService")
                let executor = onLoop ? EventLoopTaskExecutor(client.eventLoop) : nil
                let (histogram, seconds) = try await withTaskExecutorPreference(executor) { try await timeCalls(client) }
                BenchmarkReport(name: name, ops: num, seconds: seconds, histogram: histogram, threads: 1, durability: "-",
                                extraText: [String(format: "p50 %.1f× the TCP ping", histogram.quantile(0.5) / max(ping.quantile(0.5), 1))]).emit(json: json)
                await client.close()
                await server.stop()
            }
            try await pool.shutdownGracefully()
        }

        /// `num` echo calls one after another (after a tenth more to warm up): their latencies and seconds.
        private func timeCalls(_ client: RPCClientConnection) async throws -> (LatencyHistogram, Double) {
            var request = HBaseNameStringPair()
            request.name = "ping"
            request.value = String(repeating: "x", count: 80)
            var histogram = LatencyHistogram()
            let started = ContinuousClock.now
            for i in 0..<(num + num / 10) {
                let t = DispatchTime.now().uptimeNanoseconds
                _ = try await client.call("Echo", request)
                if i >= num / 10 { histogram.record(nanos: DispatchTime.now().uptimeNanoseconds - t) }
            }
            return (histogram, Double((ContinuousClock.now - started).inMilliseconds) / 1000)
        }
    }
}
