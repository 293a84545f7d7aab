import ArgumentParser
import BasaltClient
import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// `basalt hbck`: HBase's consistency check and hbck2's fix-ups.
struct HbckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hbck",
        abstract: "Check the cluster's consistency (meta, folders, assignments) and mend it.",
        subcommands: [HbckCheckCommand.self, HbckAssignsCommand.self, HbckUnassignsCommand.self, HbckSetTableStateCommand.self, HbckFixHolesCommand.self],
        defaultSubcommand: HbckCheckCommand.self)

    /// Logs errors only and connects with the options given.
    static func connect(_ conf: ConfigurationOptions) async throws -> Connection {
        ClientLogging.bootstrapErrorsOnly()
        return try await Connection.connect(try conf.load())
    }
}

/// `basalt hbck [TABLE ...] [--root DIR]`: reports holes and overlaps in each table's key range, regions in
/// meta without a folder and folders without a meta row, regions open on no server, on two, or elsewhere
/// than meta says, regions open in disabled tables, leftover split parents, and WAL folders of dead
/// servers not yet split; each with what it means and how to mend it. Exits 1 when it finds anything.
struct HbckCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Report inconsistencies (the default); exit 1 when there are any.")

    @OptionGroup var conf: ConfigurationOptions
    @Option(help: "The cluster's root folder (hbase.rootdir; the data folder of basalt start): enables the folder and WAL checks.")
    var root: String?
    @Argument(help: "Tables to check (all when none is named).") var tables: [String] = []
    @Flag(help: "Print one JSON object per finding.") var json = false

    func validate() throws {
        for t in tables { _ = try TableName(t) }
    }

    func run() async throws {
        let connection = try await HbckCommand.connect(conf)
        let rootPath = try root ?? conf.load()["hbase.rootdir"].map { $0.hasPrefix("file://") ? String($0.dropFirst(7)) : $0 }
        let check: HbckCheck
        do {
            check = try await HbckCheck.read(connection, root: rootPath)
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        let only = tables.isEmpty ? nil : Set(try tables.map { try TableName($0) })
        let found = check.findings(only: only)
        if json {
            for f in found {
                var o: [String: Any] = ["kind": f.kind.rawValue, "table": f.table, "detail": f.detail, "means": f.kind.means, "fix": f.fix]
                if let r = f.region { o["region"] = r }
                if let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) { print(String(decoding: data, as: UTF8.self)) }
            }
        } else {
            for f in found {
                print("\(f.kind.rawValue)  \(f.table)\(f.region.map { " \($0)" } ?? ""): \(f.detail)")
                print("    means: \(f.kind.means)")
                print("    fix:   \(f.fix)")
            }
            let regionCount = check.regions.filter { !($0.location.split && $0.location.offline) && (only?.contains($0.location.region.table) ?? true) }.count
            print("hbck: \(found.count) inconsistencies in \(regionCount) regions on \(check.live.count) live servers\(rootPath == nil ? " (no --root: folders and WALs not checked)" : "")")
        }
        if !found.isEmpty { throw ExitCode(1) }
    }
}

/// `basalt hbck assigns ENCODED ...`: the master opens each region on exactly one live server.
struct HbckAssignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "assigns", abstract: "Open regions (by encoded name) on exactly one live server each.")
    @OptionGroup var conf: ConfigurationOptions
    @Argument(help: "Encoded region names.") var regions: [String]

    func validate() throws { try HbckRegionNames.validate(regions) }

    func run() async throws {
        let connection = try await HbckCommand.connect(conf)
        let failed = await HbckRegionNames.each(regions, connection) { try await connection.admin().assign(encodedRegionName: $0) }
        await connection.close()
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `basalt hbck unassigns ENCODED ...`: the master closes each region wherever it is open and records it CLOSED.
struct HbckUnassignsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unassigns", abstract: "Close regions (by encoded name) wherever they are open; meta records them CLOSED.")
    @OptionGroup var conf: ConfigurationOptions
    @Argument(help: "Encoded region names.") var regions: [String]

    func validate() throws { try HbckRegionNames.validate(regions) }

    func run() async throws {
        let connection = try await HbckCommand.connect(conf)
        let failed = await HbckRegionNames.each(regions, connection) { try await connection.admin().unassign(encodedRegionName: $0) }
        await connection.close()
        if failed > 0 { throw ExitCode(1) }
    }
}

/// `basalt hbck setTableState TABLE STATE`: writes a table's state in meta, as hbck2's does; nothing is
/// opened or closed.
struct HbckSetTableStateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "setTableState", abstract: "Write a table's state (ENABLED, DISABLED, ENABLING, DISABLING) in meta; nothing is opened or closed.")
    @OptionGroup var conf: ConfigurationOptions
    @Argument(help: "The table.") var table: String
    @Argument(help: "ENABLED, DISABLED, ENABLING or DISABLING.") var state: String

    static let states: [MetaRow.TableState] = [.enabled, .disabled, .enabling, .disabling]

    func validate() throws {
        let t = try TableName(table)
        guard !t.isSystemTable else { throw ValidationError("\(t) is a system table; its state cannot be set") }
        guard Self.states.contains(where: { $0.name == state.uppercased() }) else {
            throw ValidationError("'\(state)' is not a table state; use one of \(Self.states.map(\.name).joined(separator: ", "))")
        }
    }

    func run() async throws {
        let t = try TableName(table)
        guard let s = Self.states.first(where: { $0.name == state.uppercased() }) else { return }
        let connection = try await HbckCommand.connect(conf)
        do {
            // A table whose state row is gone (NO_TABLE_STATE) still has its region rows in meta.
            if try await !connection.admin().tableExists(t) {
                var scan = Scan(startRow: MetaRow.tableStart(t))
                scan.limit = 1
                let scanner = connection.table(.meta).scanner(scan)
                let first = try await scanner.next()
                await scanner.close()
                guard let row = first?.row, row.starts(with: t.nameBytes + [UInt8(ascii: ",")]) else {
                    throw ValidationError("table \(t) does not exist")
                }
            }
            try await connection.table(.meta).put(MetaRow.tableStatePut(t, s))
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        print("\(t): \(s.name)")
    }
}

