import BasaltCore
import Foundation

/// How a master fences a dead region server's storage client: a command (`basalt.fs.fence.command`)
/// run with `{owner}` replaced by the identity the server recorded. Exit status 0 means fenced. On CephFS:
/// `ceph tell mds.* client evict id={owner}`, after which the client's writes fail and its `flock`s are
/// released. The command runs without a shell, its words split on spaces, within `timeout`
/// (`basalt.fs.fence.timeout.ms`). A value type.
package struct FenceCommand: Sendable, Equatable {
    package static let ownerPlaceholder = "{owner}"
    package static let commandKey = "basalt.fs.fence.command"
    package static let timeoutKey = "basalt.fs.fence.timeout.ms"
    package static let defaultTimeout: Duration = .seconds(30)

    /// The program and its arguments; at least one word holds `{owner}`.
    package let words: [String]
    package let timeout: Duration

    package init(words: [String], timeout: Duration = Self.defaultTimeout) throws {
        guard let first = words.first, !first.isEmpty else {
            throw StorageError(.invalidArgument, "\(Self.commandKey) is empty; give a command such as 'ceph tell mds.* client evict id=\(Self.ownerPlaceholder)'")
        }
        guard words.contains(where: { $0.contains(Self.ownerPlaceholder) }) else {
            throw StorageError(.invalidArgument, "\(Self.commandKey) '\(words.joined(separator: " "))' does not name \(Self.ownerPlaceholder), so it cannot fence one server")
        }
        self.words = words
        self.timeout = timeout
    }


    /// The words with `owner` put in.
    package func arguments(owner: String) -> [String] {
        words.map { $0.replacingOccurrences(of: Self.ownerPlaceholder, with: owner) }
    }

    /// Runs the command for `owner`; throws unless it exits 0 within the timeout. Blocking.
    package func run(owner: String) throws {
        guard !owner.isEmpty, !owner.contains(where: \.isWhitespace) else {
            throw StorageError(.invalidArgument, "storage client identity '\(owner)' is empty or has spaces; it cannot be fenced")
        }
        let args = arguments(owner: owner)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = args
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw StorageError(.io, "fence command '\(args.joined(separator: " "))' cannot start: \(error)")
        }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            if ContinuousClock.now >= deadline {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                throw StorageError(.io, "fence command '\(args.joined(separator: " "))' did not finish within \(timeout)")
            }
            usleep(10_000)
        }
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw StorageError(.io, "fence command '\(args.joined(separator: " "))' exited \(process.terminationStatus): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }
}
