import BasaltCore
import Foundation

// Table names, schemas and region infos as HBase's messages carry them. A family's settings travel as
// HBase's attribute keys with string values (`VERSIONS` = "3"); keys Basalt does not interpret are kept
// as given, both ways.

extension HBaseTableName {
    public init(_ t: TableName) {
        self.init()
        namespace = Data(t.namespace.utf8)
        qualifier = Data(t.qualifier.utf8)
    }

    public func toTableName() throws(ProtocolError) -> TableName {
        do {
            return try TableName(namespace: String(decoding: namespace, as: UTF8.self), qualifier: String(decoding: qualifier, as: UTF8.self))
        } catch {
            throw ProtocolError(.malformedRequest, "\(error)")
        }
    }
}

/// HBase's names for the family and table settings Basalt interprets.
enum SchemaKey {
    static let versions = "VERSIONS"
    static let minVersions = "MIN_VERSIONS"
    static let ttl = "TTL"
    static let keepDeletedCells = "KEEP_DELETED_CELLS"
    static let bloomFilter = "BLOOMFILTER"
    static let blockSize = "BLOCKSIZE"
    static let inMemory = "IN_MEMORY"
    static let blockCache = "BLOCKCACHE"
    static let compression = "COMPRESSION"
    static let durability = "DURABILITY"
}

extension HBaseColumnFamilySchema {
    public init(_ f: ColumnFamilyDescriptor) {
        self.init()
        name = Data(f.name)
        var pairs: [([UInt8], [UInt8])] = [
            (SchemaKey.versions, "\(f.maxVersions)"), (SchemaKey.minVersions, "\(f.minVersions)"), (SchemaKey.ttl, "\(f.timeToLive)"),
            (SchemaKey.keepDeletedCells, f.keepDeletedCells.rawValue), (SchemaKey.bloomFilter, f.bloomFilter.rawValue),
            (SchemaKey.blockSize, "\(f.blockSize)"), (SchemaKey.inMemory, f.inMemory ? "true" : "false"),
            (SchemaKey.blockCache, f.blockCache ? "true" : "false"), (SchemaKey.compression, f.compression),
        ].map { (Array($0.0.utf8), Array($0.1.utf8)) }
        pairs += f.otherAttributes.sorted { CellComparator.compareBytes($0.key, $1.key) < 0 }.map { ($0.key, $0.value) }
        attributes = pairs.map { k, v in
            var p = HBaseBytesBytesPair()
            p.first = Data(k)
            p.second = Data(v)
            return p
        }
        configuration = f.configuration.sorted { $0.key < $1.key }.map { k, v in
            var p = HBaseNameStringPair()
            p.name = k
            p.value = v
            return p
        }
    }

    public func toDescriptor() throws(ProtocolError) -> ColumnFamilyDescriptor {
        var f = ColumnFamilyDescriptor(name: Array(name))
        let family = Bytes.toStringBinary(Array(name))
        func int(_ key: String, _ text: String) throws(ProtocolError) -> Int {
            guard let v = Int(text.trimmingCharacters(in: .whitespaces)) else {
                throw ProtocolError(.malformedRequest, "\(key) of family '\(family)' must be a whole number, not '\(text)'")
            }
            return v
        }
        func bool(_ text: String) -> Bool { text.lowercased() == "true" }
        for a in attributes {
            let key = String(decoding: a.first, as: UTF8.self), text = String(decoding: a.second, as: UTF8.self)
            switch key {
            case SchemaKey.versions: f.maxVersions = try int(key, text)
            case SchemaKey.minVersions: f.minVersions = try int(key, text)
            case SchemaKey.ttl:
                let ttl = text.uppercased() == "FOREVER" ? Int(ColumnFamilyDescriptor.forever) : try int(key, text)
                f.timeToLive = Int32(clamping: ttl)
            case SchemaKey.keepDeletedCells:
                guard let k = ColumnFamilyDescriptor.KeepDeletedCells(rawValue: text.uppercased()) else {
                    throw ProtocolError(.malformedRequest, "KEEP_DELETED_CELLS of family '\(family)' must be FALSE, TRUE or TTL, not '\(text)'")
                }
                f.keepDeletedCells = k
            case SchemaKey.bloomFilter:
                guard let b = ColumnFamilyDescriptor.BloomType(rawValue: text.uppercased()) else {
                    throw ProtocolError(.malformedRequest, "BLOOMFILTER of family '\(family)' must be NONE, ROW or ROWCOL, not '\(text)'")
                }
                f.bloomFilter = b
            case SchemaKey.blockSize: f.blockSize = try int(key, text)
            case SchemaKey.inMemory: f.inMemory = bool(text)
            case SchemaKey.blockCache: f.blockCache = bool(text)
            case SchemaKey.compression: f.compression = text.uppercased()
            default: f.otherAttributes[Array(a.first)] = Array(a.second)
            }
        }
        for c in configuration { f.configuration[c.name] = c.value }
        do { try f.validate() } catch { throw ProtocolError(.malformedRequest, "\(error)") }
        return f
    }
}