/// `basalt hbck fixHoles TABLE ... --root DIR`: mends the holes in each table's key range, as hbck2's
/// `fixMeta` does: a region folder that meta no longer lists and whose `.regioninfo` lies inside a hole gets
/// its meta row back (its data is served again); what is left of the hole gets new, empty regions. Each is
/// recorded OFFLINE in meta, then assigned.
struct HbckFixHolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fixHoles", abstract: "Mend holes in tables' key ranges: re-adopt orphan region folders that fit, plug the rest with empty regions.")
    @OptionGroup var conf: ConfigurationOptions
    @Option(help: "The cluster's root folder (hbase.rootdir; the data folder of basalt start).") var root: String?
    @Argument(help: "Tables to mend.") var tables: [String]

    func validate() throws {
        guard !tables.isEmpty else { throw ValidationError("name the tables to mend") }
        for t in tables { _ = try TableName(t) }
    }

    func run() async throws {
        guard let rootPath = try root ?? conf.load()["hbase.rootdir"].map({ $0.hasPrefix("file://") ? String($0.dropFirst(7)) : $0 }) else {
            throw ValidationError("give --root (the cluster's root folder): without it orphan folders cannot be re-adopted")
        }
        let connection = try await HbckCommand.connect(conf)
        do {
            let check = try await HbckCheck.read(connection, root: rootPath)
            var failed = 0
            for name in tables {
                let table = try TableName(name)
                guard check.tableStates[table] != nil else {
                    print("\(table): FAILED: no such table in hbase:meta")
                    failed += 1
                    continue
                }
                let pieces = Self.plan(table, check)
                if pieces.isEmpty { print("\(table): no holes") }
                for (region, adopted) in pieces {
                    try await connection.table(.meta).put(try MetaRow.put(.init(region: region, server: nil, state: .offline)))
                    do {
                        try await connection.admin().assign(encodedRegionName: region.encodedName)
                        print("\(table): \(adopted ? "re-adopted" : "created") \(region.encodedName) \(HbckCheck.range(region))")
                    } catch {
                        let e = ClientError(error)
                        print("\(table): \(region.encodedName) \(HbckCheck.range(region)) is in meta but did not open: \(e.code): \(e.message)")
                        failed += 1
                    }
                }
            }
            await connection.close()
            if failed > 0 { throw ExitCode(1) }
        } catch {
            await connection.close()
            throw error
        }
    }

    /// The regions that fill the table's holes: orphan folders whose keys lie in a hole (by start key, not
    /// overlapping each other), then new regions for the gaps between them.
    static func plan(_ table: TableName, _ check: HbckCheck) -> [(RegionInfo, adopted: Bool)] {
        let inMeta = check.regions.filter { $0.location.region.table == table }
        let known = Set(inMeta.map(\.encoded))
        let serving = inMeta.filter { !($0.location.split && $0.location.offline) }.map(\.location.region)
        let orphans = check.folderRegions.values.filter { $0.table == table && !known.contains($0.encodedName) }
            .sorted { $0.startKey.lexicographicallyPrecedes($1.startKey) }
        var out: [(RegionInfo, adopted: Bool)] = []
        var nextId = Int64(Date().timeIntervalSince1970 * 1000)
        func fresh(_ start: [UInt8], _ end: [UInt8]) -> RegionInfo {
            nextId += 1
            return RegionInfo(table: table, startKey: start, endKey: end, regionId: nextId)
        }
        for hole in HbckCheck.walk(serving).holes {
            var cursor: [UInt8]? = hole.start
            for o in orphans where HbckCheck.within(o, hole) {
                guard let c = cursor, !o.startKey.lexicographicallyPrecedes(c) else { continue }
                if c.lexicographicallyPrecedes(o.startKey) { out.append((fresh(c, o.startKey), false)) }
                out.append((o, true))
                cursor = o.endKey.isEmpty ? nil : o.endKey
            }
            if let c = cursor, hole.end.isEmpty || c.lexicographicallyPrecedes(hole.end) {
                out.append((fresh(c, hole.end), false))
            }
        }
        return out
    }
}

/// Encoded region names as hbck's fix-ups take them.
enum HbckRegionNames {
    static func validate(_ names: [String]) throws {
        guard !names.isEmpty else { throw ValidationError("name at least one region by its encoded name") }
        for n in names where !(n.count == 32 && n.allSatisfy(\.isHexDigit)) {
            throw ValidationError("'\(n)' is not an encoded region name (32 hex digits, as hbck prints them)")
        }
    }

    /// Runs `body` for each name, printing each outcome; returns how many failed.
    static func each(_ names: [String], _ connection: Connection, _ body: (String) async throws -> Void) async -> Int {
        var failed = 0
        for n in names {
            do {
                try await body(n)
                print("\(n): done")
            } catch {
                let e = ClientError(error)
                print("\(n): FAILED: \(e.code): \(e.message)")
                failed += 1
            }
        }
        return failed
    }
}
