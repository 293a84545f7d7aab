import BasaltClient
import BasaltCore
import Foundation

/// The ddl group: creating, changing, describing, listing and removing tables.
extension Shell {
    func create(_ a: [ShellValue]) async throws -> ShellValue? {
        guard let first = a.first else { throw ShellError.wrongCount(given: 0, expected: "1+") }
        let t = try first.tableName()
        var families: [ColumnFamilyDescriptor] = []
        var splits: [[UInt8]] = []
        var numRegions: Int?
        var algorithm = SplitAlgorithm.hexString
        var durability = Durability.useDefault
        for arg in a.dropFirst() {
            switch arg {
            case .string(let name):
                families.append(ColumnFamilyDescriptor(name: name))
            case .hash(let h) where h["NAME"] != nil:
                let (f, ignored) = try FamilySettings.family(from: h, base: nil)
                for key in ignored { write("Unknown argument ignored for column family \(f.nameAsString): \(key)\n") }
                families.append(f)
            case .hash(let h):
                for (keyValue, value) in h.pairs {
                    let key = keyValue.stringValue ?? "\(keyValue)"
                    switch key {
                    case "SPLITS": splits = try value.asList.map { try $0.asBytes("a split key") }
                    case "NUMREGIONS": numRegions = Int(try value.asInt("NUMREGIONS"))
                    case "SPLITALGO":
                        do {
                            algorithm = try SplitAlgorithm(name: value.stringValue ?? "\(value)")
                        } catch {
                            throw ShellError.arguments(ShellError.reason(error))
                        }
                    case "DURABILITY":
                        do {
                            durability = try Durability(parsing: value.stringValue ?? "\(value)")
                        } catch {
                            throw ShellError.arguments(ShellError.reason(error))
                        }
                    default: write("An argument ignored (unknown or overridden): \(key)\n")
                    }
                }
            default:
                throw ShellError.arguments("create takes column family names or hashes, not \(arg)")
            }
        }
        guard !families.isEmpty else { throw ShellError.arguments("Table must have at least one column family") }
        var descriptor: TableDescriptor
        do {
            descriptor = try TableDescriptor(name: t, families: families)
        } catch {
            throw ShellError.arguments(ShellError.reason(error))
        }
        descriptor.durability = durability
        let admin = connection.admin()
        if let numRegions {
            guard splits.isEmpty else { throw ShellError.arguments("give SPLITS or NUMREGIONS, not both") }
            guard numRegions >= 1 else { throw ShellError.arguments("NUMREGIONS must be at least 1, got \(numRegions)") }
            try await admin.createTable(descriptor, regions: numRegions, algorithm: algorithm)
        } else {
            try await admin.createTable(descriptor, splitKeys: splits)
        }
        write("Created table \(t.nameAsString)\n")
        return .table(t)
    }

    func alter(_ a: [ShellValue]) async throws -> ShellValue? {
        guard a.count >= 2 else { throw ShellError.wrongCount(given: a.count, expected: "2+") }
        let t = try a[0].tableName()
        let admin = connection.admin()
        var descriptor = try await admin.describe(t).descriptor
        for arg in a.dropFirst() {
            switch arg {
            case .string(let name):
                var f = descriptor.family(named: name) ?? ColumnFamilyDescriptor(name: name)
                f.name = name
                try setFamily(f, in: &descriptor)
            case .hash(let h):
                if let victim = h["delete"] ?? (h["METHOD"]?.stringValue == "delete" ? h["NAME"] : nil) {
                    let name = try victim.asBytes("the family to delete")
                    do {
                        try descriptor.removeFamily(named: name)
                    } catch {
                        throw ShellError(.arguments, ShellError.reason(error))
                    }
                } else if let nameValue = h["NAME"] {
                    let base = descriptor.family(named: try nameValue.asBytes("NAME"))
                    let (f, ignored) = try FamilySettings.family(from: h, base: base)
                    for key in ignored { write("Unknown argument ignored for column family \(f.nameAsString): \(key)\n") }
                    try setFamily(f, in: &descriptor)
                } else {
                    for (keyValue, value) in h.pairs {
                        let key = keyValue.stringValue ?? "\(keyValue)"
                        if key == "DURABILITY" {
                            do {
                                descriptor.durability = try Durability(parsing: value.stringValue ?? "\(value)")
                            } catch {
                                throw ShellError.arguments(ShellError.reason(error))
                            }
                        } else {
                            write("Unknown argument ignored: \(key)\n")
                        }
                    }
                }
            default:
                throw ShellError.arguments("alter takes family names or hashes, not \(arg)")
            }
        }
        write("Updating all regions with the new schema...\n")
        try await admin.modifyTable(descriptor)
        let regions = try await admin.isTableEnabled(t) ? (try await admin.regions(of: t)).count : 0
        write(regions == 0 ? "All regions updated.\n" : "\(regions)/\(regions) regions updated.\n")
        write("Done.\n")
        return nil
    }

