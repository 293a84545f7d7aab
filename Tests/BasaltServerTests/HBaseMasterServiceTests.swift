import BasaltCoordination
import BasaltCore
import BasaltProtocol
import BasaltServer
import BasaltTestSupport
import Foundation
import Testing

/// HBase's `MasterService` on the active master of a MiniCluster, driven with HBase's messages over a
/// native RPC connection as HBase's clients make them.
@Suite struct HBaseMasterServiceTests {
    static func withMaster(_ body: (MiniCluster, RPCClientConnection) async throws -> Void) async throws {
        let mini = try await MiniCluster.start(regionServers: 2)
        do {
            let name = try #require(mini.master.serverName)
            let c = try await RPCClientConnection.connect(host: name.host, port: name.port, service: "MasterService")
            do {
                try await body(mini, c)
            } catch {
                await c.close()
                throw error
            }
            await c.close()
        } catch {
            await mini.stop()
            throw error
        }
        await mini.stop()
    }

    static func remoteClass(_ error: any Error) -> String? { (error as? ProtocolError)?.exceptionClassName }

    static func namespace(_ name: String) -> HBaseNamespaceDescriptor {
        var d = HBaseNamespaceDescriptor()
        d.name = Data(name.utf8)
        return d
    }

    @Test func namespacesAreKeptAndEnforced() async throws {
        try await Self.withMaster { mini, c in
            // A table in a namespace that does not exist is refused.
            var create = HBaseCreateTableRequest()
            create.tableSchema = HBaseTableSchema(try TableDescriptor(name: try TableName("ns1:t"), families: [ColumnFamilyDescriptor("f")]))
            do {
                _ = try await c.call("CreateTable", create)
                Issue.record("a table was created in a missing namespace")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.namespaceNotFound)
            }
            var ns = HBaseCreateNamespaceRequest()
            ns.namespaceDescriptor = Self.namespace("ns1")
            let made = try await c.call("CreateNamespace", ns, returning: HBaseCreateNamespaceResponse.self)
            do {
                _ = try await c.call("CreateNamespace", ns)
                Issue.record("a namespace was created twice")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.namespaceExists)
            }
            let created = try await c.call("CreateTable", create, returning: HBaseCreateTableResponse.self)
            // DDL is synchronous: its procedure is finished when the call answers.
            var proc = HBaseGetProcedureResultRequest()
            proc.procID = created.procID
            #expect(try await c.call("getProcedureResult", proc, returning: HBaseGetProcedureResultResponse.self).state == .finished)
            #expect(created.procID > made.procID)

            let names = try await c.call("ListNamespaces", HBaseListNamespacesRequest(), returning: HBaseListNamespacesResponse.self).namespaceName
            #expect(names == ["default", "hbase", "ns1"])
            var byNamespace = HBaseListTableNamesByNamespaceRequest()
            byNamespace.namespaceName = "ns1"
            let tables = try await c.call("ListTableNamesByNamespace", byNamespace, returning: HBaseListTableNamesByNamespaceResponse.self)
            #expect(try tables.tableName.map { try $0.toTableName() } == [try TableName("ns1:t")])

            // A namespace holding a table cannot be dropped; the built-in ones never.
            var drop = HBaseDeleteNamespaceRequest()
            drop.namespaceName = "ns1"
            do {
                _ = try await c.call("DeleteNamespace", drop)
                Issue.record("a namespace with a table was dropped")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.constraint)
            }
            var dropDefault = HBaseDeleteNamespaceRequest()
            dropDefault.namespaceName = "default"
            await #expect(throws: ProtocolError.self) { try await c.call("DeleteNamespace", dropDefault) }

            // Descriptors by name leave out missing tables; the state of one that exists is ENABLED.
            var describe = HBaseGetTableDescriptorsRequest()
            describe.tableNames = [HBaseTableName(try TableName("ns1:t")), HBaseTableName(try TableName("nothere"))]
            let schemas = try await c.call("GetTableDescriptors", describe, returning: HBaseGetTableDescriptorsResponse.self).tableSchema
            #expect(try schemas.map { try $0.toDescriptor().name } == [try TableName("ns1:t")])
            var state = HBaseGetTableStateRequest()
            state.tableName = HBaseTableName(try TableName("ns1:t"))
            #expect(try await c.call("GetTableState", state, returning: HBaseGetTableStateResponse.self).tableState.state == .enabled)

            // After the table goes, so can the namespace; it survives nothing of the kind on disk.
            var name = HBaseDisableTableRequest()
            name.tableName = HBaseTableName(try TableName("ns1:t"))
            _ = try await c.call("DisableTable", name)
            var delete = HBaseDeleteTableRequest()
            delete.tableName = name.tableName
            _ = try await c.call("DeleteTable", delete)
            _ = try await c.call("DeleteNamespace", drop)
            #expect(try mini.master.listNamespaces().map(\.name) == ["default", "hbase"])
        }
    }

    @Test func balancerSwitchStatusAndSnapshots() async throws {
        try await Self.withMaster { mini, c in
            var off = HBaseSetBalancerRunningRequest()
            off.on = false
            #expect(try await c.call("SetBalancerRunning", off, returning: HBaseSetBalancerRunningResponse.self).prevBalanceValue)
            #expect(try await c.call("IsBalancerEnabled", HBaseIsBalancerEnabledRequest(), returning: HBaseIsBalancerEnabledResponse.self).enabled == false)
            let balance = try await c.call("Balance", HBaseBalanceRequest(), returning: HBaseBalanceResponse.self)
            #expect(!balance.balancerRan)
            // The switch lives in ZooKeeper, where a restarted (or another) master reads it.
            let coordination = try await ZooKeeperCoordination.connect(configuration: mini.configuration)
            let other = Master(configuration: Master.Configuration(root: mini.directory.path), coordination: coordination)
            #expect(try await other.isBalancerOn() == false)
            await coordination.close()

            let status = try await c.call("GetClusterStatus", HBaseGetClusterStatusRequest(), returning: HBaseGetClusterStatusResponse.self).clusterStatus
            #expect(status.liveServers.count == 2)
            #expect(status.liveServers.allSatisfy { $0.serverLoad.maxHeapMb > 0 })
            #expect(!status.balancerOn)
            #expect(try status.master.toServerName() == mini.master.serverName)

            #expect(try await c.call("GetCompletedSnapshots", HBaseGetCompletedSnapshotsRequest(), returning: HBaseGetCompletedSnapshotsResponse.self).snapshots.isEmpty)
            var snapshot = HBaseSnapshotRequest()
            snapshot.snapshot.name = "s"
            do {
                _ = try await c.call("Snapshot", snapshot)
                Issue.record("a snapshot was accepted")
            } catch {
                #expect(Self.remoteClass(error) == HBaseExceptionClass.doNotRetry)
                #expect((error as? ProtocolError)?.doNotRetry == true)
            }
            #expect(try await c.call("IsMasterRunning", HBaseIsMasterRunningRequest(), returning: HBaseIsMasterRunningResponse.self).isMasterRunning)
        }
    }
}
