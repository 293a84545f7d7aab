import BasaltCore

/// Column family settings as the shell reads them (`{NAME => 'f', VERSIONS => 3, TTL => 86400}`) and
/// shows them (`describe`), with HBase's key names and value forms.
enum FamilySettings {
    /// Settings HBase has that Basalt keeps at their one value; another value is refused.
    static let fixed: [String: String] = ["DATA_BLOCK_ENCODING": "NONE", "COMPRESSION": "NONE", "REPLICATION_SCOPE": "0"]

    /// Builds a family from a hash, starting from `base` (alter keeps what it does not change).
    /// Returns the family and the keys it ignored.
    static func family(from hash: ShellHash, base: ColumnFamilyDescriptor?) throws(ShellError) -> (ColumnFamilyDescriptor, ignored: [String]) {
        guard let nameValue = hash["NAME"] else { throw .arguments("Column family must have a name: {NAME => 'f', ...}") }
        let name = try nameValue.asBytes("NAME")
        var f = base ?? ColumnFamilyDescriptor(name: name)
        var ignored: [String] = []
        for (keyValue, value) in hash.pairs {
            guard let key = keyValue.stringValue else { throw .arguments("column family settings are named by strings, not \(keyValue)") }
            switch key {
            case "NAME", "METHOD": break
            case "VERSIONS": f.maxVersions = Int(try value.asInt("VERSIONS"))
            case "MIN_VERSIONS": f.minVersions = Int(try value.asInt("MIN_VERSIONS"))
            case "TTL":
                if value.stringValue?.uppercased() == "FOREVER" {
                    f.timeToLive = ColumnFamilyDescriptor.forever
                } else {
                    let ttl = try value.asInt("TTL")
                    guard ttl > 0, ttl <= Int64(Int32.max) else { throw .arguments("TTL must be between 1 and \(Int32.max) seconds, or 'FOREVER'; got \(ttl)") }
                    f.timeToLive = Int32(ttl)
                }
            case "BLOOMFILTER":
                let text = (value.stringValue ?? "\(value)").uppercased()
                guard let bloom = ColumnFamilyDescriptor.BloomType(rawValue: text) else {
                    throw .arguments("BLOOMFILTER must be one of NONE, ROW, ROWCOL; got '\(text)'")
                }
                f.bloomFilter = bloom
            case "BLOCKSIZE": f.blockSize = Int(try value.asInt("BLOCKSIZE"))
            case "IN_MEMORY": f.inMemory = try value.asBool("IN_MEMORY")
            case "BLOCKCACHE": f.blockCache = try value.asBool("BLOCKCACHE")
            case "KEEP_DELETED_CELLS":
                let text: String
                if case .bool(let b) = value { text = b ? "TRUE" : "FALSE" } else { text = (value.stringValue ?? "\(value)").uppercased() }
                guard let keep = ColumnFamilyDescriptor.KeepDeletedCells(rawValue: text) else {
                    throw .arguments("KEEP_DELETED_CELLS must be TRUE, FALSE or TTL; got '\(text)'")
                }
                f.keepDeletedCells = keep
            default:
                if let only = fixed[key] {
                    let text = (value.stringValue ?? "\(value)").uppercased()
                    guard text == only else { throw .arguments("\(key) '\(text)' is not supported: Basalt keeps \(key) at '\(only)'") }
                    if key == "COMPRESSION" { f.compression = only }
                } else {
                    ignored.append(key)
                }
            }
        }
        do {
            try f.validate()
        } catch {
            throw .arguments(ShellError.reason(error))
        }
        return (f, ignored)
    }

    /// The `describe` line of a family, keys in HBase 2.4's order.
    static func describe(_ f: ColumnFamilyDescriptor) -> String {
        let pairs: [(String, String)] = [
            ("NAME", f.nameAsString),
            ("BLOOMFILTER", f.bloomFilter.rawValue),
            ("IN_MEMORY", f.inMemory ? "true" : "false"),
            ("VERSIONS", String(f.maxVersions)),
            ("KEEP_DELETED_CELLS", f.keepDeletedCells.rawValue),
            ("DATA_BLOCK_ENCODING", "NONE"),
            ("COMPRESSION", f.compression.isEmpty ? "NONE" : f.compression),
            ("TTL", ttl(f.timeToLive)),
            ("MIN_VERSIONS", String(f.minVersions)),
            ("BLOCKCACHE", f.blockCache ? "true" : "false"),
            ("BLOCKSIZE", String(f.blockSize)),
            ("REPLICATION_SCOPE", "0"),
        ]
        return "{" + pairs.map { "\($0.0) => '\($0.1)'" }.joined(separator: ", ") + "}"
    }

    /// A TTL as HBase prints it: `FOREVER`, `30 SECONDS`, `86400 SECONDS (1 DAY)`.
    static func ttl(_ seconds: Int32) -> String {
        if seconds == ColumnFamilyDescriptor.forever { return "FOREVER" }
        func unit(_ n: Int, _ name: String) -> String { "\(n) \(name)\(n == 1 ? "" : "S")" }
        let total = Int(seconds)
        if total < 60 { return unit(total, "SECOND") }
        let parts = [(total / 86_400, "DAY"), (total % 86_400 / 3600, "HOUR"), (total % 3600 / 60, "MINUTE"), (total % 60, "SECOND")]
        return "\(total) SECONDS (" + parts.filter { $0.0 > 0 }.map { unit($0.0, $0.1) }.joined(separator: " ") + ")"
    }
}
