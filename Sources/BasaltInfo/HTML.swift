import BasaltCore
import Foundation

/// The pieces every info page is made of: plain server-rendered HTML with its style inline (nothing is
/// fetched from anywhere), readable on a phone (tables scroll sideways inside their box) and on a wide
/// screen.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for c in s.unicodeScalars {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }

    /// A row key as HBase's pages print it (`Bytes.toStringBinary`), escaped.
    static func key(_ k: [UInt8]) -> String { escape(Bytes.toStringBinary(k)) }

    static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1d2329;background:#fafbfc}
    header{background:#2b3a42;color:#fff;padding:.8em 1em}header h1{margin:0;font-size:1.3em;overflow-wrap:anywhere}
    header nav a{color:#cfe3ee;margin-right:1em;font-size:.9em}
    main{padding:0 1em 2em;max-width:1400px;margin:auto}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #d5dde2}
    .scroll{overflow-x:auto}table{border-collapse:collapse;font-size:.88em;min-width:100%}
    th,td{border:1px solid #d5dde2;padding:.3em .5em;text-align:left;white-space:nowrap}th{background:#eef2f4}
    td.n{text-align:right;font-variant-numeric:tabular-nums}.warn{color:#a33;font-weight:600}.ok{color:#276738}
    dl{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:600}dd{margin:0;word-break:break-all}
    """

    static func page(title: String, process: String, _ body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escape(title))</title><style>\(style)</style></head>
        <body><header><h1>\(escape(title))</h1><nav><a href="/">Status</a><a href="/jmx">JMX</a><a href="/prometheus">Metrics</a><a href="/conf">Configuration</a><a href="/logLevel">Log level</a><a href="/dump">Dump</a></nav></header>
        <main>
        \(body)
        </main></body></html>

        """
    }

    /// A table: a header row and rows of cells already escaped; numeric columns (by index) right-aligned.
    static func table(_ headers: [String], _ rows: [[String]], numeric: Set<Int> = [], empty: String = "none") -> String {
        guard !rows.isEmpty else { return "<p>\(escape(empty))</p>" }
        var out = "<div class=\"scroll\"><table><thead><tr>"
        for h in headers { out += "<th>\(escape(h))</th>" }
        out += "</tr></thead><tbody>\n"
        for row in rows {
            out += "<tr>"
            for (i, cell) in row.enumerated() { out += numeric.contains(i) ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>" }
            out += "</tr>\n"
        }
        return out + "</tbody></table></div>"
    }

    static func definitions(_ pairs: [(String, String)]) -> String {
        "<dl>" + pairs.map { "<dt>\(escape($0.0))</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
    }

    static func bytes(_ n: Int?) -> String {
        guard let n else { return "?" }
        if n < 1024 { return "\(n) B" }
        let units = ["KB", "MB", "GB", "TB"]
        var v = Double(n) / 1024
        var i = 0
        while v >= 1024 && i < units.count - 1 {
            v /= 1024
            i += 1
        }
        return String(format: "%.1f %@", v, units[i])
    }

    static func date(_ d: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: d)
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 1 { return String(format: "%.0f ms", seconds * 1000) }
        if seconds < 120 { return String(format: "%.1f s", seconds) }
        if seconds < 7200 { return String(format: "%.0f min", seconds / 60) }
        return String(format: "%.1f h", seconds / 3600)
    }

    static func notFound(_ path: String) -> String {
        page(title: "404 Not Found", process: "", "<h2>Not found</h2><p>Nothing is served at <code>\(escape(path))</code>. Try the <a href=\"/\">status page</a>.</p>")
    }
}