extension HBaseTableSchema {
    public init(_ d: TableDescriptor) {
        self.init()
        tableName = HBaseTableName(d.name)
        var pairs: [([UInt8], [UInt8])] = []
        if d.durability != .useDefault { pairs.append((Array(SchemaKey.durability.utf8), Array(d.durability.rawValue.utf8))) }
        pairs += d.otherAttributes.sorted { CellComparator.compareBytes($0.key, $1.key) < 0 }.map { ($0.key, $0.value) }
        attributes = pairs.map { k, v in
            var p = HBaseBytesBytesPair()
            p.first = Data(k)
            p.second = Data(v)
            return p
        }
        columnFamilies = d.families.map(HBaseColumnFamilySchema.init)
        configuration = d.configuration.sorted { $0.key < $1.key }.map { k, v in
            var p = HBaseNameStringPair()
            p.name = k
            p.value = v
            return p
        }
    }

    public func toDescriptor() throws(ProtocolError) -> TableDescriptor {
        guard hasTableName else { throw ProtocolError(.malformedRequest, "a table schema has no table name") }
        let name = try tableName.toTableName()
        var families: [ColumnFamilyDescriptor] = []
        for f in columnFamilies { families.append(try f.toDescriptor()) }
        var d: TableDescriptor
        do { d = try TableDescriptor(name: name, families: families) } catch { throw ProtocolError(.malformedRequest, "\(error)") }
        for a in attributes {
            let key = String(decoding: a.first, as: UTF8.self), text = String(decoding: a.second, as: UTF8.self)
            if key == SchemaKey.durability {
                guard let durability = try? Durability(parsing: text) else {
                    throw ProtocolError(.malformedRequest, "DURABILITY of table \(name) must be one of \(Durability.allCases.map(\.rawValue)), not '\(text)'")
                }
                d.durability = durability
            } else {
                d.otherAttributes[Array(a.first)] = Array(a.second)
            }
        }
        for c in configuration { d.configuration[c.name] = c.value }
        return d
    }
}

extension HBaseRegionInfo {
    public init(_ r: RegionInfo) {
        self.init()
        regionID = UInt64(bitPattern: r.regionId)
        tableName = HBaseTableName(r.table)
        startKey = Data(r.startKey)
        endKey = Data(r.endKey)
    }

    public func toRegionInfo() throws(ProtocolError) -> RegionInfo {
        let table = try tableName.toTableName()
        if table == .meta && regionID == UInt64(RegionInfo.firstMeta.regionId) { return .firstMeta }
        return RegionInfo(table: table, startKey: Array(startKey), endKey: Array(endKey), regionId: Int64(bitPattern: regionID))
    }
}

extension HBaseNamespaceDescriptor {
    public init(_ d: NamespaceDescriptor) {
        self.init()
        name = Data(d.name.utf8)
        configuration = d.configuration.sorted { $0.key < $1.key }.map { key, value in
            var pair = HBaseNameStringPair()
            pair.name = key
            pair.value = value
            return pair
        }
    }

    public func toDescriptor() throws(ProtocolError) -> NamespaceDescriptor {
        do {
            return try NamespaceDescriptor(
                name: String(decoding: name, as: UTF8.self),
                configuration: Dictionary(configuration.map { ($0.name, $0.value) }, uniquingKeysWith: { _, b in b }))
        } catch {
            throw ProtocolError(.malformedRequest, "\(error)")
        }
    }
}
