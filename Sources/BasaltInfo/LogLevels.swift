import Foundation
import Logging
import Synchronization

/// Log levels that can be changed while a process runs (`/logLevel`): one level for every logger, and
/// levels for loggers by label. A process installs `LogLevels.handler` with `LoggingSystem.bootstrap`;
/// its loggers then read their level from here on every message. Process-wide, as the logging system is.
public final class LogLevels: Sendable {
    public static let shared = LogLevels()

    private struct Levels: Sendable {
        var root: Logger.Level = .info
        var byLabel: [String: Logger.Level] = [:]
    }
    private let levels = Mutex(Levels())

    /// The level a logger with `label` logs at: its own, else the nearest dotted prefix's, else the root's.
    public func level(for label: String) -> Logger.Level {
        levels.withLock { l in
            var name = Substring(label)
            while true {
                if let level = l.byLabel[String(name)] { return level }
                guard let dot = name.lastIndex(of: ".") else { return l.root }
                name = name[..<dot]
            }
        }
    }

    /// Sets the level for `label` (and the loggers under it), or for every logger when `label` is nil.
    public func set(_ level: Logger.Level, for label: String?) {
        levels.withLock { l in
            if let label, !label.isEmpty { l.byLabel[label] = level } else { l.root = level }
        }
    }

    /// A handler for `LoggingSystem.bootstrap`: standard error, at the level `LogLevels.shared` says.
    public static func handler(label: String) -> any LogHandler {
        AdjustableLogHandler(label: label, inner: StreamLogHandler.standardError(label: label))
    }

    /// What one `/logLevel` request did.
    struct Outcome: Sendable {
        var ok: Bool
        var message: String
        var log: String?
        var level: Logger.Level
    }

    /// `?log=NAME` shows a logger's level; with `&level=LEVEL` it sets it first. No log: the root level.
    func handle(log: String?, level: String?) -> Outcome {
        let label = (log?.isEmpty ?? true) ? nil : log
        if let level {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                let valid = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
                return Outcome(ok: false, message: "'\(level)' is not a log level; use one of \(valid)", log: label, level: self.level(for: label ?? ""))
            }
            set(parsed, for: label)
            return Outcome(ok: true, message: "Set the level of \(label ?? "every logger") to \(parsed.rawValue.uppercased()).", log: label, level: parsed)
        }
        let current = label.map { self.level(for: $0) } ?? levels.withLock { $0.root }
        return Outcome(ok: true, message: "The level of \(label ?? "every logger") is \(current.rawValue.uppercased()).", log: label, level: current)
    }
}

/// Writes through another handler at the level `LogLevels.shared` holds for its label.
struct AdjustableLogHandler: LogHandler {
    let label: String
    var inner: any LogHandler

    init(label: String, inner: any LogHandler) {
        self.label = label
        self.inner = inner
        self.inner.logLevel = .trace
    }

    var logLevel: Logger.Level {
        get { LogLevels.shared.level(for: label) }
        set { LogLevels.shared.set(newValue, for: label) }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        inner.log(event: event)
    }
}

/// `/logLevel`'s page: the outcome and a form, as Hadoop's servlet offers.
enum LogLevelPage {
    static func render(_ o: LogLevels.Outcome, process: String) -> String {
        let options = Logger.Level.allCases.map { l in
            "<option value=\"\(l.rawValue)\"\(l == o.level ? " selected" : "")>\(l.rawValue.uppercased())</option>"
        }.joined()
        let body = """
        <h2>Log level</h2>
        <p class="\(o.ok ? "ok" : "warn")">\(HTML.escape(o.message))</p>
        <form method="get" action="/logLevel">
        <label>Logger <input name="log" value="\(HTML.escape(o.log ?? ""))" placeholder="e.g. basalt.regionserver (empty: every logger)"></label>
        <label>Level <select name="level">\(options)</select></label>
        <button type="submit">Set</button>
        </form>
        <p>Without <code>level</code> the page only shows the logger's level.</p>
        """
        return HTML.page(title: "\(process) log level", process: process, body)
    }
}
