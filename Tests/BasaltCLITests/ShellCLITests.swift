import BasaltTestSupport
import Foundation
import Testing

/// `basalt shell` as scripts use it: `-n` on piped commands stops at the first failure with status 1
/// and HBase's message; without `-n` piped commands all run; `-e` runs commands from the command line.
@Suite(.serialized) struct ShellCLITests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    @Test func nonInteractiveStopsAtTheFirstFailure() async throws {
        try await MiniCluster.run(regionServers: 1) { cluster, _ in
            let quorum = "hbase.zookeeper.quorum=" + (cluster.configuration["hbase.zookeeper.quorum"] ?? "")
            let script = """
                create 'cli', 'f'
                put 'cli', 'r1', 'f:a', 'one', 1500000000000
                get 'cli', 'r1'
                put 'nosuch', 'r1', 'f:a', 'x'
                put 'cli', 'r2', 'f:a', 'never'

                """
            let run = try await basalt.runInBackground(["shell", "-n", "-D", quorum], input: script)
            #expect(run.status == 1)
            #expect(run.stdout.contains("Created table cli"))
            #expect(run.stdout.contains(" f:a timestamp=") && run.stdout.contains("value=one"))
            #expect(run.stderr.contains("ERROR: Unknown table nosuch!"), "\(run.stderr)")
            // Nothing after the failing command ran.
            let check = try await basalt.runInBackground(["shell", "-n", "-D", quorum], input: "scan 'cli'\n")
            #expect(check.status == 0, "\(check.stderr)")
            #expect(check.stdout.contains("1 row(s)"))
            #expect(!check.stdout.contains("never"))

            // Without -n, piped commands go on past a failure and the status is 0.
            let lenient = try await basalt.runInBackground(["shell", "-D", quorum], input: "put 'nosuch', 'r', 'f:a', 'x'\nput 'cli', 'r3', 'f:a', 'three'\n")
            #expect(lenient.status == 0)
            #expect(lenient.stderr.contains("ERROR: Unknown table nosuch!"))
            let after = try await basalt.runInBackground(["shell", "-e", "count 'cli'", "-D", quorum])
            #expect(after.status == 0)
            #expect(after.stdout.contains("2 row(s)") && after.stdout.contains("=> 2"))

            // -e: a failure gives status 1; a syntax error too; exit N ends with N.
            #expect(try await basalt.runInBackground(["shell", "-e", "describe 'nosuch'", "-D", quorum]).status == 1)
            let syntax = try await basalt.runInBackground(["shell", "-e", "scan 'cli', {LIMIT => }", "-D", quorum])
            #expect(syntax.status == 1 && syntax.stderr.contains("SyntaxError"))
            #expect(try await basalt.runInBackground(["shell", "-e", "list; exit 3", "-D", quorum]).status == 3)
        }
    }

    @Test func anUnreachableClusterIsAClearError() async throws {
        let run = try await basalt.runInBackground(["shell", "-n", "-D", "hbase.zookeeper.quorum=127.0.0.1:1", "-D", "zookeeper.session.timeout=1000"], input: "list\n")
        #expect(run.status == 1)
        #expect(run.stderr.contains("ZooKeeper"), "\(run.stderr)")
    }
}

