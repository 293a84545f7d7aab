import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation
import SwiftProtobuf

/// What the master's status page, `/jmx` and `/prometheus` show, gathered at one moment from meta, the
/// coordination service and the live region servers' own reports.
package struct MasterStatus: Sendable {
    package struct ServerRow: Sendable {
        package var name: String
        package var regions: Int
        /// From the server's report; nil when it did not answer in time.
        package var readRequests: Int?
        package var writeRequests: Int?
        package var residentBytes: Int?
    }

    package struct RegionRow: Sendable {
        package var encodedName: String
        package var regionName: String
        package var startKey: [UInt8]
        package var endKey: [UInt8]
        package var server: String?
        package var state: RegionState
        /// From the hosting server's report, when it answered.
        package var storeFileBytes: Int?
        package var memStoreBytes: Int?
        package var requests: Int?
    }

    package struct TableRow: Sendable {
        package var name: String
        package var state: String
        package var regions: [RegionRow]
    }

    package struct Transition: Sendable {
        package var regionName: String
        package var encodedName: String
        package var state: RegionState
        package var server: String?
        /// When meta last recorded the region's state.
        package var since: Date?
    }

    package var serverName: String
    package var isActive: Bool
    package var activeMaster: String?
    package var clusterId: String
    package var startedAt: Date
    package var metaServer: String?
    package var balancerOn: Bool?
    package var backupMasters: [String]
    package var liveServers: [ServerRow]
    package var deadServers: [String]
    package var tables: [TableRow]
    package var transitions: [Transition]
    package var balancerRuns: Int
    package var regionsMoved: Int
    package var ddl: [MasterOperation: Int]
    /// Why a part of the picture is missing (meta unreadable, a server not answering).
    package var problems: [String]

    package var regionCount: Int { tables.reduce(0) { $0 + $1.regions.count } }
}

/// The DDL and balancing a master counts for its metrics.
package enum MasterOperation: String, CaseIterable, Sendable {
    case createTable = "create_table"
    case deleteTable = "delete_table"
    case modifyTable = "modify_table"
    case enableTable = "enable_table"
    case disableTable = "disable_table"
    case truncateTable = "truncate_table"
    case split
    case merge
    case move
    /// hbck's fix-ups.
    case assign
    case unassign
}

