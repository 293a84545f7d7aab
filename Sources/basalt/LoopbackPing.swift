import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The loopback TCP round trip the networked benchmarks are judged against: one thread echoes, another
/// sends `size` bytes and waits for them back, `count` times, with blocking sockets and TCP_NODELAY. What
/// the kernel and two thread wake-ups cost, with no protocol at all.
enum LoopbackPing {
    /// The round trips' latencies and the seconds the timed ones took.
    static func measure(count: Int, size: Int = 100) throws -> (LatencyHistogram, Double) {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw PingError("socket: \(String(cString: strerror(errno)))") }
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        try withUnsafeMutablePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                guard bind(listener, sa, length) == 0, listen(listener, 1) == 0, getsockname(listener, sa, &length) == 0 else {
                    throw PingError("bind: \(String(cString: strerror(errno)))")
                }
            }
        }
        let echo = Thread {
            let peer = accept(listener, nil, nil)
            guard peer >= 0 else { return }
            Self.noDelay(peer)
            var buffer = [UInt8](repeating: 0, count: size)
            while Self.readFully(peer, &buffer) { _ = buffer.withUnsafeBytes { write(peer, $0.baseAddress, size) } }
            close(peer)
        }
        echo.start()
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(client) }
        try withUnsafePointer(to: &address) { p in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                guard connect(client, sa, length) == 0 else { throw PingError("connect: \(String(cString: strerror(errno)))") }
            }
        }
        noDelay(client)
        var histogram = LatencyHistogram()
        var buffer = [UInt8](repeating: 7, count: size)
        var timed: UInt64 = 0
        for i in 0..<(count + count / 10) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = buffer.withUnsafeBytes { write(client, $0.baseAddress, size) }
            guard readFully(client, &buffer) else { throw PingError("the echo thread closed") }
            if i >= count / 10 {  // the first tenth warms up
                let took = DispatchTime.now().uptimeNanoseconds - start
                histogram.record(nanos: took)
                timed += took
            }
        }
        return (histogram, Double(timed) / 1e9)
    }

    private static func noDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    private static func readFully(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var done = 0
        let n = buffer.count
        while done < n {
            let r = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + done, n - done) }
            if r <= 0 { return false }
            done += r
        }
        return true
    }

    struct PingError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }
}
