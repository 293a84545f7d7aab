import Foundation

/// Settings by HBase's keys (`hbase.hregion.memstore.flush.size`, ...), from `-D key=value` flags and
/// `basalt-site.xml` files in hbase-site.xml form. Later sources override earlier ones. A value type.
public struct BasaltConfiguration: Sendable, Hashable {
    public private(set) var values: [String: String] = [:]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(key: String) -> String? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// Applies `key=value` strings (the arguments of `-D`).
    public mutating func apply(definitions: [String]) throws {
        for d in definitions {
            guard let eq = d.firstIndex(of: "="), eq != d.startIndex else {
                throw CoreError(.invalidConfiguration, "-D expects key=value, got '\(d)'")
            }
            values[String(d[..<eq])] = String(d[d.index(after: eq)...])
        }
    }

    /// Reads `<property><name>k</name><value>v</value></property>` entries from an hbase-site.xml-style file.
    public mutating func load(xmlFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw CoreError(.invalidConfiguration, "cannot read configuration file '\(path)'")
        }
        var rest = Substring(text)
        while let open = rest.range(of: "<property>") {
            guard let close = rest.range(of: "</property>", range: open.upperBound..<rest.endIndex) else {
                throw CoreError(.invalidConfiguration, "'\(path)': <property> without </property>")
            }
            let body = rest[open.upperBound..<close.lowerBound]
            guard let name = Self.element("name", in: body) else {
                throw CoreError(.invalidConfiguration, "'\(path)': a <property> has no <name>")
            }
            values[name] = Self.element("value", in: body) ?? ""
            rest = rest[close.upperBound...]
        }
    }

    private static func element(_ tag: String, in body: Substring) -> String? {
        guard let a = body.range(of: "<\(tag)>"), let b = body.range(of: "</\(tag)>", range: a.upperBound..<body.endIndex) else { return nil }
        return body[a.upperBound..<b.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }

    public func string(_ key: String, default d: String) -> String { values[key] ?? d }

    public func int(_ key: String, default d: Int) throws -> Int {
        guard let s = values[key] else { return d }
        guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else {
            throw CoreError(.invalidConfiguration, "\(key) must be a whole number, got '\(s)'")
        }
        return v
    }

    public func double(_ key: String, default d: Double) throws -> Double {
        guard let s = values[key] else { return d }
        guard let v = Double(s.trimmingCharacters(in: .whitespaces)) else {
            throw CoreError(.invalidConfiguration, "\(key) must be a number, got '\(s)'")
        }
        return v
    }

    public func bool(_ key: String, default d: Bool) throws -> Bool {
        guard let s = values[key] else { return d }
        switch s.lowercased() {
        case "true": return true
        case "false": return false
        default: throw CoreError(.invalidConfiguration, "\(key) must be true or false, got '\(s)'")
        }
    }
}
