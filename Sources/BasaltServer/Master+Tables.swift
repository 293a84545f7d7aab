import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// Table DDL on the master. Each runs under `procedures` (one at a time) and records every step in meta:
/// the table state first (ENABLING, DISABLING), then each region's, then the final state, so a master
/// that restarts half way finishes the job (`ClusterRecovery`).
extension Master {
    func writeDescriptor(_ d: TableDescriptor) throws { try descriptors.write(d) }

    public func readDescriptor(_ table: TableName) throws -> TableDescriptor {
        if table == .meta { return try MetaRow.metaDescriptor() }
        guard let d = try descriptors.read(table) else { throw ServerError(.tableNotFound, "table \(table) does not exist") }
        return d
    }

    /// The table's state in meta, or nil when meta does not know the table.
    public func tableState(_ table: TableName) async throws -> MetaRow.TableState? {
        if table == .meta { return .enabled }
        let key = table.nameBytes
        // The state row `table` sorts just before `table,` (and every region row of the table) in meta's order.
        let rows = try await scanMeta(start: key, stop: key + [UInt8(ascii: ",")])
        guard let row = rows.first(where: { $0.row == key }) else { return nil }
        return try MetaRow.parseTableState(row)
    }

    /// The table's state, or `TableNotFound`; DDL on `hbase:` tables is refused.
    func existingUserTable(_ table: TableName) async throws -> MetaRow.TableState {
        guard !table.isSystemTable else { throw ServerError(.invalidArgument, "\(table) is a system table; it cannot be changed") }
        guard let s = try await tableState(table) else { throw ServerError(.tableNotFound, "table \(table) does not exist") }
        return s
    }

    /// The table's regions with their locations, from meta, in key order (split parents left out).
    public func regions(of table: TableName) async throws -> [MetaRow.Location] {
        if table == .meta {
            return [MetaRow.Location(region: .firstMeta, server: metaServer, state: .open)]
        }
        let start = MetaRow.tableStart(table)
        var stop = table.nameBytes
        stop.append(UInt8(ascii: ",") + 1)
        return try await scanMeta(start: start, stop: stop).compactMap { try MetaRow.parse($0) }.filter { !($0.split && $0.offline) }
    }

    /// Creates a table: its descriptor, one region per split range, each assigned to a live server and
    /// recorded in meta (OFFLINE first, then OPEN with its server), and the table state ENABLED.
    @discardableResult
    public func createTable(_ descriptor: TableDescriptor, splitKeys: [[UInt8]] = []) async throws -> [RegionInfo] {
        try await counted(.createTable) {
            let table = descriptor.name
            guard !table.isSystemTable else { throw ServerError(.invalidArgument, "cannot create a table in the system namespace '\(table.namespace)'") }
            try Self.validate(splitKeys: splitKeys)
            guard try namespaces.exists(table.namespace) else {
                throw ServerError(.namespaceNotFound, "namespace '\(table.namespace)' does not exist; create it first (create_namespace '\(table.namespace)')")
            }
            if try await tableState(table) != nil { throw ServerError(.tableExists, "table \(table) already exists") }
            try writeDescriptor(descriptor)
            let regions = try await createRegions(descriptor, splitKeys: splitKeys)
            logger.info("created table", metadata: ["table": "\(table)", "regions": "\(regions.count)"])
            return regions
        }
    }

    /// New regions for a table, recorded OFFLINE under the state ENABLING, assigned, then ENABLED.
    func createRegions(_ descriptor: TableDescriptor, splitKeys: [[UInt8]]) async throws -> [RegionInfo] {
        let table = descriptor.name
        let regions = Self.regions(table, splitKeys: splitKeys)
        var mutations: [Mutation] = [.put(MetaRow.tableStatePut(table, .enabling))]
        for r in regions { mutations.append(.put(try MetaRow.put(.init(region: r, server: nil, state: .offline)))) }
        try await writeMeta(mutations)
        try await assign(regions, descriptor: descriptor)
        try await writeMeta([MetaRow.tableStatePut(table, .enabled)])
        return regions
    }