/// The interactive shell on a real terminal (a pseudo-terminal): prompt, line editing and history.
@Suite(.serialized) struct InteractiveShellTests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    /// A pseudo-terminal pair: the shell gets the follower side as stdin and stdout.
    final class Terminal {
        let leader: Int32
        let follower: Int32
        var seen = ""

        init() throws {
            // /dev/ptmx with Linux's ioctls (Glibc's posix_openpt and ptsname are not visible to Swift):
            // TIOCSPTLCK unlocks the follower, TIOCGPTN names it.
            leader = open("/dev/ptmx", O_RDWR | O_NOCTTY)
            var unlock: Int32 = 0
            var number: UInt32 = 0
            guard leader >= 0, ioctl(leader, 0x4004_5431, &unlock) == 0, ioctl(leader, 0x8004_5430, &number) == 0 else {
                throw NSError(domain: "basalt-tests", code: 3, userInfo: [NSLocalizedDescriptionKey: "no pseudo-terminal"])
            }
            let name = "/dev/pts/\(number)"
            follower = open(name, O_RDWR | O_NOCTTY)
            guard follower >= 0 else { throw NSError(domain: "basalt-tests", code: 3, userInfo: [NSLocalizedDescriptionKey: "cannot open the pseudo-terminal"]) }
            var size = winsize(ws_row: 40, ws_col: 200, ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(follower, UInt(TIOCSWINSZ), &size)
        }

        func type(_ s: String) {
            let bytes = Array(s.utf8)
            _ = bytes.withUnsafeBytes { write(leader, $0.baseAddress, $0.count) }
        }

        /// Reads until `text` has appeared after what was already consumed, or the deadline passes; on a
        /// Dispatch thread, so the cluster in this process keeps its concurrency threads meanwhile.
        func waitFor(_ text: String, seconds: Double = 20) async -> Bool {
            let box = UncheckedBox(self)
            return (try? await BasaltProcess.offPool { box.value.readUntil(text, seconds: seconds) }) ?? false
        }

        func readUntil(_ text: String, seconds: Double) -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let r = seen.range(of: text) {
                    seen = String(seen[r.upperBound...])
                    return true
                }
                var fds = pollfd(fd: leader, events: Int16(POLLIN), revents: 0)
                guard poll(&fds, 1, 100) > 0 else { continue }
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { read(leader, $0.baseAddress, $0.count) }
                if n <= 0 { return false }
                seen += String(decoding: buffer[..<n], as: UTF8.self)
            }
            return false
        }

        deinit {
            close(leader)
            close(follower)
        }
    }

    @Test func promptEditingAndHistory() async throws {
        try await MiniCluster.run(regionServers: 1) { cluster, _ in
            let home = try TemporaryDirectory(prefix: "basalt-shell-home")
            defer { home.remove() }
            let terminal = try Terminal()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: basalt.binary)
            p.arguments = ["shell", "-D", "hbase.zookeeper.quorum=" + (cluster.configuration["hbase.zookeeper.quorum"] ?? "")]
            p.environment = ["HOME": home.path, "PATH": "/usr/bin:/bin"]
            let handle = FileHandle(fileDescriptor: terminal.follower, closeOnDealloc: false)
            p.standardInput = handle
            p.standardOutput = handle
            p.standardError = handle
            try p.run()
            defer {
                if p.isRunning { p.terminate() }
                p.waitUntilExit()
            }
            #expect(await terminal.waitFor("basalt:001:0> "))
            // Typing with corrections: Home then the missing first letter, a word deleted with Ctrl-W,
            // a character removed with Delete after moving left.
            terminal.type("reate 'tty', 'f'\u{01}c\u{05} oops\u{17}\u{7F}x\u{1B}[D\u{1B}[3~\r")
            #expect(await terminal.waitFor("Created table tty"), "\(terminal.seen)")
            #expect(await terminal.waitFor("basalt:002:0> "))
            // A statement over two lines gets a continuation prompt.
            terminal.type("put 'tty', 'r1',\r")
            #expect(await terminal.waitFor("basalt:002:1* "))
            terminal.type("'f:a', 'v1'\r")
            #expect(await terminal.waitFor("basalt:003:0> "))
            terminal.type("count 'tty'\r")
            #expect(await terminal.waitFor("=> 1"))
            #expect(await terminal.waitFor("basalt:004:0> "))
            // Up arrow brings back the last line; Ctrl-U clears a line.
            terminal.type("garbage\u{15}\u{1B}[A\r")
            #expect(await terminal.waitFor("=> 1"))
            #expect(await terminal.waitFor("basalt:005:0> "))
            // Typed ahead while a command runs: kept, not flushed when the editor takes the terminal back.
            terminal.type("version\rexit\r")
            #expect(await terminal.waitFor("rbasalt"))
            // Bounded: a shell that does not exit fails the test instead of hanging the run.
            let exited = try await BasaltProcess.offPool { () -> Bool in
                let deadline = Date().addingTimeInterval(20)
                while p.isRunning && Date() < deadline { usleep(50_000) }
                return !p.isRunning
            }
            #expect(exited, "the shell did not exit after 'exit'")
            if exited { #expect(p.terminationStatus == 0) }
            let history = (try? String(contentsOfFile: home.path + "/.basalt_history", encoding: .utf8)) ?? ""
            #expect(history.contains("create 'tty', 'f'") && history.contains("count 'tty'"))
        }
    }
}

/// Hands a non-Sendable test object to a Dispatch thread; the test awaits that thread, so only one side
/// touches it at a time.
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
