import BasaltCore
import BasaltProtocol
import BasaltTestSupport
import Foundation
import Testing
@testable import BasaltClient

/// The client's retry policy and region location cache driven by the case files in testdata/. Run with
/// BASALT_REWRITE=1 to record new outputs.
@Suite struct ClientPolicyDataDrivenTests {
    static func check(_ name: String, _ handler: (DataDrivenCase) throws -> String) throws {
        let mismatches = try DataDriven.run(file: DataDriven.testData(name), handler)
        #expect(mismatches.isEmpty, "\(DataDriven.report(mismatches))")
    }

    // MARK: retry

    /// - `policy [retries=N] [pause=ms]`: a RetryPolicy from `hbase.client.retries.number` and
    ///   `hbase.client.pause`, as a Connection makes it.
    /// - `pauses [attempts=(...)]`: the sleep after each failed attempt (by default every one a call can
    ///   make before it gives up), as the base pause; the jitter is checked to be within 1%.
    /// - `run`, input one failure or `ok` per attempt: the decisions of `Connection.retrying`, step by step
    ///   (see `RetryScript`).
    @Test func retry() throws {
        var policy = RetryPolicy()
        try Self.check("retry.txt") { c in
            switch c.command {
            case "policy":
                var values: [String: String] = [:]
                if let r = try c.string("retries") { values["hbase.client.retries.number"] = r }
                if let p = try c.string("pause") { values["hbase.client.pause"] = p }
                policy = try RetryPolicy(BasaltConfiguration(values))
                return "retries=\(policy.retries) attempts=\(policy.attempts) pause=\(policy.pauseMs)ms"
            case "pauses":
                let attempts = try c.ints("attempts") ?? Array(stride(from: 1, to: policy.attempts, by: 1))
                if attempts.isEmpty { return "no pauses" }
                return attempts.map { "after attempt \($0): " + RetryScript.pause(policy, attempt: $0) }.joined(separator: "\n")
            case "run":
                return try RetryScript.run(policy, c.parsedInput())
            default:
                throw DataDrivenError("unknown command '\(c.command)'")
            }
        }
    }

    // MARK: location cache

    /// A LocationCache, without a cluster. Keys are written as `Bytes.toStringBinary` prints them
    /// (`\xNN` for any byte); servers as `host` or `host@startcode` (port 16020, start code 1 by default).
    ///
    /// - `add table=T start=K end=K server=S [id=N]`, `remove ...` (same arguments): one location.
    /// - `remove-server server=S`, `clear table=T`.
    /// Each of those prints the whole cache after it. `find table=T row=(...)` prints each row's hit.
    @Test func locationCache() throws {
        let cache = LocationCache()
        var added: [RegionLocation] = []
        try Self.check("location.txt") { c in
            switch c.command {
            case "add", "remove":
                let location = try Self.location(c)
                if c.command == "add" {
                    cache.add(location)
                    if !added.contains(location) { added.append(location) }
                } else {
                    cache.remove(location)
                }
            case "remove-server":
                cache.remove(server: try Self.server(try c.string("server", default: "")))
            case "clear":
                cache.clear(try TableName(try c.string("table", default: "")))
            case "find":
                let table = try TableName(try c.string("table", default: ""))
                return try (c.strings("row") ?? []).map { text in
                    let found = cache.find(table, row: try Self.bytes(text))
                    return "'\(text)' -> " + (found.map(Self.describe) ?? "miss")
                }.joined(separator: "\n")
            default:
                throw DataDrivenError("unknown command '\(c.command)'")
            }
            // The cache has no listing: a location is cached when a lookup of its own start key finds it
            // (cached regions never overlap).
            let cached = added.filter { cache.find($0.region.table, row: $0.region.startKey) == $0 }.sorted {
                $0.region.table != $1.region.table
                    ? $0.region.table < $1.region.table
                    : CellComparator.compareBytes($0.region.startKey, $1.region.startKey) < 0
            }
            return cached.isEmpty ? "(empty)" : cached.map(Self.describe).joined(separator: "\n")
        }
    }

    static func location(_ c: DataDrivenCase) throws -> RegionLocation {
        let region = RegionInfo(
            table: try TableName(try c.string("table", default: "")), startKey: try bytes(try c.string("start", default: "")),
            endKey: try bytes(try c.string("end", default: "")), regionId: Int64(try c.int("id", default: 1)))
        return RegionLocation(region: region, server: try server(try c.string("server", default: "")))
    }

    static func server(_ text: String) throws -> ServerName {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty, parts.count <= 2 else { throw DataDrivenError("bad server '\(text)'") }
        guard let code = parts.count == 2 ? Int64(parts[1]) : 1 else { throw DataDrivenError("bad start code in '\(text)'") }
        return ServerName(host: String(host), port: 16020, startCode: code)
    }

