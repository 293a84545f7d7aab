import BasaltCore
import BasaltMeta
import BasaltProtocol
import Foundation

/// HBase's `MasterService` on the active master, for every HBase client: DDL (synchronous, so each call's
/// procedure is FINISHED when it answers), namespaces, table descriptors and states, cluster status, the
/// balancer and its switch, region moves, splits and merges. Snapshots do not exist yet: the list is empty
/// and the other snapshot calls are refused. Stateless apart from the master.
struct HBaseMasterService {
    typealias Method = HBaseMasterServiceMethod
    let master: Master

    var service: ServiceTable {
        var t = ServiceTable(.hbaseMaster)
        addTables(&t)
        addNamespaces(&t)
        addCluster(&t)
        return t
    }

    /// The master's work; failures leave as `ServerError`s (a message that does not convert is the client's
    /// fault, so not retried).
    func serve<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as ProtocolError where e.kind != .remote {
            throw ServerError(.invalidArgument, e.message)
        } catch {
            throw ServerError(error)
        }
    }

    /// A finished DDL's procedure id (each call gets its own).
    func procedure() -> UInt64 { master.procedureCounter.add(1, ordering: .relaxed).newValue }

    // MARK: - Tables

    private func addTables(_ t: inout ServiceTable) {
        t.add(Method.createTable) { (r: HBaseCreateTableRequest) in
            try await serve {
                try await master.createTable(try r.tableSchema.toDescriptor(), splitKeys: r.splitKeys.map { Array($0) })
                var out = HBaseCreateTableResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.deleteTable) { (r: HBaseDeleteTableRequest) in
            try await serve {
                try await master.deleteTable(try r.tableName.toTableName())
                var out = HBaseDeleteTableResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.enableTable) { (r: HBaseEnableTableRequest) in
            try await serve {
                try await master.enableTable(try r.tableName.toTableName())
                var out = HBaseEnableTableResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.disableTable) { (r: HBaseDisableTableRequest) in
            try await serve {
                try await master.disableTable(try r.tableName.toTableName())
                var out = HBaseDisableTableResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.truncateTable) { (r: HBaseTruncateTableRequest) in
            try await serve {
                try await master.truncateTable(try r.tableName.toTableName(), preserveSplits: r.preserveSplits)
                var out = HBaseTruncateTableResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.modifyTable) { (r: HBaseModifyTableRequest) in
            try await serve {
                let d = try r.tableSchema.toDescriptor()
                guard d.name == (try r.tableName.toTableName()) else {
                    throw ServerError(.invalidArgument, "the schema names table \(d.name), the request \((try? r.tableName.toTableName())?.nameAsString ?? "?")")
                }
                try await master.modifyTable(d)
                var out = HBaseModifyTableResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.addColumn) { (r: HBaseAddColumnRequest) in
            try await serve {
                let table = try r.tableName.toTableName()
                var d = try master.readDescriptor(table)
                let family = try r.columnFamilies.toDescriptor()
                guard d.family(named: family.name) == nil else {
                    throw ServerError(.invalidArgument, "table \(table) already has family '\(Bytes.toStringBinary(family.name))'")
                }
                try d.addFamily(family)
                try await master.modifyTable(d)
                var out = HBaseAddColumnResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.modifyColumn) { (r: HBaseModifyColumnRequest) in
            try await serve {
                let table = try r.tableName.toTableName()
                var d = try master.readDescriptor(table)
                let family = try r.columnFamilies.toDescriptor()
                guard d.family(named: family.name) != nil else {
                    throw ServerError(.noSuchColumnFamily, "table \(table) has no family '\(Bytes.toStringBinary(family.name))'")
                }
                try d.setFamily(family)
                try await master.modifyTable(d)
                var out = HBaseModifyColumnResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.deleteColumn) { (r: HBaseDeleteColumnRequest) in
            try await serve {
                let table = try r.tableName.toTableName()
                var d = try master.readDescriptor(table)
                guard d.family(named: Array(r.columnName)) != nil else {
                    throw ServerError(.noSuchColumnFamily, "table \(table) has no family '\(Bytes.toStringBinary(Array(r.columnName)))'")
                }
                try d.removeFamily(named: Array(r.columnName))
                try await master.modifyTable(d)
                var out = HBaseDeleteColumnResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.getTableDescriptors) { (r: HBaseGetTableDescriptorsRequest) in
            try await serve {
                let names: [TableName]
                if r.tableNames.isEmpty {
                    names = try await tables(regex: r.regex, includeSystem: r.includeSysTables, namespace: r.hasNamespace ? r.namespace : nil)
                } else {
                    // Names that do not exist are left out, not an error (HBase's behaviour).
                    names = try r.tableNames.map { try $0.toTableName() }
                }
                var out = HBaseGetTableDescriptorsResponse()
                for name in names {
                    guard try await master.tableState(name) != nil || name == .meta, let d = try? master.readDescriptor(name) else { continue }
                    out.tableSchema.append(HBaseTableSchema(d))
                }
                return out
            }
        }
        t.add(Method.getTableNames) { (r: HBaseGetTableNamesRequest) in
            try await serve {
                var out = HBaseGetTableNamesResponse()
                out.tableNames = try await tables(regex: r.regex, includeSystem: r.includeSysTables, namespace: r.hasNamespace ? r.namespace : nil)
                    .map(HBaseTableName.init)
                return out
            }
        }
        t.add(Method.getTableState) { (r: HBaseGetTableStateRequest) in
            try await serve {
                let table = try r.tableName.toTableName()
                let state: MetaRow.TableState
                if table == .meta {
                    state = .enabled
                } else {
                    guard let s = try await master.tableState(table) else { throw ServerError(.tableNotFound, "table \(table) does not exist") }
                    state = s
                }
                var out = HBaseGetTableStateResponse()
                out.tableState.state = HBaseTableState.State(rawValue: Int(state.rawValue)) ?? .enabled
                return out
            }
        }
        t.add(Method.getProcedureResult) { (r: HBaseGetProcedureResultRequest) in
            // DDL runs to its end before it answers: every procedure handed out is finished.
            var out = HBaseGetProcedureResultResponse()
            let issued = master.procedureCounter.load(ordering: .relaxed)
            out.state = r.procID >= 1 && r.procID <= issued ? .finished : .notFound
            return out
        }
    }

    /// User tables (and `hbase:meta` with `includeSystem`) matching `regex`, in `namespace` when given.
    func tables(regex: String, includeSystem: Bool, namespace: String?) async throws -> [TableName] {
        let all = try await master.listTables(regex: regex, includeSystem: includeSystem)
        guard let namespace else { return all }
        return all.filter { $0.namespace == namespace }
    }
}
