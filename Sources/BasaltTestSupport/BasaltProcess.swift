import Foundation

/// Runs the `basalt` binary as a child process, for tests that need a real process (kill -9, exit codes).
/// The binary is `$BASALT_BIN`, else `.build/debug/basalt` under the package root. For tests only.
public struct BasaltProcess: Sendable {
    public let binary: String

    public init(packageRoot: String) throws {
        let env = ProcessInfo.processInfo.environment["BASALT_BIN"]
        binary = env ?? packageRoot + "/.build/debug/basalt"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw NSError(domain: "basalt-tests", code: 1, userInfo: [NSLocalizedDescriptionKey: "no basalt binary at \(binary): run `swift build` first (scripts/test does)"])
        }
    }

    /// The package root, from a test file's `#filePath` (Tests/<Target>/<File>.swift).
    public static func packageRoot(from filePath: String) -> String {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Starts the binary; stdout and stderr go to the returned pipes.
    public func start(_ arguments: [String]) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs to completion, with `input` on stdin (none when nil); returns the exit status and both outputs.
    public func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = arguments
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input == nil ? FileHandle.nullDevice : inPipe
        try p.run()
        if let input {
            inPipe.fileHandleForWriting.write(Data(input.utf8))
            try inPipe.fileHandleForWriting.close()
        }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `run` without holding a Swift concurrency thread: async tests that also host a MiniCluster in
    /// this process must not block the cooperative pool (two threads on two cores) while a child runs.
    public func runInBackground(_ arguments: [String], input: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await Self.offPool { try run(arguments, input: input) }
    }

    /// Runs blocking work on a Dispatch thread and awaits it.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }
}
