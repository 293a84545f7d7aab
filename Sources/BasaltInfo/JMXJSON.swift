import Foundation

/// `/jmx` as Hadoop's JMX servlet prints it: `{"beans": [{"name": ..., "modelerType": ..., attributes}]}`,
/// narrowed with `?qry=` (a bean name, `*` matching any run of characters).
enum JMXJSON {
    static func select(_ beans: [JMXBean], query: String?) -> [JMXBean] {
        guard let query, !query.isEmpty else { return beans }
        return beans.filter { matches($0.name, query) }
    }

    /// Whether `name` matches `pattern`, where `*` matches any run of characters.
    static func matches(_ name: String, _ pattern: String) -> Bool {
        let parts = pattern.split(separator: "*", omittingEmptySubsequences: false).map(String.init)
        guard parts.count > 1 else { return name == pattern }
        var rest = Substring(name)
        guard rest.hasPrefix(parts[0]) else { return false }
        rest = rest.dropFirst(parts[0].count)
        for (i, part) in parts.enumerated().dropFirst() {
            if i == parts.count - 1 { return part.isEmpty || rest.hasSuffix(part) }
            guard !part.isEmpty else { continue }
            guard let r = rest.range(of: part) else { return false }
            rest = rest[r.upperBound...]
        }
        return true
    }

    static func render(_ beans: [JMXBean]) -> String {
        var out = "{\n  \"beans\" : ["
        for (i, bean) in beans.enumerated() {
            out += i == 0 ? " {\n" : ", {\n"
            out += "    \"name\" : \(string(bean.name)),\n    \"modelerType\" : \(string(bean.name.components(separatedBy: "sub=").last ?? bean.name))"
            for (key, value) in bean.attributes {
                out += ",\n    \(string(key)) : \(render(value))"
            }
            out += "\n  }"
        }
        return out + " ]\n}\n"
    }

    static func render(_ v: JMXValue) -> String {
        switch v {
        case .int(let i): return String(i)
        case .double(let d): return d.isFinite ? String(d) : "0"
        case .string(let s): return string(s)
        case .bool(let b): return b ? "true" : "false"
        }
    }

    /// A JSON string literal.
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }
}