extension Master {
    /// Gathers the status. Parts that cannot be read (meta while it is moving, a server that does not
    /// answer within two seconds) are left out and named in `problems`, so the page always renders.
    package func status() async -> MasterStatus {
        let (name, clusterId, meta, counts) = state.withLock { s in (s.serverName, s.clusterId, s.metaServer, s.operations) }
        var st = MasterStatus(
            serverName: name?.description ?? "(starting)", isActive: false, activeMaster: nil, clusterId: clusterId,
            startedAt: name.map { Date(timeIntervalSince1970: Double($0.startCode) / 1000) } ?? Date(),
            metaServer: meta?.description, balancerOn: nil, backupMasters: [], liveServers: [], deadServers: [], tables: [],
            transitions: [], balancerRuns: counts.balancerRuns, regionsMoved: counts.regionsMoved, ddl: counts.ddl, problems: [])
        if let data = try? await coordination.activeMaster(), let active = try? PBUFCodec.masterServer(from: data) {
            st.activeMaster = active.description
            st.isActive = active == name
        }
        st.backupMasters = ((try? await backupMasters()) ?? []).map(\.description)
        guard st.isActive else { return st }
        st.balancerOn = try? await isBalancerOn()
        let live: [ServerName]
        do { live = try await liveServers() } catch {
            st.problems.append("cannot list live region servers: \(error)")
            return st
        }
        st.deadServers = deadServers(live: live).map(\.description)
        let reports = await regionReports(live)
        var regionLoads: [String: Basalt_RegionLoad] = [:]
        for loads in reports.values {
            for l in loads { regionLoads[(try? l.region.toRegionInfo())?.encodedName ?? ""] = l }
        }
        let rows: [RowResult]
        do { rows = try await scanMeta(start: [], stop: []) } catch {
            st.problems.append("cannot read hbase:meta: \(error)")
            return st
        }
        var tables: [String: MasterStatus.TableRow] = [:]
        var locations: [MetaRow.Location] = []
        var stateTimes: [String: Int64] = [:]
        for row in rows {
            if !row.row.contains(UInt8(ascii: ",")) {
                if let t = try? TableName(String(decoding: row.row, as: UTF8.self)), let s = try? MetaRow.parseTableState(row) {
                    tables[t.description, default: .init(name: t.description, state: s.name, regions: [])].state = s.name
                }
                continue
            }
            guard let loc = try? MetaRow.parse(row) else {
                st.problems.append("meta row \(Bytes.toStringBinary(row.row)) cannot be parsed")
                continue
            }
            locations.append(loc)
            if let cell = row.cells.first(where: { $0.family == MetaRow.infoFamily && $0.qualifier == MetaRow.stateQualifier }) {
                stateTimes[loc.region.encodedName] = cell.timestamp
            }
            if loc.split && loc.offline { continue }
            let load = regionLoads[loc.region.encodedName]
            let table = loc.region.table.description
            tables[table, default: .init(name: table, state: "?", regions: [])].regions.append(MasterStatus.RegionRow(
                encodedName: loc.region.encodedName, regionName: loc.region.regionNameAsString,
                startKey: loc.region.startKey, endKey: loc.region.endKey, server: loc.server?.description, state: loc.state,
                storeFileBytes: load.map { Int($0.storeFileBytes) }, memStoreBytes: load.map { Int($0.memstoreBytes) },
                requests: load.map { Int($0.readRequests + $0.writeRequests) }))
        }
        let metaLoad = regionLoads[RegionInfo.firstMeta.encodedName]
        tables[TableName.meta.description] = MasterStatus.TableRow(name: TableName.meta.description, state: MetaRow.TableState.enabled.name, regions: [
            MasterStatus.RegionRow(
                encodedName: RegionInfo.firstMeta.encodedName, regionName: RegionInfo.firstMeta.regionNameAsString, startKey: [], endKey: [],
                server: meta?.description, state: meta == nil ? .offline : .open, storeFileBytes: metaLoad.map { Int($0.storeFileBytes) },
                memStoreBytes: metaLoad.map { Int($0.memstoreBytes) }, requests: metaLoad.map { Int($0.readRequests + $0.writeRequests) }),
        ])
        st.tables = tables.values.sorted { $0.name < $1.name }
        let open = ClusterRecovery.openCounts(MetaSnapshot(regions: locations), live: live)
        st.liveServers = live.sorted { $0.description < $1.description }.map { server in
            let loads = reports[server]
            return MasterStatus.ServerRow(
                name: server.description, regions: open[server] ?? 0,
                readRequests: loads.map { $0.reduce(0) { $0 + Int($1.readRequests) } },
                writeRequests: loads.map { $0.reduce(0) { $0 + Int($1.writeRequests) } }, residentBytes: nil)
        }
        st.transitions = ClusterRecovery.inTransition(MetaSnapshot(regions: locations), live: live).map { loc in
            MasterStatus.Transition(
                regionName: loc.region.regionNameAsString, encodedName: loc.region.encodedName, state: loc.state,
                server: loc.server?.description,
                since: stateTimes[loc.region.encodedName].map { Date(timeIntervalSince1970: Double($0) / 1000) })
        }
        let silent = live.filter { reports[$0] == nil }
        if !silent.isEmpty { st.problems.append("no report within 2 s from \(silent.map(\.description).joined(separator: ", "))") }
        return st
    }

    /// Each live server's regions with their loads, asked for at once; a server that does not answer within
    /// two seconds is left out.
    func regionReports(_ live: [ServerName]) async -> [ServerName: [Basalt_RegionLoad]] {
        await askEach(live, BasaltAdminServiceMethod.getOnlineRegions, Basalt_GetOnlineRegionsRequest(), returning: Basalt_GetOnlineRegionsResponse.self)
            .mapValues(\.regions)
    }

    /// Calls one `BasaltAdminService` method on every server in `live` at once; a server that does not
    /// answer within two seconds is left out of the result.
    func askEach<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ live: [ServerName], _ method: BasaltAdminServiceMethod, _ request: Request, returning: Response.Type
    ) async -> [ServerName: Response] {
        let connections = self.connections
        return await withTaskGroup(of: (ServerName, Response)?.self) { group in
            for server in live {
                group.addTask {
                    let connection = try? await connections.connection(server, .basaltAdmin)
                    let answer = try? await connection?.call(method.rawValue, request, returning: Response.self, timeout: .seconds(2))
                    return answer.map { (server, $0) }
                }
            }
            var out: [ServerName: Response] = [:]
            for await case let (server, answer)? in group { out[server] = answer }
            return out
        }
    }
}
