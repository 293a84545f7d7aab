import BasaltClient
import BasaltCore
import Foundation

/// The tools group: flush, compact, major_compact, split, merge_region, move, balancer, zk_dump,
/// wal_roll. A name is tried as a region first (full or encoded name), then as a table, as HBase does.
extension Shell {
    /// The region a name stands for, or nil when it names none (then it may be a table).
    private func region(_ v: ShellValue) async throws -> RegionLocation? {
        guard let bytes = v.bytes else { return nil }
        return try await connection.admin().region(named: bytes)
    }

    func flush(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let admin = connection.admin()
        if let location = try await region(a[0]) {
            try await admin.flushRegion(location)
        } else {
            try await admin.flush(try a[0].tableName())
        }
        return nil
    }

    func compact(_ a: [ShellValue], major: Bool) async throws -> ShellValue? {
        try expect(a, 1...3)
        let family = a.count > 1 ? try a[1].asBytes("column family") : nil
        if a.count > 2 {
            let type = a[2].stringValue ?? "\(a[2])"
            guard type == "NORMAL" else { throw ShellError.arguments("compaction type \(type) is not supported; only NORMAL (MOB files do not exist in Basalt)") }
        }
        let admin = connection.admin()
        if let location = try await region(a[0]) {
            try await admin.compactRegion(location, family: family?.isEmpty == false ? family : nil, major: major)
        } else {
            try await admin.compact(try a[0].tableName(), family: family?.isEmpty == false ? family : nil, major: major)
        }
        return nil
    }

    func split(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...2)
        let point = a.count > 1 ? try a[1].asBytes("split key") : nil
        let admin = connection.admin()
        if let location = try await region(a[0]) {
            try await admin.splitRegion(encodedName: location.region.encodedName, at: point)
        } else {
            try await admin.split(try a[0].tableName(), at: point)
        }
        return nil
    }

    func mergeRegion(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 2...3)
        if a.count > 2, try a[2].asBool("force") {
            throw ShellError.arguments("forced merges of regions that are not adjacent are not supported; merge neighbours")
        }
        try await connection.admin().mergeRegions(try Self.encodedName(a[0]), try Self.encodedName(a[1]))
        return nil
    }

    func move(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...2)
        var destination: ServerName?
        if a.count > 1, let text = a[1].stringValue, !text.isEmpty { destination = try Self.serverName(text) }
        try await connection.admin().move(encodedRegionName: try Self.encodedName(a[0]), to: destination)
        return nil
    }

    func balancer(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 0...1)
        guard let moved = try await connection.admin().balance() else {
            write("Balancer did not run: the balancer is switched off (balance_switch true turns it on)\n")
            return .bool(false)
        }
        write("Balancer ran\n")
        write("Moves calculated: \(moved), moves executed: \(moved)\n")
        return .bool(true)
    }

    func zkDump(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 0...0)
        let s = try await connection.admin().coordinationSnapshot()
        write("HBase is rooted at \(s.parent)\n")
        write("Active master address: \(s.activeMaster?.description ?? "")\n")
        write("Backup master addresses:\n")
        for b in s.backupMasters { write(" \(b)\n") }
        write("Region server holding hbase:meta: \(s.metaServer?.description ?? "")\n")
        write("Region servers:\n")
        for r in s.regionServers { write(" \(r)\n") }
        // Dead servers and regions in transition are the master's to know: shown when it answers.
        if let status = try? await connection.admin().clusterStatus() {
            write("Dead region servers:\n")
            for d in status.deadServers { write(" \(d)\n") }
            write("Regions in transition:\n")
            for t in status.regionsInTransition.sorted(by: { $0.region.regionNameAsString < $1.region.regionNameAsString }) {
                write(" \(Self.describe(t))\n")
            }
        }
        write("Quorum Server Statistics:\n")
        for q in s.quorum.split(separator: ",") { write(" \(q)\n") }
        return nil
    }

    func walRoll(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        try await connection.admin().rollWALWriter(try Self.serverName(String(decoding: try a[0].asBytes("server name"), as: UTF8.self)))
        return nil
    }

    /// A region's encoded name, given as itself or inside a full region name.
    static func encodedName(_ v: ShellValue) throws(ShellError) -> String {
        let bytes = try v.asBytes("region name")
        return RegionInfo.encodedName(fromRegionName: bytes) ?? String(decoding: bytes, as: UTF8.self)
    }

    static func serverName(_ text: String) throws(ShellError) -> ServerName {
        do {
            return try ServerName(parsing: text)
        } catch {
            throw .arguments("'\(text)' is not a server name: use 'host,port,startcode' as status 'simple' shows them")
        }
    }
}
