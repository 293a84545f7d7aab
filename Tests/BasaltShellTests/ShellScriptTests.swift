import BasaltClient
import BasaltCore
import BasaltShell
import BasaltTestSupport
import Foundation
import Synchronization
import Testing

/// Data-driven shell tests: each `Scripts/NAME.hbase` is shell input, run statement by statement against
/// a MiniCluster; the output (each statement echoed as `hbase> ...`, then what the shell printed) must
/// equal `Scripts/NAME.out` once durations, current times, ports, region ids and encoded names are
/// normalised. `{{region TABLE ROW}}` in a script stands for the encoded name of the region holding ROW
/// at that moment, `{{regionname TABLE ROW}}` for its full name, `{{server N}}` for region server N. Set BASALT_SHELL_RECORD=1 to rewrite the `.out`
/// files from a run (then read the diff before committing it).
@Suite(.serialized) struct ShellScriptTests {
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts")

    /// Collects everything the shell writes, in order.
    final class Transcript: Sendable {
        let text = Mutex("")
        func append(_ s: String) { text.withLock { $0 += s } }
    }

    static func run(script name: String) async throws {
        let input = try String(contentsOf: scripts.appendingPathComponent(name + ".hbase"), encoding: .utf8)
        let expectedURL = scripts.appendingPathComponent(name + ".out")
        var actual = ""
        // A first line `# regionservers: N` sets the cluster's size (2 by default).
        let servers = input.split(separator: "\n").first.flatMap { line in
            line.hasPrefix("# regionservers: ") ? Int(line.dropFirst("# regionservers: ".count)) : nil
        } ?? 2
        try await MiniCluster.run(regionServers: servers) { cluster, connection in
            let transcript = Transcript()
            let shell = Shell(
                connection: connection, formatter: ShellFormatter(width: 0, timeZone: TimeZone(identifier: "UTC") ?? .current),
                output: .init(out: transcript.append, err: transcript.append), readAnswer: { "y" })
            var pending: [String] = []
            for line in input.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
                pending.append(line)
                let text = pending.joined(separator: "\n")
                if ShellParser.isIncomplete(text) { continue }
                pending.removeAll()
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                transcript.append(text.split(separator: "\n").map { "hbase> " + $0 }.joined(separator: "\n") + "\n")
                await shell.run(try await expand(text, cluster: cluster, connection: connection))
            }
            if !pending.joined().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                let text = pending.joined(separator: "\n")
                transcript.append(text.split(separator: "\n").map { "hbase> " + $0 }.joined(separator: "\n") + "\n")
                await shell.run(text)
            }
            actual = normalise(transcript.text.withLock { $0 })
        }
        if ProcessInfo.processInfo.environment["BASALT_SHELL_RECORD"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        if actual != expected {
            let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let i = (0..<min(a.count, e.count)).first { a[$0] != e[$0] } ?? min(a.count, e.count)
            let saved = FileManager.default.temporaryDirectory.appendingPathComponent("\(name).actual.out")
            try? actual.write(to: saved, atomically: true, encoding: .utf8)
            Issue.record("""
                \(name): output differs at line \(i + 1) (whole output in \(saved.path))
                expected: \(i < e.count ? String(e[i]) : "<end>")
                actual:   \(i < a.count ? String(a[i]) : "<end>")
                """)
        }
    }

    /// Replaces `{{region TABLE ROW}}` and `{{server N}}`.
    static func expand(_ text: String, cluster: MiniCluster, connection: Connection) async throws -> String {
        var out = text
        while let open = out.range(of: "{{"), let close = out.range(of: "}}", range: open.upperBound..<out.endIndex) {
            let words = out[open.upperBound..<close.lowerBound].split(separator: " ").map(String.init)
            let value: String
            switch words.first {
            case "region" where words.count == 3:
                value = try await connection.regionLocator(try TableName(words[1])).location(row: Array(words[2].utf8), reload: true).region.encodedName
            case "regionname" where words.count == 3:
                value = try await connection.regionLocator(try TableName(words[1])).location(row: Array(words[2].utf8), reload: true).region.regionNameAsString
            case "server" where words.count == 2:
                let servers = cluster.regionServers.compactMap(\.serverName).sorted { $0.description < $1.description }
                value = servers[Int(words[1]) ?? 0].description
            default:
                throw ClientError.invalidArgument("unknown placeholder \(out[open.lowerBound..<close.upperBound])")
            }
            out.replaceSubrange(open.lowerBound..<close.upperBound, with: value)
        }
        return out
    }

    /// Makes a transcript comparable run to run; echoed input lines are left alone.
    static func normalise(_ text: String) -> String {
        let rules: [(String, String)] = [
            (#"Took \d+\.\d{4} seconds"#, "Took N seconds"),
            (#"20[2-9]\d-\d\d-\d\dT[\d:.]+"#, "<NOW>"),
            (#"127\.0\.0\.1,\d+,\d+"#, "<SERVER>"),
            (#"127\.0\.0\.1:\d+ \d{13}"#, "<SERVER>"),
            (#"127\.0\.0\.1:\d+"#, "<HOST:PORT>"),
            (#"[0-9a-f]{32}"#, "<ENC>"),
            (#"\b\d{13}\b"#, "<ID>"),
            (#"(column=info:seqnumDuringOpen, timestamp=<NOW>, value=)\S+"#, "$1<SEQ>"),
            (#"(Count)=\d+"#, "$1=<N>"),
            (#"Moves calculated: \d+, moves executed: \d+"#, "Moves calculated: N, moves executed: N"),
            (#"-{3,}"#, "---"),
            (#"(storefiles|numberOfStorefiles|memstoreSizeMB|storefileSizeMB)=\d+"#, "$1=<N>"),
            (#"Aggregate load: \d+"#, "Aggregate load: <N>"),
            (#"^\S+ \(auth:SIMPLE\)$"#, "<USER> (auth:SIMPLE)"),
            (#"^    groups: .*$"#, "    groups: <GROUPS>"),
        ]
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            if line.hasPrefix("hbase> ") { return String(line) }
            var s = String(line)
            for (pattern, template) in rules {
                s = s.replacingOccurrences(of: pattern, with: template, options: .regularExpression)
            }
            if s.contains(" |") { s = s.replacingOccurrences(of: #" {2,}"#, with: " ", options: .regularExpression) }
            return s
        }.joined(separator: "\n")
    }

    @Test func ddl() async throws { try await Self.run(script: "ddl") }
    @Test func dml() async throws { try await Self.run(script: "dml") }
    @Test func deletes() async throws { try await Self.run(script: "deletes") }
    @Test func scans() async throws { try await Self.run(script: "scans") }
    @Test func tools() async throws { try await Self.run(script: "tools") }
    @Test func errors() async throws { try await Self.run(script: "errors") }
    @Test func general() async throws { try await Self.run(script: "general") }
    @Test func namespaces() async throws { try await Self.run(script: "namespaces") }
}
