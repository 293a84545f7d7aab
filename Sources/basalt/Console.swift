import Foundation
import Synchronization

/// Buffered standard output and unbuffered standard error for the shell, safe to call from any task:
/// output collects in a buffer written out when it fills or on `flush()`; errors flush output first so
/// the two streams stay in order on one terminal.
enum Console {
    private static let buffer = Mutex<[UInt8]>([])

    static func out(_ s: String) {
        let full = buffer.withLock { b -> [UInt8]? in
            b.append(contentsOf: s.utf8)
            guard b.count >= 64 << 10 else { return nil }
            defer { b.removeAll(keepingCapacity: true) }
            return b
        }
        if let full { write(STDOUT_FILENO, full) }
    }

    static func flush() {
        let pending = buffer.withLock { b -> [UInt8] in
            defer { b.removeAll(keepingCapacity: true) }
            return b
        }
        write(STDOUT_FILENO, pending)
    }

    static func err(_ s: String) {
        flush()
        write(STDERR_FILENO, Array(s.utf8))
    }

    /// Writes all of `data` to `fd`, unbuffered.
    static func write(_ fd: Int32, _ data: [UInt8]) {
        var offset = 0
        while offset < data.count {
            let n = data.withUnsafeBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return Foundation.write(fd, base + offset, buffer.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}
