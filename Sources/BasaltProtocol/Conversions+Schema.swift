import BasaltCore
import Foundation

// Names, regions, servers and schemas: `BasaltCore` values to and from their messages.

extension Basalt_TableName {
    public init(_ name: TableName) {
        self.init()
        namespace = Data(name.namespace.utf8)
        qualifier = Data(name.qualifier.utf8)
    }

    public func toTableName() throws -> TableName {
        let ns = String(decoding: namespace, as: UTF8.self)
        return try TableName(namespace: ns.isEmpty ? TableName.defaultNamespace : ns, qualifier: String(decoding: qualifier, as: UTF8.self))
    }
}

extension Basalt_ServerName {
    public init(_ server: ServerName) {
        self.init()
        hostName = server.host
        port = UInt32(clamping: server.port)
        startCode = UInt64(bitPattern: server.startCode)
    }

    public func toServerName() -> ServerName {
        ServerName(host: hostName, port: Int(port), startCode: Int64(bitPattern: startCode))
    }
}

extension Basalt_RegionInfo {
    public init(_ info: RegionInfo) {
        self.init()
        regionID = UInt64(bitPattern: info.regionId)
        tableName = Basalt_TableName(info.table)
        startKey = Data(info.startKey)
        endKey = Data(info.endKey)
    }

    public func toRegionInfo() throws -> RegionInfo {
        guard hasTableName else { throw ProtocolError(.malformedRequest, "a region info has no table name") }
        let table = try tableName.toTableName()
        if table == .meta && regionID == UInt64(RegionInfo.firstMeta.regionId) { return .firstMeta }
        return RegionInfo(table: table, startKey: Array(startKey), endKey: Array(endKey), regionId: Int64(bitPattern: regionID))
    }
}

extension Basalt_Durability {
    public init(_ d: Durability) {
        switch d {
        case .useDefault: self = .useDefault
        case .skipWAL: self = .skipWal
        case .asyncWAL: self = .asyncWal
        case .syncWAL: self = .syncWal
        case .fsyncWAL: self = .fsyncWal
        }
    }

    public func toDurability() throws -> Durability {
        switch self {
        case .useDefault: .useDefault
        case .skipWal: .skipWAL
        case .asyncWal: .asyncWAL
        case .syncWal: .syncWAL
        case .fsyncWal: .fsyncWAL
        case .UNRECOGNIZED(let n): throw ProtocolError(.malformedRequest, "unknown durability \(n)")
        }
    }
}

extension Basalt_ColumnFamilySchema {
    public init(_ f: ColumnFamilyDescriptor) {
        self.init()
        name = Data(f.name)
        maxVersions = UInt32(clamping: f.maxVersions)
        minVersions = UInt32(clamping: f.minVersions)
        ttlSeconds = f.timeToLive == ColumnFamilyDescriptor.forever ? 0 : f.timeToLive
        keepDeletedCells = f.keepDeletedCells.rawValue
        bloomFilter = f.bloomFilter.rawValue
        blockSize = UInt32(clamping: f.blockSize)
        inMemory = f.inMemory
        blockCache = f.blockCache
        compression = f.compression
    }

    public func toDescriptor() throws -> ColumnFamilyDescriptor {
        var f = ColumnFamilyDescriptor(name: Array(name))
        if maxVersions > 0 { f.maxVersions = Int(maxVersions) }
        f.minVersions = Int(minVersions)
        f.timeToLive = ttlSeconds <= 0 ? ColumnFamilyDescriptor.forever : ttlSeconds
        if !keepDeletedCells.isEmpty {
            guard let k = ColumnFamilyDescriptor.KeepDeletedCells(rawValue: keepDeletedCells.uppercased()) else {
                throw ProtocolError(.malformedRequest, "KEEP_DELETED_CELLS must be FALSE, TRUE or TTL, not '\(keepDeletedCells)'")
            }
            f.keepDeletedCells = k
        }
        if !bloomFilter.isEmpty {
            guard let b = ColumnFamilyDescriptor.BloomType(rawValue: bloomFilter.uppercased()) else {
                throw ProtocolError(.malformedRequest, "BLOOMFILTER must be NONE, ROW or ROWCOL, not '\(bloomFilter)'")
            }
            f.bloomFilter = b
        }
        if blockSize > 0 { f.blockSize = Int(blockSize) }
        f.inMemory = inMemory
        f.blockCache = blockCache
        if !compression.isEmpty { f.compression = compression }
        try f.validate()
        return f
    }
}

extension Basalt_TableSchema {
    public init(_ d: TableDescriptor) {
        self.init()
        tableName = Basalt_TableName(d.name)
        families = d.families.map(Basalt_ColumnFamilySchema.init)
        durability = Basalt_Durability(d.durability)
    }

    public func toDescriptor() throws -> TableDescriptor {
        guard hasTableName else { throw ProtocolError(.malformedRequest, "a table schema has no table name") }
        var d = try TableDescriptor(name: try tableName.toTableName(), families: try families.map { try $0.toDescriptor() })
        d.durability = try durability.toDurability()
        return d
    }
}