    private func setFamily(_ f: ColumnFamilyDescriptor, in descriptor: inout TableDescriptor) throws(ShellError) {
        do {
            try descriptor.setFamily(f)
        } catch {
            throw ShellError.arguments(ShellError.reason(error))
        }
    }

    func describe(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let d = try await connection.admin().describe(t)
        write("Table \(t.nameAsString) is \(d.state == .disabled || d.state == .disabling ? "DISABLED" : "ENABLED")\n")
        var attributes: [String] = []
        if t == .meta { attributes.append("IS_META => 'true'") }
        if d.descriptor.durability != .useDefault { attributes.append("DURABILITY => '\(d.descriptor.durability.rawValue)'") }
        write(t.nameAsString + (attributes.isEmpty ? "" : ", {TABLE_ATTRIBUTES => {\(attributes.joined(separator: ", "))}}") + "\n")
        write("COLUMN FAMILIES DESCRIPTION\n")
        for f in d.descriptor.families { write(FamilySettings.describe(f) + "\n\n") }
        write(formatter.footer(d.descriptor.families.count))
        write("Quota is disabled\n")
        return nil
    }

    /// `enable` and `disable`: a table already in that state is left alone, as HBase does.
    func setEnabled(_ a: [ShellValue], _ enabled: Bool) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let admin = connection.admin()
        if enabled {
            if try await !admin.isTableEnabled(t) { try await admin.enableTable(t) }
        } else {
            if try await !admin.isTableDisabled(t) { try await admin.disableTable(t) }
        }
        return nil
    }

    func drop(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let admin = connection.admin()
        guard try await admin.isTableDisabled(t) else { throw ShellError(.cluster, "Table \(t.nameAsString) is enabled. Disable it first.") }
        try await admin.deleteTable(t)
        return nil
    }

    func exists(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let found = try await connection.admin().tableExists(t)
        write("Table \(t.nameAsString) \(found ? "does exist" : "does not exist")\n")
        return .bool(found)
    }

    func isEnabled(_ a: [ShellValue], enabled: Bool) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        let admin = connection.admin()
        let answer = enabled ? try await admin.isTableEnabled(t) : try await admin.isTableDisabled(t)
        write("\(answer)\n")
        return .bool(answer)
    }

    func list(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 0...1)
        let regex = try a.first.map { String(decoding: try $0.asBytes("regex"), as: UTF8.self) } ?? ".*"
        let names = try await connection.admin().listTableNames(matching: regex)
        write("TABLE\n")
        for n in names { write(n.nameAsString + "\n") }
        write(formatter.footer(names.count))
        return .array(names.map { .text($0.nameAsString) })
    }

    /// `disable_all`, `enable_all`, `drop_all`: lists the matches, asks, then acts on each.
    func forAll(_ a: [ShellValue], verb: String) async throws -> ShellValue? {
        try expect(a, 1...1)
        let regex = String(decoding: try a[0].asBytes("regex"), as: UTF8.self)
        let admin = connection.admin()
        let names = try await admin.listTableNames(matching: regex)
        guard !names.isEmpty else {
            write("No tables matched the regex \(regex)\n")
            return nil
        }
        for n in names { write(n.nameAsString + "\n") }
        write("\n\(verb.prefix(1).uppercased() + verb.dropFirst()) the above \(names.count) tables (y/n)?\n")
        guard let answer = readAnswer(), answer.lowercased().hasPrefix("y") else { return nil }
        var failed: [String] = []
        for n in names {
            do {
                switch verb {
                case "disable": if try await !admin.isTableDisabled(n) { try await admin.disableTable(n) }
                case "enable": if try await !admin.isTableEnabled(n) { try await admin.enableTable(n) }
                default: try await admin.deleteTable(n)
                }
            } catch {
                failed.append(n.nameAsString)
            }
        }
        let past = verb == "drop" ? "dropped" : verb + "d"
        write("\(names.count - failed.count) tables successfully \(past)\n")
        if !failed.isEmpty { write("\(failed.count) tables not \(past) due to an exception: \(failed.joined(separator: ","))\n") }
        return nil
    }

    func getTable(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let t = try a[0].tableName()
        guard try await connection.admin().tableExists(t) else { throw ClientError.tableNotFound(t) }
        return .table(t)
    }

    func locateRegion(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 2...2)
        let t = try a[0].tableName()
        let row = try a[1].asBytes("row")
        let location = try await connection.regionLocator(t).location(row: row, reload: true)
        write(formatter.header("HOST", "REGION"))
        write(formatter.row("\(location.server.host):\(location.server.port)", location.region.description))
        write(formatter.footer(1))
        return nil
    }

    func listRegions(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...3)
        let t = try a[0].tableName()
        let admin = connection.admin()
        guard try await admin.isTableEnabled(t) else { throw ShellError(.cluster, "Table \(t.nameAsString) must be enabled.") }
        var onlyServer: String?
        if a.count > 1 {
            if let h = a[1].asHash { onlyServer = h["SERVER_NAME"]?.stringValue } else { onlyServer = a[1].stringValue }
            if onlyServer?.isEmpty == true { onlyServer = nil }
        }
        let allColumns = ["SERVER_NAME", "REGION_NAME", "START_KEY", "END_KEY", "SIZE", "REQ", "LOCALITY"]
        var columns = allColumns
        if a.count > 2 {
            columns = try a[2].asList.map { String(decoding: try $0.asBytes("a column name"), as: UTF8.self) }
            if let bad = columns.first(where: { !allColumns.contains($0) }) {
                throw ShellError.arguments("unknown column \(bad); the columns are \(allColumns.joined(separator: ", "))")
            }
        }
        let locations = try await admin.regions(of: t).filter { onlyServer == nil || $0.server.description.hasPrefix(onlyServer ?? "") }
        var loads: [String: RegionLoad] = [:]
        for server in Set(locations.map(\.server)) {
            for l in (try? await admin.regionLoads(on: server)) ?? [] { loads[l.region.encodedName] = l }
        }
        var rows: [[String]] = []
        for location in locations {
            let load = loads[location.region.encodedName]
            let values: [String: String] = [
                "SERVER_NAME": location.server.description, "REGION_NAME": location.region.regionNameAsString,
                "START_KEY": Bytes.toStringBinary(location.region.startKey), "END_KEY": Bytes.toStringBinary(location.region.endKey),
                "SIZE": String((load?.storeFileBytes ?? 0) >> 20), "REQ": String((load?.readRequests ?? 0) + (load?.writeRequests ?? 0)),
                "LOCALITY": "1.0",
            ]
            rows.append(columns.map { values[$0] ?? "" })
        }
        let minimum = ["SERVER_NAME": 12, "REGION_NAME": 12, "START_KEY": 10, "END_KEY": 10, "SIZE": 5, "REQ": 5, "LOCALITY": 10]
        let widths = columns.indices.map { i in max(minimum[columns[i]] ?? 5, columns[i].count, rows.map { $0[i].count }.max() ?? 0) }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { " " + String(repeating: " ", count: max(0, $1 - $0.count)) + $0 + " |" }.joined() + "\n"
        }
        write(line(columns))
        write(line(widths.map { String(repeating: "-", count: $0) }))
        for r in rows { write(line(r)) }
        write(" \(rows.count) rows\n")
        return nil
    }
}
