import BasaltTestSupport
import Foundation
import Testing

/// `basalt bench engine` killed with SIGKILL at random moments, then `verify`: every acknowledged write
/// must read back, and the WAL must stay readable. Real processes, real files.
@Suite(.serialized) struct EngineCrashTests {
    let basalt: BasaltProcess

    init() throws { basalt = try BasaltProcess(packageRoot: BasaltProcess.packageRoot(from: #filePath)) }

    @Test func acknowledgedWritesSurviveKillNine() throws {
        let dir = try TemporaryDirectory(prefix: "basalt-kill")
        defer { dir.remove() }
        let ackLog = dir.path + "/acks.log"
        var lastVerified = 0
        for cycle in 0..<4 {
            let (p, out, err) = try basalt.start([
                "bench", "engine", "--dir", dir.path + "/db", "--benchmarks", "fillrandom", "--num", "2000000",
                "--threads", cycle % 2 == 0 ? "1" : "4", "--durability", "SYNC_WAL", "--ack-log", ackLog, "--seed", "\(cycle + 1)",
            ])
            // Wait until this run is acknowledging writes (replaying earlier cycles takes a while), then
            // kill it at a random moment.
            let before = (try? FileManager.default.attributesOfItem(atPath: ackLog)[.size] as? Int) ?? 0
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, ((try? FileManager.default.attributesOfItem(atPath: ackLog)[.size] as? Int) ?? 0) <= before, p.isRunning {
                Thread.sleep(forTimeInterval: 0.02)
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.8))
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            _ = out.fileHandleForReading.readDataToEndOfFile()
            _ = err.fileHandleForReading.readDataToEndOfFile()
            #expect(p.terminationReason == .uncaughtSignal, "cycle \(cycle): the writer should have been killed mid-run")

            let verify = try basalt.run(["bench", "engine", "--dir", dir.path + "/db", "--benchmarks", "verify", "--num", "1", "--ack-log", ackLog])
            #expect(verify.status == 0, "cycle \(cycle): \(verify.stdout) \(verify.stderr)")
            let line = verify.stdout.split(separator: "\n").first { $0.hasPrefix("verified ") } ?? ""
            let parts = line.split(separator: " ")
            #expect(parts.count >= 4 && parts[1] == parts[3], "cycle \(cycle): \(line)")
            let n = parts.count >= 2 ? Int(parts[1]) ?? 0 : 0
            #expect(n > lastVerified, "cycle \(cycle): the log should grow with each run (\(n) after \(lastVerified))")
            lastVerified = n
        }
    }

    @Test func walDumpPrintsEntriesAndRefusesGarbage() throws {
        let dir = try TemporaryDirectory(prefix: "basalt-dump")
        defer { dir.remove() }
        let fill = try basalt.run(["bench", "engine", "--dir", dir.path, "--benchmarks", "fillseq", "--num", "5", "--key-size", "4"])
        #expect(fill.status == 0, "\(fill.stderr)")
        #expect(fill.stdout.contains("fillseq: "))
        let walDir = dir.path + "/WALs/bench"
        let file = try FileManager.default.contentsOfDirectory(atPath: walDir).filter { !$0.hasPrefix(".") }.sorted().first ?? ""
        let dump = try basalt.run(["wal", "dump", walDir + "/" + file, "-p"])
        #expect(dump.status == 0)
        #expect(dump.stdout.contains("Sequence=5 "))
        #expect(dump.stdout.contains("row=0003, column=family:q"))
        #expect(dump.stdout.contains("5 entries, 5 cells"))

        let garbage = dir.path + "/garbage"
        FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 0x41, count: 100))
        let bad = try basalt.run(["wal", "dump", garbage])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("not a Basalt WAL file"))
    }

    @Test func benchJSONAndBadFlags() throws {
        let dir = try TemporaryDirectory(prefix: "basalt-json")
        defer { dir.remove() }
        let r = try basalt.run(["bench", "engine", "--dir", dir.path, "--benchmarks", "fillrandom,readrandom", "--num", "1000", "--json"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        let memory = try JSONSerialization.jsonObject(with: Data((lines.last ?? "").utf8)) as? [String: Any]
        #expect(memory?["benchmark"] as? String == "memory")
        #expect((memory?["peak_rss_bytes"] as? Int ?? 0) > 1 << 20)
        #expect(memory?["block_cache_bytes"] as? Int == Int(Double(1 << 30) * 0.4))
        for (line, name) in zip(lines, ["fillrandom", "readrandom"]) {
            let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(obj?["benchmark"] as? String == name)
            #expect(obj?["ops"] as? Int == 1000)
            #expect((obj?["ops_per_sec"] as? Int ?? 0) > 0)
            #expect(obj?["p50_us"] != nil && obj?["p99_us"] != nil)
        }
        let bad = try basalt.run(["bench", "engine", "--dir", dir.path, "--benchmarks", "nonsense"])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("unknown benchmark 'nonsense'"))
        let noLog = try basalt.run(["bench", "engine", "--dir", dir.path, "--benchmarks", "verify"])
        #expect(noLog.status != 0)
        #expect(noLog.stderr.contains("--ack-log"))
    }

    @Test func flushCompactScansAndHFileInspection() throws {
        let dir = try TemporaryDirectory(prefix: "basalt-flush")
        defer { dir.remove() }
        let r = try basalt.run([
            "bench", "engine", "--dir", dir.path, "--benchmarks", "fillseq,flush,fillrandom,flush,compact,readrandom,scan100,readseq",
            "--num", "3000", "--json", "--memory", "67108864",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        var results: [String: [String: Any]] = [:]
        for line in r.stdout.split(separator: "\n") {
            if let obj = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], let name = obj["benchmark"] as? String { results[name] = obj }
        }
        #expect(results["flush"]?["ops"] as? Int == 1)
        #expect(results["compact"]?["ops"] as? Int == 1)
        #expect(results["readrandom"]?["found"] as? Int == 3000)
        #expect(results["readseq"]?["ops"] as? Int == 3000)
        #expect(results["scan100"]?["found"] as? Int ?? 0 > 2900)
        for name in ["readrandom", "scan100", "readseq"] {
            let ratio = results[name]?["cache_hit_ratio"] as? Double ?? -1
            #expect(ratio >= 0 && ratio <= 1, "\(name)")
        }
        #expect(results["memory"]?["memstore_budget_bytes"] as? Int == Int(Double(67_108_864) * 0.4))

        let familyDir = try FileManager.default.contentsOfDirectory(atPath: dir.path + "/data/default/usertable").map { dir.path + "/data/default/usertable/" + $0 + "/family" }.first ?? ""
        let files = try FileManager.default.contentsOfDirectory(atPath: familyDir)
        #expect(files.count == 1, "one file after the major compaction: \(files)")
        let file = familyDir + "/" + (files.first ?? "")
        let printed = try basalt.run(["hfile", "--print", file])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.contains("CELL_COUNT = 3000"))
        #expect(printed.stdout.contains("MAJOR_COMPACTION = true"))
        #expect(printed.stdout.contains("Bloom filter: ROW"))
        let keys = try basalt.run(["hfile", "--keys", file])
        #expect(keys.stdout.split(separator: "\n").count == 3000)
        #expect(keys.stdout.hasPrefix("K: 0000000000000000/family:q/"))

        let garbage = dir.path + "/garbage"
        FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 0x41, count: 100))
        let bad = try basalt.run(["hfile", "--print", garbage])
        #expect(bad.status != 0)
        #expect(bad.stderr.contains("truncated or not an HFile"))
        let none = try basalt.run(["hfile", file])
        #expect(none.status != 0)
        #expect(none.stderr.contains("--print"))
    }
}