    static func validate(splitKeys: [[UInt8]]) throws {
        for (i, k) in splitKeys.enumerated() {
            guard !k.isEmpty else { throw ServerError(.invalidArgument, "split key \(i + 1) is empty") }
            if i > 0 && CellComparator.compareBytes(splitKeys[i - 1], k) >= 0 {
                throw ServerError(.invalidArgument, "split keys must be sorted and distinct: '\(Bytes.toStringBinary(splitKeys[i - 1]))' then '\(Bytes.toStringBinary(k))'")
            }
        }
    }

    /// New regions covering the whole key space, cut at `splitKeys`.
    static func regions(_ table: TableName, splitKeys: [[UInt8]]) -> [RegionInfo] {
        let regionId = Int64(Date().timeIntervalSince1970 * 1000)
        let bounds = [[UInt8]()] + splitKeys + [[UInt8]()]
        return (0..<(bounds.count - 1)).map { i in
            RegionInfo(table: table, startKey: bounds[i], endKey: bounds[i + 1], regionId: regionId)
        }
    }

    /// Closes every region of an enabled table and marks it DISABLED.
    public func disableTable(_ table: TableName) async throws {
        try await counted(.disableTable) {
            let state = try await existingUserTable(table)
            guard state == .enabled || state == .disabling else { throw ServerError(.tableNotEnabled, "table \(table) is \(state.name.lowercased())") }
            try await writeMeta([MetaRow.tableStatePut(table, .disabling)])
            try await closeAll(table)
            try await writeMeta([MetaRow.tableStatePut(table, .disabled)])
            logger.info("disabled table", metadata: ["table": "\(table)"])
        }
    }

    /// Opens every region of a disabled table (on its last server when that one is alive) and marks it ENABLED.
    public func enableTable(_ table: TableName) async throws {
        try await counted(.enableTable) {
            let state = try await existingUserTable(table)
            guard state == .disabled || state == .enabling else { throw ServerError(.tableNotDisabled, "table \(table) is \(state.name.lowercased())") }
            try await writeMeta([MetaRow.tableStatePut(table, .enabling)])
            let descriptor = try readDescriptor(table)
            let live = try await waitForRegionServers()
            try await assign(try await regions(of: table).map { ($0.region, $0.server.flatMap { s in live.contains(s) ? s : nil }) }, descriptor: descriptor)
            try await writeMeta([MetaRow.tableStatePut(table, .enabled)])
            logger.info("enabled table", metadata: ["table": "\(table)"])
        }
    }

    /// Removes a disabled table: its meta rows, descriptor and files.
    public func deleteTable(_ table: TableName) async throws {
        try await counted(.deleteTable) {
            let state = try await existingUserTable(table)
            guard state == .disabled else { throw ServerError(.tableNotDisabled, "table \(table) is \(state.name.lowercased()); disable it before deleting") }
            try await removeRegions(of: table)
            try await writeMeta([.delete(Delete(row: table.nameBytes))])
            try removeTableFiles(table)
            logger.info("deleted table", metadata: ["table": "\(table)"])
        }
    }

    /// Empties a disabled table: new, empty regions (at the old boundaries when `preserveSplits`),
    /// assigned and ENABLED, as HBase's truncate leaves it.
    public func truncateTable(_ table: TableName, preserveSplits: Bool) async throws {
        try await counted(.truncateTable) {
            let state = try await existingUserTable(table)
            guard state == .disabled else { throw ServerError(.tableNotDisabled, "table \(table) is \(state.name.lowercased()); disable it before truncating") }
            let descriptor = try readDescriptor(table)
            let old = try await regions(of: table)
            let splitKeys = preserveSplits ? old.map(\.region.startKey).filter { !$0.isEmpty } : []
            try await removeRegions(of: table)
            for r in old { leftBehind("region folder", of: r.region) { try descriptors.removeRegion(r.region) } }
            let regions = try await createRegions(descriptor, splitKeys: splitKeys)
            logger.info("truncated table", metadata: ["table": "\(table)", "regions": "\(regions.count)"])
        }
    }

