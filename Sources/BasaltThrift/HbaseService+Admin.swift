import BasaltClient
import BasaltCore
import BasaltMeta

/// Table administration and cluster information: `getTableNames`, `createTable`, `deleteTable`,
/// `enableTable`, `disableTable`, `isTableEnabled`, `compact`, `majorCompact`, `getColumnDescriptors`,
/// `getTableRegions`, `getRegionInfo`, and HBase 2.x's `getTableNamesWithIsTableEnabled`,
/// `getThriftServerType`, `getClusterId`, `grant`, `revoke`.
extension HbaseService {
    static func adminMethods(into m: inout [String: (Throws, Method)]) {
        m["enableTable"] = ([], { s, a, _ in try await s.admin.enableTable(try a.table(1)); return nil })
        m["disableTable"] = ([], { s, a, _ in try await s.admin.disableTable(try a.table(1)); return nil })
        m["isTableEnabled"] = ([], { s, a, _ in .bool(try await s.admin.isTableEnabled(try a.table(1))) })
        m["compact"] = ([], { s, a, _ in try await s.compact(a.bytes(1), major: false); return nil })
        m["majorCompact"] = ([], { s, a, _ in try await s.compact(a.bytes(1), major: true); return nil })
        m["getTableNames"] = ([], { s, _, _ in
            .list(.binary, try await s.admin.listTableNames().map { .binary($0.nameBytes) })
        })
        m["getTableNamesWithIsTableEnabled"] = ([], { s, _, _ in
            var pairs: [ThriftPair] = []
            for t in try await s.admin.listTableNames() {
                pairs.append(ThriftPair(.binary(t.nameBytes), .bool(try await s.admin.isTableEnabled(t))))
            }
            return .map(key: .binary, value: .bool, pairs)
        })
        m["getColumnDescriptors"] = ([], { s, a, _ in
            let d = try await s.admin.describe(try a.table(1))
            return .map(key: .binary, value: .structure, d.descriptor.families.map {
                ThriftPair(.binary($0.name + [UInt8(ascii: ":")]), HbaseStructs.columnDescriptor($0))
            })
        })
        m["getTableRegions"] = ([], { s, a, _ in
            let table = try a.table(1)
            // HBase answers an empty list for a table that does not exist.
            guard try await s.admin.tableExists(table) else { return .list(.structure, []) }
            return .list(.structure, try await s.admin.regions(of: table).map { HbaseStructs.regionInfo($0.region, server: $0.server) })
        })
        m["createTable"] = ([.illegalArgument, .alreadyExists], { s, a, _ in
            try await s.createTable(try a.table(1), families: a.structs(2))
            return nil
        })
        m["deleteTable"] = ([], { s, a, _ in
            let table = try a.table(1)
            guard try await s.admin.tableExists(table) else { throw ThriftError(.io, "table does not exist") }
            try await s.admin.deleteTable(table)
            return nil
        })
        m["getRegionInfo"] = ([], { s, a, _ in try await s.regionInfo(metaRow: a.bytes(1)) })
        m["getThriftServerType"] = ([], { _, _, _ in .i32(1) })
        m["getClusterId"] = ([], { s, _, _ in .string(try await s.admin.clusterStatus().clusterId) })
        let noAccessControl: Method = { _, _, _ in
            throw ThriftError(.io, "access control is not available: Basalt has no AccessController")
        }
        m["grant"] = ([], noAccessControl)
        m["revoke"] = ([], noAccessControl)
    }

    var admin: Admin { connection.admin() }

    /// Compacts the region with this name, or else the table with this name.
    func compact(_ name: [UInt8], major: Bool) async throws {
        if let region = try await admin.region(named: name) {
            try await admin.compactRegion(region, major: major)
            return
        }
        let table: TableName
        do { table = try TableName(String(decoding: name, as: UTF8.self)) } catch {
            throw ThriftError(.io, "'\(Bytes.toStringBinary(name))' is neither a region nor a table")
        }
        try await admin.compact(table, major: major)
    }

    func createTable(_ table: TableName, families: [ThriftStruct]) async throws {
        guard !families.isEmpty else { throw ThriftError.illegalArgument("a table needs at least one column family") }
        var parsed: [ColumnFamilyDescriptor] = []
        for f in families { parsed.append(try HbaseStructs.family(f)) }
        let descriptor: TableDescriptor
        do { descriptor = try TableDescriptor(name: table, families: parsed) } catch { throw ThriftError.wrapping(error) }
        if try await admin.tableExists(table) { throw ThriftError(.alreadyExists, "table name already in use") }
        do { try await admin.createTable(descriptor) } catch let e as ClientError where e.errorCode == .tableExists {
            throw ThriftError(.alreadyExists, "table name already in use")
        }
    }

    /// The region a meta row key (`table,row,99999999999999`) falls in: the closest meta row at or
    /// before it, with its server.
    func regionInfo(metaRow row: [UInt8]) async throws -> ThriftValue {
        var scan = Scan(startRow: row)
        scan.reversed = true
        scan.limit = 1
        scan.columns.addFamily(MetaRow.infoFamily)
        guard let found = try await connection.table(.meta).scanAll(scan, caching: 1).first else {
            throw ThriftError(.io, "Cannot find row in hbase:meta, row=\(Bytes.toStringBinary(row))")
        }
        guard let location = try MetaRow.parse(found) else {
            throw ThriftError(.io, "RegionInfo REGIONINFO was null or empty in Meta for row=\(Bytes.toStringBinary(row))")
        }
        return HbaseStructs.regionInfo(location.region, server: location.server)
    }
}
