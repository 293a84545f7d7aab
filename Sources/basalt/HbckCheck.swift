import BasaltClient
import BasaltCore
import BasaltMeta
import BasaltProtocol
import BasaltServer
import BasaltStorage
import Foundation

/// One inconsistency `basalt hbck` found, with what it means and how to mend it.
struct HbckFinding: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case hole = "HOLE"
        case overlap = "OVERLAP"
        case noFolder = "NO_FOLDER"
        case orphanFolder = "ORPHAN_FOLDER"
        case notDeployed = "NOT_DEPLOYED"
        case multiplyDeployed = "MULTIPLY_DEPLOYED"
        case deployedElsewhere = "META_DISAGREES"
        case noTableState = "NO_TABLE_STATE"
        case notInMeta = "OPEN_NOT_IN_META"
        case openInDisabledTable = "OPEN_IN_DISABLED_TABLE"
        case leftoverSplitParent = "LEFTOVER_SPLIT_PARENT"
        case unsplitWALs = "UNSPLIT_WALS"

        /// What the finding means for the cluster's users.
        var means: String {
            switch self {
            case .hole: "no region covers these rows: reads see nothing there and writes fail"
            case .overlap: "two regions claim the same rows: a row may be written to one and read from the other"
            case .noFolder: "meta lists the region but its folder is gone: its data is lost or was moved"
            case .orphanFolder: "a region folder that meta does not list: its files are served by no one"
            case .notDeployed: "the region is open on no server: its rows cannot be read or written"
            case .multiplyDeployed: "the region is open on more than one server: writes may go to either and be lost"
            case .deployedElsewhere: "meta names another server or state than the server that holds the region: clients are sent to the wrong place"
            case .noTableState: "meta has regions of the table but no state row: the master cannot tell whether it is enabled"
            case .notInMeta: "a server holds a region that meta does not list: clients never reach it"
            case .openInDisabledTable: "the table is disabled but the region is still open"
            case .leftoverSplitParent: "a split did not finish cleaning up: the parent's folder or its daughters' rows are not as a finished split leaves them"
            case .unsplitWALs: "a dead server's WAL has not been split: edits it acknowledged are not yet readable"
            }
        }
    }

    var kind: Kind
    var table: String
    var region: String?
    var detail: String
    var fix: String
}

/// What `basalt hbck` reads (meta, the live servers and what each holds, the root's folders) and what it
/// concludes, as HBase's hbck does.
struct HbckCheck {
    struct Region {
        var location: MetaRow.Location
        var encoded: String { location.region.encodedName }
    }

    var tableStates: [TableName: MetaRow.TableState] = [:]
    var regions: [Region] = []
    var live: [ServerName] = []
    /// Encoded name → the live servers that report it open.
    var holders: [String: [ServerName]] = [:]
    /// Encoded name → the region, for regions held but perhaps not in meta.
    var heldRegions: [String: RegionInfo] = [:]
    /// Region folders under the root, by table ("ns:table" or "table"): encoded names. Nil without a root.
    var folders: [TableName: Set<String>]?
    /// WAL folders under the root with files in them. Nil without a root.
    var walFolders: [String]?
    /// What each region folder's `.regioninfo` says, by encoded name (folders without one are left out).
    var folderRegions: [String: RegionInfo] = [:]

    /// Reads the cluster through `connection`, and the root's folders when `root` is given.
    static func read(_ connection: Connection, root: String?) async throws -> HbckCheck {
        var c = HbckCheck()
        let admin = connection.admin()
        c.live = try await admin.coordinationSnapshot().regionServers.compactMap { try? ServerName(parsing: $0) }
        var scan = Scan()
        scan.columns.addFamily(MetaRow.infoFamily)
        scan.columns.addFamily(MetaRow.tableFamily)
        for row in try await connection.table(.meta).scanAll(scan) {
            if !row.row.contains(UInt8(ascii: ",")) {
                if let t = try? TableName(String(decoding: row.row, as: UTF8.self)), let s = try MetaRow.parseTableState(row) { c.tableStates[t] = s }
            } else if let loc = try MetaRow.parse(row) {
                c.regions.append(Region(location: loc))
            }
        }
        for server in c.live {
            for load in try await admin.regionLoads(on: server) where load.region.table != .meta {
                c.holders[load.region.encodedName, default: []].append(server)
                c.heldRegions[load.region.encodedName] = load.region
            }
        }
        if let root {
            let fs = POSIXFileSystem()
            var folders: [TableName: Set<String>] = [:]
            let data = joinPath(root, "data")
            for ns in (try? fs.list(data)) ?? [] where ns != TableName.meta.namespace {
                for table in (try? fs.list(joinPath(data, ns))) ?? [] {
                    guard let name = try? TableName(ns == "default" ? table : "\(ns):\(table)") else { continue }
                    let names = ((try? fs.list(joinPath(data, ns, table))) ?? []).filter { $0.count == 32 && $0.allSatisfy(\.isHexDigit) }
                    folders[name] = Set(names)
                    for n in names {
                        if let info = try? RegionInfoFile.read(joinPath(data, ns, table, n, RegionInfoFile.name), fileSystem: fs), info.encodedName == n {
                            c.folderRegions[n] = info
                        }
                    }
                }
            }
            c.folders = folders
            let wals = joinPath(root, "WALs")
            c.walFolders = ((try? fs.list(wals)) ?? []).filter { !(((try? fs.list(joinPath(wals, $0))) ?? []).isEmpty) }
        }
        return c
    }