    static func describe(_ l: RegionLocation) -> String {
        let server = l.server.startCode == 1 ? l.server.host : "\(l.server.host)@\(l.server.startCode)"
        return "\(l.region.table) [\(Bytes.toStringBinary(l.region.startKey)), \(Bytes.toStringBinary(l.region.endKey))) "
            + "id=\(l.region.regionId) on \(server)"
    }

    /// The bytes of a key written as `Bytes.toStringBinary` prints it: `\xNN` is one byte, anything else
    /// its UTF-8.
    static func bytes(_ text: String) throws -> [UInt8] {
        let u = Array(text.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < u.count {
            if u[i] == UInt8(ascii: "\\") {
                guard i + 3 < u.count, u[i + 1] == UInt8(ascii: "x"),
                      let byte = Bytes.fromHex(String(decoding: u[(i + 2)...(i + 3)], as: UTF8.self))?.first
                else { throw DataDrivenError("bad escape in '\(text)': use \\xNN") }
                out.append(byte)
                i += 4
            } else {
                out.append(u[i])
                i += 1
            }
        }
        return out
    }
}

/// The retry loop of `Connection.retrying`, replayed on scripted failures: a non-retryable failure ends
/// the call at once; a retryable one counts an attempt and either gives up (`RETRIES_EXHAUSTED`) once
/// the attempts reach `attempts` (the retries and the first), or sleeps the policy's pause. The loop itself needs a live coordination
/// session, so its decisions are retold here with the real policy and the real error conversions.
enum RetryScript {
    /// Something to throw that is neither a Basalt error nor a protocol one.
    struct PlainError: Error, CustomStringConvertible {
        var description: String { "boom" }
    }

    /// Input lines: `ok`, `remote <ExceptionClass> [do-not-retry] [message="..."]`, `connection`,
    /// `too-large`, `malformed`, `in-transition`, `plain`.
    static func run(_ policy: RetryPolicy, _ lines: [DataDrivenLine]) throws -> String {
        var out: [String] = []
        var attempt = 0
        for (index, line) in lines.enumerated() {
            if line.command == "ok" {
                out.append("attempt \(attempt + 1): ok")
                out.append("result: ok after \(attempt + 1) attempts")
                return finish(out, unused: lines.count - index - 1)
            }
            let thrown = try failure(line)
            let e = ClientError(thrown)
            var step = "attempt \(attempt + 1): \(e.code) \(e.exceptionName)"
            if e.isRetryable { step += " retryable" }
            if e.invalidatesLocation { step += " relocate" }
            guard e.isRetryable else {
                out.append(step + " -> fail")
                out.append("result: \(e)")
                return finish(out, unused: lines.count - index - 1)
            }
            attempt += 1
            if attempt >= policy.attempts {
                out.append(step + " -> give up")
                out.append("result: \(ClientError.retriesExhausted(attempt, last: e))")
                return finish(out, unused: lines.count - index - 1)
            }
            out.append(step + " -> pause " + pause(policy, attempt: attempt))
        }
        throw DataDrivenError("the script ended before the call succeeded or gave up")
    }

    static func finish(_ out: [String], unused: Int) -> String {
        (unused > 0 ? out + ["(\(unused) line(s) not reached)"] : out).joined(separator: "\n")
    }

    static func failure(_ line: DataDrivenLine) throws -> any Error {
        switch line.command {
        case "remote":
            guard let name = line.words.first else { throw DataDrivenError("remote needs an exception class") }
            return ProtocolError(remote: name, message: try line.string("message", default: "failed"), doNotRetry: line.has("do-not-retry"))
        case "connection": return ProtocolError(.connection, "refused")
        case "too-large": return ProtocolError(.tooLarge, "response of 300 MB")
        case "malformed": return ProtocolError(.malformedData, "truncated cell")
        case "in-transition": return ClientError.regionInTransition("region r is opening")
        case "plain": return PlainError()
        default: throw DataDrivenError("unknown failure '\(line.command)'")
        }
    }

    /// The policy's sleep after failed attempt `attempt`, as its base: the largest of pause × HBase's
    /// multipliers that is not over the sleep, after checking that the rest is at most 1% jitter.
    static func pause(_ policy: RetryPolicy, attempt: Int) -> String {
        let d = policy.pause(beforeAttempt: attempt)
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        let bases = Set(RetryPolicy.backoff.map { policy.pauseMs * $0 }).sorted()
        guard let base = bases.last(where: { $0 <= ms }) else { return "unexpected \(ms)ms" }
        let jitter = Int64(Double(base) * 0.01)
        guard ms <= base + jitter else { return "unexpected \(ms)ms" }
        return jitter > 0 ? "\(base)ms (jitter up to \(jitter)ms)" : "\(base)ms"
    }
}
