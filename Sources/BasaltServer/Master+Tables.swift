import BasaltCore
import BasaltProtocol
import Foundation

extension Master {
    /// Where a table's descriptor lives: `<root>/data/<ns>/<table>/.tabledesc/.tableinfo.0000000001`.
    func descriptorPath(_ table: TableName) -> String {
        "\(configuration.root)/data/\(table.namespace)/\(table.qualifier)/.tabledesc/.tableinfo.0000000001"
    }

    func writeDescriptor(_ d: TableDescriptor) throws {
        let path = descriptorPath(d.name)
        let dir = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let bytes = try PBUFCodec.encode(Basalt_TableSchema(d))
        let tmp = path + ".tmp"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw ServerError(.io, "cannot write the descriptor of \(d.name) to \(tmp)")
        }
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        try FileManager.default.moveItem(atPath: tmp, toPath: path)
    }

    public func readDescriptor(_ table: TableName) throws -> TableDescriptor {
        if table == .meta { return try MetaRow.metaDescriptor() }
        guard let data = FileManager.default.contents(atPath: descriptorPath(table)) else {
            throw ServerError(.tableNotFound, "table \(table) does not exist")
        }
        return try PBUFCodec.decode(Basalt_TableSchema.self, from: Array(data)).toDescriptor()
    }

    /// The table's state in meta, or nil when meta does not know the table.
    public func tableState(_ table: TableName) async throws -> MetaRow.TableState? {
        let key = table.nameBytes
        let rows = try await scanMeta(start: key, stop: key + [0])
        guard let row = rows.first(where: { $0.row == key }) else { return nil }
        return try MetaRow.parseTableState(row)
    }

    /// The table's regions with their locations, from meta, in key order.
    public func regions(of table: TableName) async throws -> [MetaRow.Location] {
        let start = MetaRow.tableStart(table)
        var stop = table.nameBytes
        stop.append(UInt8(ascii: ",") + 1)
        return try await scanMeta(start: start, stop: stop).compactMap { try MetaRow.parse($0) }
    }

    /// Creates a table: its descriptor, one region per split range, each assigned to a live server and
    /// recorded in meta (OFFLINE first, then OPEN with its server), and the table state ENABLED.
    @discardableResult
    public func createTable(_ descriptor: TableDescriptor, splitKeys: [[UInt8]] = []) async throws -> [RegionInfo] {
        let table = descriptor.name
        guard !table.isSystemTable else { throw ServerError(.invalidArgument, "cannot create a table in the system namespace '\(table.namespace)'") }
        for (i, k) in splitKeys.enumerated() {
            guard !k.isEmpty else { throw ServerError(.invalidArgument, "split key \(i + 1) is empty") }
            if i > 0 && CellComparator.compareBytes(splitKeys[i - 1], k) >= 0 {
                throw ServerError(.invalidArgument, "split keys must be sorted and distinct: '\(Bytes.toStringBinary(splitKeys[i - 1]))' then '\(Bytes.toStringBinary(k))'")
            }
        }
        if try await tableState(table) != nil { throw ServerError(.tableExists, "table \(table) already exists") }
        try writeDescriptor(descriptor)
        let regionId = Int64(Date().timeIntervalSince1970 * 1000)
        let bounds = [[UInt8]()] + splitKeys + [[UInt8]()]
        let regions = (0..<(bounds.count - 1)).map { i in
            RegionInfo(table: table, startKey: bounds[i], endKey: bounds[i + 1], regionId: regionId)
        }
        var puts = [MetaRow.tableStatePut(table, .enabling)]
        for r in regions { puts.append(try MetaRow.put(.init(region: r, server: nil, state: "OFFLINE"))) }
        try await writeMeta(puts)
        try await assign(regions, descriptor: descriptor)
        try await writeMeta([MetaRow.tableStatePut(table, .enabled)])
        logger.info("created table", metadata: ["table": "\(table)", "regions": "\(regions.count)"])
        return regions
    }

    /// Opens each region on the live server holding the fewest regions, and records where in meta.
    func assign(_ regions: [RegionInfo], descriptor: TableDescriptor) async throws {
        let live = try await waitForRegionServers()
        for r in regions {
            let target = try leastLoaded(live)
            let seq = try await openRegion(r, descriptor: descriptor, on: target)
            try await writeMeta([try MetaRow.put(.init(region: r, server: target, state: "OPEN", openSeqNum: Int64(seq)))])
        }
    }
}