    /// Every inconsistency, table by table (only `only`'s when given), then the WAL folders.
    func findings(only: Set<TableName>? = nil) -> [HbckFinding] {
        var out: [HbckFinding] = []
        let byTable = Dictionary(grouping: regions, by: { $0.location.region.table })
        let tables = Set(tableStates.keys).union(byTable.keys).union(folders.map { Set($0.keys) } ?? [])
        for table in tables.sorted(by: { $0.description < $1.description }) where only?.contains(table) ?? true {
            out += findings(table, regions: byTable[table] ?? [])
        }
        if only == nil {
            let inMeta = Set(regions.map(\.encoded))
            for (encoded, servers) in holders.sorted(by: { $0.key < $1.key }) where !inMeta.contains(encoded) {
                let table = heldRegions[encoded]?.table.description ?? "?"
                out.append(HbckFinding(kind: .notInMeta, table: table, region: encoded,
                    detail: "open on \(servers.map(\.description).joined(separator: " and ")) but not in hbase:meta",
                    fix: "close it: basalt hbck unassigns cannot name it (meta does not list it); restart the server that holds it, or move its folder aside if it is an orphan"))
            }
            let liveNames = Set(live.map(\.description))
            for folder in (walFolders ?? []).sorted() {
                let server = folder.hasSuffix("-splitting") ? String(folder.dropLast("-splitting".count)) : folder
                guard !liveNames.contains(server) else { continue }
                out.append(HbckFinding(kind: .unsplitWALs, table: "-", region: nil,
                    detail: "WALs/\(folder) belongs to \(server), which is not live",
                    fix: "the active master splits it when it learns the server is dead: make sure a master is running (basalt master), then run hbck again"))
            }
        }
        return out
    }

    private func findings(_ table: TableName, regions all: [Region]) -> [HbckFinding] {
        var out: [HbckFinding] = []
        let name = table.description
        let state = tableStates[table]
        let parents = all.filter { $0.location.split && $0.location.offline }
        let serving = all.filter { !($0.location.split && $0.location.offline) }
        let folderSet = folders?[table]

        if state == nil && !all.isEmpty {
            out.append(HbckFinding(kind: .noTableState, table: name, region: nil, detail: "meta has regions of \(name) but no table state row",
                fix: "basalt hbck setTableState \(name) ENABLED"))
        }
        if state == nil, all.isEmpty, let f = folderSet, !f.isEmpty {
            for encoded in f.sorted() {
                out.append(HbckFinding(kind: .orphanFolder, table: name, region: encoded, detail: "data/\(table.namespace)/\(table.qualifier)/\(encoded) of a table meta does not know",
                    fix: "move the folder out of the root once you have checked it holds nothing you need"))
            }
            return out
        }

        // The key range: sorted by start key, each region must start where the one before ended.
        let walk = Self.walk(serving.map(\.location.region))
        for (r, other) in walk.overlaps {
            out.append(HbckFinding(kind: .overlap, table: name, region: r.encodedName,
                detail: "\(r.encodedName) \(Self.range(r)) overlaps \(other.encodedName) \(Self.range(other))",
                fix: "merge_region '\(other.encodedName)', '\(r.encodedName)' when the two are adjacent; otherwise unassign the wrong one (basalt hbck unassigns \(r.encodedName)) and remove its meta row"))
        }
        if state != nil || !serving.isEmpty {
            for hole in walk.holes {
                out.append(HbckFinding(kind: .hole, table: name, region: nil, detail: "no region covers [\(Self.key(hole.start)), \(Self.endKey(hole.end)))",
                    fix: "basalt hbck fixHoles \(name) --root DIR (a folder whose .regioninfo lies in the hole gets its meta row back; the rest is plugged with new empty regions)"))
            }
        }

        // Where each region is open, against meta and the table's state.
        for r in serving {
            let held = holders[r.encoded] ?? []
            let loc = r.location
            if state == .disabled {
                if !held.isEmpty {
                    out.append(HbckFinding(kind: .openInDisabledTable, table: name, region: r.encoded,
                        detail: "open on \(held.map(\.description).joined(separator: ", ")) while \(name) is disabled",
                        fix: "basalt hbck unassigns \(r.encoded)"))
                }
                continue
            }
            if held.count > 1 {
                out.append(HbckFinding(kind: .multiplyDeployed, table: name, region: r.encoded,
                    detail: "open on \(held.map(\.description).joined(separator: " and "))",
                    fix: "basalt hbck assigns \(r.encoded) (closes every copy, then opens one)"))
            } else if held.isEmpty {
                out.append(HbckFinding(kind: .notDeployed, table: name, region: r.encoded,
                    detail: "meta says \(loc.state) on \(loc.server?.description ?? "no server"); no live server holds it",
                    fix: "basalt hbck assigns \(r.encoded)"))
            } else if loc.state != .open || loc.server != held[0] {
                out.append(HbckFinding(kind: .deployedElsewhere, table: name, region: r.encoded,
                    detail: "open on \(held[0]); meta says \(loc.state) on \(loc.server?.description ?? "no server")",
                    fix: "basalt hbck assigns \(r.encoded)"))
            }
        }
        if let folderSet {
            for r in serving where !folderSet.contains(r.encoded) {
                out.append(HbckFinding(kind: .noFolder, table: name, region: r.encoded,
                    detail: "data/\(table.namespace)/\(table.qualifier)/\(r.encoded) does not exist",
                    fix: "restore the folder from a copy if there is one; otherwise unassign the region (basalt hbck unassigns \(r.encoded)) and mend the hole it leaves"))
            }
            let known = Set(all.map(\.encoded))
            let holes = Self.walk(serving.map(\.location.region)).holes
            for encoded in folderSet.subtracting(known).sorted() {
                let info = folderRegions[encoded]
                let adoptable = info.map { i in holes.contains { Self.within(i, $0) } } ?? false
                out.append(HbckFinding(kind: .orphanFolder, table: name, region: encoded,
                    detail: "data/\(table.namespace)/\(table.qualifier)/\(encoded) is not in hbase:meta" + (info.map { " (its .regioninfo says \(Self.range($0)))" } ?? ""),
                    fix: adoptable
                        ? "basalt hbck fixHoles \(name) --root DIR gives it its meta row back"
                        : "move the folder out of the root once you have checked it holds nothing you need"))
            }
        }
        let inMeta = Set(all.map(\.encoded))
        for p in parents {
            var problems: [String] = []
            if folderSet?.contains(p.encoded) == true { problems.append("its folder is still there") }
            let missing = p.location.daughters.filter { !inMeta.contains($0.encodedName) }
            if !missing.isEmpty { problems.append("daughter \(missing.map(\.encodedName).joined(separator: ", ")) is not in meta") }
            guard !problems.isEmpty else { continue }
            out.append(HbckFinding(kind: .leftoverSplitParent, table: name, region: p.encoded, detail: problems.joined(separator: "; "),
                fix: "restart the active master: it finishes or rolls back splits it finds half done; then run hbck again"))
        }
        return out
    }

