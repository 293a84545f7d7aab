import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on a free loopback port forwarding to a loopback `targetPort`, for partition tests: a
/// process given the proxy's port instead of the target's is cut off by `cut()`, which drops every
/// connection and stops listening, so reconnecting fails too. Blocking sockets on their own threads.
public final class TCPProxy: Sendable {
    public let port: Int
    private let listener: Int32
    private let state = Mutex<(cut: Bool, sockets: [Int32])>((false, []))

    public init(targetPort: Int) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw POSIXError(.EMFILE) }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else {
            close(listener)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listener = listener
        Thread.detachNewThread { [self] in acceptLoop(listener, targetPort: targetPort) }
    }

    /// Drops every connection and stops listening: the partition.
    public func cut() {
        // Under the lock: a connection's sockets are closed (and leave the list) under it too, so no
        // number here has been reused.
        state.withLock { s in
            s.cut = true
            for socket in s.sockets { shutdown(socket, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    /// Whether something accepts TCP connections on a loopback port.
    public static func accepts(port: Int) -> Bool {
        guard let s = connectedSocket(port: port) else { return false }
        close(s)
        return true
    }

    /// A socket connected to a loopback port, or nil.
    private static func connectedSocket(port: Int) -> Int32? {
        let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard s >= 0 else { return nil }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
        if !connected { close(s) }
        return connected ? s : nil
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = UInt16(port).bigEndian
        a.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return a
    }

    private func acceptLoop(_ listener: Int32, targetPort: Int) {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                return
            }
            guard let upstream = Self.connectedSocket(port: targetPort) else {
                close(client)
                continue
            }
            let admitted = state.withLock { s in
                if s.cut { return false }
                s.sockets += [client, upstream]
                return true
            }
            guard admitted else {
                close(client)
                close(upstream)
                continue
            }
            // Two pumps per connection; the second to finish closes both sockets.
            let pair = ConnectionPair { [self] in
                state.withLock { s in
                    s.sockets.removeAll { $0 == client || $0 == upstream }
                    close(client)
                    close(upstream)
                }
            }
            Thread.detachNewThread { pair.pump(from: client, to: upstream) }
            Thread.detachNewThread { pair.pump(from: upstream, to: client) }
        }
    }
}

private final class ConnectionPair: Sendable {
    let finished = Atomic<Int>(0)
    let release: @Sendable () -> Void

    init(release: @escaping @Sendable () -> Void) { self.release = release }

    func pump(from source: Int32, to sink: Int32) {
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        copying: while true {
            let n = buffer.withUnsafeMutableBytes { read(source, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            var sent = 0
            while sent < n {
                let w = buffer.withUnsafeBytes { write(sink, $0.baseAddress! + sent, n - sent) }
                if w < 0 && errno == EINTR { continue }
                guard w > 0 else { break copying }
                sent += w
            }
        }
        shutdown(sink, Int32(SHUT_WR))
        shutdown(source, Int32(SHUT_RD))
        if finished.add(1, ordering: .acquiringAndReleasing).newValue == 2 { release() }
    }
}
