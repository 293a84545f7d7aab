import BasaltCore
import Foundation

/// Bounds how long a stop may take: `basalt.shutdown.timeout` (ms, 30 s by default; 0 or less waits as
/// long as the stop takes). Armed when a stop begins; if the stop has not finished when it fires, the
/// process says so and exits with status 1. Nothing acknowledged is lost that way: every write the WAL
/// holds is replayed at the next start. A watchdog thread of its own, so a stuck task or event loop
/// cannot hold it up.
enum ShutdownWatchdog {
    static let timeoutKey = "basalt.shutdown.timeout"
    static let defaultTimeoutMs = 30_000

    /// Reads the bound (validated when the command starts, not when it stops).
    static func timeout(_ conf: BasaltConfiguration) throws -> Duration? {
        let ms = try conf.int(timeoutKey, default: defaultTimeoutMs)
        return ms > 0 ? .milliseconds(ms) : nil
    }

    /// Starts the countdown for a stop that has just begun.
    static func arm(_ timeout: Duration?) {
        guard let timeout else { return }
        let thread = Thread {
            Thread.sleep(forTimeInterval: Double(timeout.inMilliseconds) / 1000)
            FileHandle.standardError.write(Data(
                "basalt: the stop took longer than \(timeoutKey) (\(timeout.inMilliseconds) ms); exiting now (the WAL is replayed at the next start)\n".utf8))
            exit(1)
        }
        thread.name = "basalt-shutdown-watchdog"
        thread.start()
    }
}