    /// The holes and overlaps of a table's regions (split parents left out): walking them by start key,
    /// each must start where the one before ended, the first at the table's start and the last at its end.
    static func walk(_ regions: [RegionInfo]) -> (holes: [(start: [UInt8], end: [UInt8])], overlaps: [(RegionInfo, RegionInfo)]) {
        let sorted = regions.sorted { a, b in
            a.startKey == b.startKey ? endOrder(a.endKey, b.endKey) : a.startKey.lexicographicallyPrecedes(b.startKey)
        }
        var holes: [(start: [UInt8], end: [UInt8])] = []
        var overlaps: [(RegionInfo, RegionInfo)] = []
        var cursor: [UInt8] = []
        var reachedEnd = false
        var last: RegionInfo?
        for r in sorted {
            if let l = last, reachedEnd || r.startKey.lexicographicallyPrecedes(cursor) {
                overlaps.append((r, l))
            } else if cursor.lexicographicallyPrecedes(r.startKey) {
                holes.append((cursor, r.startKey))
            }
            if r.endKey.isEmpty {
                reachedEnd = true
            } else if cursor.lexicographicallyPrecedes(r.endKey) {
                cursor = r.endKey
            }
            last = r
        }
        if !reachedEnd { holes.append((cursor, [])) }
        return (holes, overlaps)
    }

    /// Whether `r`'s keys lie inside the hole.
    static func within(_ r: RegionInfo, _ hole: (start: [UInt8], end: [UInt8])) -> Bool {
        guard !r.startKey.lexicographicallyPrecedes(hole.start) else { return false }
        if hole.end.isEmpty { return true }
        return !r.endKey.isEmpty && !hole.end.lexicographicallyPrecedes(r.endKey)
    }

    static func range(_ r: RegionInfo) -> String { "[\(key(r.startKey)), \(endKey(r.endKey)))" }

    static func key(_ k: [UInt8]) -> String { k.isEmpty ? "''" : "'\(Bytes.toStringBinary(k))'" }
    static func endKey(_ k: [UInt8]) -> String { k.isEmpty ? "end" : key(k) }

    /// Orders end keys with the empty one (the table's end) last.
    static func endOrder(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        if a.isEmpty { return false }
        if b.isEmpty { return true }
        return a.lexicographicallyPrecedes(b)
    }
}
