import BasaltCore
import Foundation

/// Lays out the shell's output as the HBase 2.x shell does. With `width` 0 (output that is not a
/// terminal) nothing is padded or wrapped: headers are `ROW  COLUMN+CELL`, rows ` r1 column=...`. On a
/// terminal the first column takes a quarter of the width and long text wraps under its column.
/// A value type; the shell owns one.
public struct ShellFormatter: Sendable {
    /// Terminal width in characters; 0 when the output is not a terminal.
    public var width: Int
    /// The zone timestamps are shown in (HBase shows local time, without a zone).
    public var timeZone: TimeZone
    /// Show timestamps as epoch milliseconds (`hbase.shell.timestamp.format.epoch`).
    public var epochTimestamps: Bool

    public init(width: Int = 0, timeZone: TimeZone = .current, epochTimestamps: Bool = false) {
        self.width = width
        self.timeZone = timeZone
        self.epochTimestamps = epochTimestamps
    }

    /// A two-column header (`ROW  COLUMN+CELL`): no inset, two spaces between at width 0.
    public func header(_ a: String, _ b: String) -> String { twoColumns(a, b, inset: false) }

    /// One two-column row (` r1 column=f:q, ...`).
    public func row(_ a: String, _ b: String) -> String { twoColumns(a, b, inset: true) }

    /// `N row(s)`.
    public func footer(_ count: Int) -> String { "\(count) row(s)\n" }

    private func twoColumns(_ a: String, _ b: String, inset: Bool) -> String {
        let prefix = inset ? " " : ""
        guard width > 0 else { return prefix + a + (inset ? " " : "  ") + b + "\n" }
        let w1 = width / 4
        let w2 = max(1, width - w1 - 2)
        let left = Self.chunks(a, w1)
        let right = Self.chunks(b, w2)
        var out = ""
        for i in 0..<max(left.count, right.count) {
            out += prefix + (i < left.count ? left[i] : "").padding(toLength: w1, withPad: " ", startingAt: 0)
            out += inset ? " " : "  "
            out += (i < right.count ? right[i] : "") + "\n"
        }
        return out
    }

    static func chunks(_ s: String, _ width: Int) -> [String] {
        guard width > 0, s.count > width else { return [s] }
        var out: [String] = []
        var rest = Substring(s)
        while !rest.isEmpty {
            out.append(String(rest.prefix(width)))
            rest = rest.dropFirst(width)
        }
        return out
    }

    /// A timestamp as HBase 2.4+ prints it: ISO local date-time, zero seconds and milliseconds dropped.
    public func timestamp(_ ms: Int64) -> String {
        if epochTimestamps { return String(ms) }
        var seconds = ms / 1000
        var millis = ms % 1000
        if millis < 0 {
            millis += 1000
            seconds -= 1
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(v ?? 0).leftPadded(to: 2) }
        let year = c.year ?? 1970
        var out = (year >= 0 && year < 10_000 ? String(year).leftPadded(to: 4) : (year > 0 ? "+\(year)" : String(year)))
        out += "-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute))"
        if (c.second ?? 0) != 0 || millis != 0 { out += ":\(two(c.second))" }
        if millis != 0 { out += "." + String(millis).leftPadded(to: 3) }
        return out
    }

    /// `timestamp=..., value=...` for a put, `timestamp=..., type=DeleteColumn` for a marker (raw scans).
    public func cellText(_ cell: Cell, value: String? = nil) -> String {
        let ts = "timestamp=\(timestamp(cell.timestamp))"
        if cell.type != .put { return ts + ", type=\(cell.type)" }
        return ts + ", value=" + (value ?? Bytes.toStringBinary(cell.value))
    }

    /// `f:q`, with both parts as `Bytes.toStringBinary`.
    public static func column(_ cell: Cell) -> String {
        Bytes.toStringBinary(cell.family) + ":" + Bytes.toStringBinary(cell.qualifier)
    }

    /// The `Took 0.0123 seconds` line.
    public static func took(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "Took %.4f seconds", seconds) + "\n"
    }
}