    /// Replaces a table's descriptor; an enabled table's regions reopen with it. Files of dropped
    /// families are removed.
    public func modifyTable(_ descriptor: TableDescriptor) async throws {
        try await counted(.modifyTable) {
            let table = descriptor.name
            let state = try await existingUserTable(table)
            guard !descriptor.families.isEmpty else { throw ServerError(.invalidArgument, "table \(table) must keep at least one column family") }
            let old = try readDescriptor(table)
            try writeDescriptor(descriptor)
            let dropped = old.families.map(\.name).filter { descriptor.family(named: $0) == nil }
            let regions = try await regions(of: table)
            let reopen = state == .enabled || state == .enabling
            if reopen { try await closeAll(table) }
            for r in regions {
                for f in dropped { leftBehind("dropped family's folder", of: r.region) { try descriptors.removeFamily(f, of: r.region) } }
            }
            if reopen {
                let live = try await waitForRegionServers()
                try await assign(regions.map { ($0.region, $0.server.flatMap { s in live.contains(s) ? s : nil }) }, descriptor: descriptor)
            }
            logger.info("modified table", metadata: ["table": "\(table)", "families": "\(descriptor.families.count)"])
        }
    }

    /// The user tables (and `hbase:meta` when `includeSystem`) whose name matches `regex` whole.
    public func listTables(regex: String, includeSystem: Bool) async throws -> [TableName] {
        let pattern: NSRegularExpression?
        do {
            pattern = regex.isEmpty ? nil : try NSRegularExpression(pattern: "^(?:\(regex))$")
        } catch {
            throw ServerError(.invalidArgument, "'\(regex)' is not a regular expression: \(error.localizedDescription)")
        }
        // Table-state rows are the meta rows without a comma.
        let rows = try await scanMeta(start: [], stop: [])
        var names: [TableName] = includeSystem ? [.meta] : []
        for row in rows where !row.row.contains(UInt8(ascii: ",")) {
            if let name = try? TableName(String(decoding: row.row, as: UTF8.self)) { names.append(name) }
        }
        return names.filter { name in
            guard let pattern else { return true }
            let s = name.nameAsString
            return pattern.firstMatch(in: s, range: NSRange(s.startIndex..., in: s)) != nil
        }.sorted()
    }

    /// Closes each open region of a table and records it CLOSED (keeping its last server).
    func closeAll(_ table: TableName) async throws {
        for loc in try await regions(of: table) where loc.state != .closed {
            if let server = loc.server { try await closeRegion(loc.region, on: server) }
            try await writeMeta([try MetaRow.put(.init(region: loc.region, server: loc.server, state: .closed, openSeqNum: loc.openSeqNum))])
        }
    }

    /// Deletes every region row of a table from meta.
    func removeRegions(of table: TableName) async throws {
        let start = MetaRow.tableStart(table)
        var stop = table.nameBytes
        stop.append(UInt8(ascii: ",") + 1)
        let rows = try await scanMeta(start: start, stop: stop)
        guard !rows.isEmpty else { return }
        try await writeMeta(rows.map { .delete(Delete(row: $0.row)) })
    }

    func removeTableFiles(_ table: TableName) throws { try descriptors.removeTable(table) }

    /// Runs a clean-up whose failure leaves only unused files behind: logged, and the DDL goes on.
    private func leftBehind(_ what: String, of region: RegionInfo, _ body: () throws -> Void) {
        do { try body() } catch {
            logger.warning("could not remove a \(what); it is left behind unused", metadata: ["region": "\(region.encodedName)", "error": "\(error)"])
        }
    }
}
