import BasaltClient
import BasaltCore
import Foundation

/// The general group: `status`, `version`, `whoami`, `table_help`, and `help`.
extension Shell {
    func status(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 0...1)
        var format = "summary"
        if let first = a.first { format = String(decoding: try first.asBytes("format"), as: UTF8.self) }
        let admin = connection.admin()
        let s = try await admin.clusterStatus()
        let servers = s.liveServers.keys.sorted { $0.description < $1.description }
        switch format {
        case "summary":
            write("\(s.master == nil ? 0 : 1) active master, \(s.backupMasters.count) backup masters, \(servers.count) servers, \(s.deadServers.count) dead, \(String(format: "%.4f", s.averageLoad)) average load\n")
        case "simple", "detailed":
            let detailed = format == "detailed"
            if detailed {
                write("version \(Self.version)\n")
                write("\(s.regionsInTransition.count) regionsInTransition\n")
                for t in s.regionsInTransition.sorted(by: { $0.region.regionNameAsString < $1.region.regionNameAsString }) {
                    write("    \(Self.describe(t))\n")
                }
            }
            if let m = s.master { write("active master:  \(m.host):\(m.port) \(m.startCode)\n") }
            write("\(s.backupMasters.count) backup masters\n")
            for b in s.backupMasters { write("    \(b.host):\(b.port) \(b.startCode)\n") }
            write("\(servers.count) live servers\n")
            var requests = 0
            for server in servers {
                let loads = (try? await admin.regionLoads(on: server)) ?? []
                let reads = loads.reduce(0) { $0 + $1.readRequests }
                let writes = loads.reduce(0) { $0 + $1.writeRequests }
                requests += reads + writes
                write("    \(server.host):\(server.port) \(server.startCode)\n")
                write("        numberOfOnlineRegions=\(loads.count), memstoreSizeMB=\(loads.reduce(0) { $0 + $1.memStoreBytes } >> 20), storefiles=\(loads.reduce(0) { $0 + $1.storeFiles }), storefileSizeMB=\(loads.reduce(0) { $0 + $1.storeFileBytes } >> 20), readRequestsCount=\(reads), writeRequestsCount=\(writes)\n")
                if detailed {
                    for l in loads.sorted(by: { $0.region.regionNameAsString < $1.region.regionNameAsString }) {
                        write("        \"\(l.region.regionNameAsString)\"\n")
                        write("            numberOfStorefiles=\(l.storeFiles), memstoreSizeMB=\(l.memStoreBytes >> 20), storefileSizeMB=\(l.storeFileBytes >> 20), readRequestsCount=\(l.readRequests), writeRequestsCount=\(l.writeRequests)\n")
                    }
                }
            }
            write("\(s.deadServers.count) dead servers\n")
            for d in s.deadServers { write("    \(d.host):\(d.port) \(d.startCode)\n") }
            if !detailed { write("Aggregate load: \(requests), regions: \(s.regionCount)\n") }
        default:
            throw ShellError.arguments("status takes 'summary', 'simple' or 'detailed', not '\(format)'")
        }
        return nil
    }

    /// A region in transition as HBase's RegionState prints it: `{name state=OPENING, server=h,p,c}`.
    static func describe(_ t: RegionInTransition) -> String {
        "{\(t.region.regionNameAsString) state=\(t.state), server=\(t.server?.description ?? "null")}"
    }

    func version(_ a: [ShellValue]) throws -> ShellValue? {
        try expect(a, 0...0)
        write("\(Self.version), rbasalt, Basalt (HBase 2.x shell syntax)\n")
        return nil
    }

    func whoami(_ a: [ShellValue]) throws -> ShellValue? {
        try expect(a, 0...0)
        let user = ProcessInfo.processInfo.userName
        write("\(user.isEmpty ? "unknown" : user) (auth:SIMPLE)\n")
        let groups = Self.groupNames()
        if !groups.isEmpty { write("    groups: \(groups.joined(separator: ", "))\n") }
        return nil
    }

    static func groupNames() -> [String] {
        var ids = [gid_t](repeating: 0, count: 64)
        let n = getgroups(Int32(ids.count), &ids)
        guard n > 0 else { return [] }
        var names: [String] = []
        for id in ids.prefix(Int(n)) {
            if let g = getgrgid(id), let name = g.pointee.gr_name { names.append(String(cString: name)) }
        }
        var seen = Set<String>()
        return names.filter { seen.insert($0).inserted }
    }

    func tableHelp() -> ShellValue? {
        write((ShellCommands.info("table_help")?.help ?? "") + "\n")
        return nil
    }

    /// `help`, `help 'command'` or `help 'group'`.
    func help(_ a: [ShellValue]) {
        guard let first = a.first else {
            write(helpHeader())
            write(groupListing())
            write("""
                SHELL USAGE:
                Quote all names (tables, rows, columns) in single or double quotes; double quotes also read
                escapes such as "\\x00" and "\\n". Settings are given as hashes: {NAME => 'f1', VERSIONS => 3}.
                Commas separate arguments, and a trailing KEY => value list needs no braces.

                  hbase> create 't1', {NAME => 'f1', VERSIONS => 5}
                  hbase> put 't1', 'r1', 'f1:c1', 'value'
                  hbase> scan 't1', {COLUMNS => 'f1:c1', LIMIT => 10}

                """)
            return
        }
        let name = (try? first.asBytes("name")).map { String(decoding: $0, as: UTF8.self) } ?? "\(first)"
        if let info = ShellCommands.info(name) {
            write(info.help + "\n")
        } else if let group = ShellCommands.groups.first(where: { $0.name == name }) {
            write(String(repeating: "-", count: 80) + "\n\n\(group.about)\n\n")
            for c in ShellCommands.all.filter({ $0.group == name }).sorted(by: { $0.name < $1.name }) {
                write("Command: \(c.name)\n\(c.help)\n\n")
            }
        } else {
            output.err("ERROR: Invalid command or command group name: \(name)\n\n")
            write(helpHeader())
            write(groupListing())
        }
    }

    private func helpHeader() -> String {
        """
        Basalt Shell, version \(Self.version)
        Type 'help "COMMAND"', (e.g. 'help "get"' -- the quotes are necessary) for help on a specific command.
        Commands are grouped. Type 'help "COMMAND_GROUP"', (e.g. 'help "general"') for help on a command group.


        """
    }

    private func groupListing() -> String {
        var out = "COMMAND GROUPS:\n"
        for group in ShellCommands.groups {
            let names = ShellCommands.all.filter { $0.group == group.name }.map(\.name).sorted()
            out += "  Group name: \(group.name)\n  Commands: \(names.joined(separator: ", "))\n\n"
        }
        return out
    }
}
