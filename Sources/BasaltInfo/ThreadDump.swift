import Foundation

/// The process's threads as Linux lists them under `/proc/self/task` (name and state), for `/dump`.
enum ThreadDump {
    static func text() -> String {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else {
            return "threads: not available on this system\n"
        }
        var lines: [String] = []
        for tid in tasks.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
            let name = (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            let stat = (try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8)) ?? ""
            // The state follows the parenthesised name: "tid (name) S ...".
            let state = stat.range(of: ") ").map { String(stat[$0.upperBound...].prefix(1)) } ?? "?"
            lines.append("  \(tid)  \(state)  \(name)")
        }
        return "threads (\(lines.count)): tid, state (R running, S sleeping, D disk wait), name\n" + lines.joined(separator: "\n") + "\n"
    }
}
