import BasaltCore
import BasaltProtocol
import Foundation

extension HBaseMasterService {
    // MARK: - Namespaces

    func addNamespaces(_ t: inout ServiceTable) {
        t.add(Method.createNamespace) { (r: HBaseCreateNamespaceRequest) in
            try await serve {
                try await master.createNamespace(try r.namespaceDescriptor.toDescriptor())
                var out = HBaseCreateNamespaceResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.modifyNamespace) { (r: HBaseModifyNamespaceRequest) in
            try await serve {
                try await master.modifyNamespace(try r.namespaceDescriptor.toDescriptor())
                var out = HBaseModifyNamespaceResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.deleteNamespace) { (r: HBaseDeleteNamespaceRequest) in
            try await serve {
                try await master.deleteNamespace(r.namespaceName)
                var out = HBaseDeleteNamespaceResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.getNamespaceDescriptor) { (r: HBaseGetNamespaceDescriptorRequest) in
            try await serve {
                var out = HBaseGetNamespaceDescriptorResponse()
                out.namespaceDescriptor = HBaseNamespaceDescriptor(try master.namespace(r.namespaceName))
                return out
            }
        }
        t.add(Method.listNamespaceDescriptors) { (_: HBaseListNamespaceDescriptorsRequest) in
            try await serve {
                var out = HBaseListNamespaceDescriptorsResponse()
                out.namespaceDescriptor = try master.listNamespaces().map(HBaseNamespaceDescriptor.init)
                return out
            }
        }
        t.add(Method.listNamespaces) { (_: HBaseListNamespacesRequest) in
            try await serve {
                var out = HBaseListNamespacesResponse()
                out.namespaceName = try master.listNamespaces().map(\.name)
                return out
            }
        }
        t.add(Method.listTableDescriptorsByNamespace) { (r: HBaseListTableDescriptorsByNamespaceRequest) in
            try await serve {
                _ = try master.namespace(r.namespaceName)
                var out = HBaseListTableDescriptorsByNamespaceResponse()
                for name in try await tables(regex: "", includeSystem: true, namespace: r.namespaceName) {
                    if let d = try? master.readDescriptor(name) { out.tableSchema.append(HBaseTableSchema(d)) }
                }
                return out
            }
        }
        t.add(Method.listTableNamesByNamespace) { (r: HBaseListTableNamesByNamespaceRequest) in
            try await serve {
                _ = try master.namespace(r.namespaceName)
                var out = HBaseListTableNamesByNamespaceResponse()
                out.tableName = try await tables(regex: "", includeSystem: true, namespace: r.namespaceName).map(HBaseTableName.init)
                return out
            }
        }
    }

    // MARK: - Cluster, balancer, regions, snapshots

    func addCluster(_ t: inout ServiceTable) {
        t.add(Method.isMasterRunning) { (_: HBaseIsMasterRunningRequest) in
            var out = HBaseIsMasterRunningResponse()
            out.isMasterRunning = !master.isStopped
            return out
        }
        t.add(Method.getClusterStatus) { (_: HBaseGetClusterStatusRequest) in
            try await serve {
                var out = HBaseGetClusterStatusResponse()
                out.clusterStatus = try await clusterStatus()
                return out
            }
        }
        t.add(Method.balance) { (r: HBaseBalanceRequest) in
            try await serve {
                var out = HBaseBalanceResponse()
                guard try await master.isBalancerOn() else {
                    out.balancerRan = false
                    return out
                }
                if !r.ignoreRit, try await !master.regionsInTransition(live: try await master.liveServers()).isEmpty {
                    out.balancerRan = false
                    return out
                }
                let moves = UInt32(clamping: try await master.balance(dryRun: r.dryRun))
                out.balancerRan = true
                out.movesCalculated = moves
                out.movesExecuted = r.dryRun ? 0 : moves
                return out
            }
        }
        t.add(Method.setBalancerRunning) { (r: HBaseSetBalancerRunningRequest) in
            try await serve {
                var out = HBaseSetBalancerRunningResponse()
                out.prevBalanceValue = try await master.setBalancer(on: r.on)
                return out
            }
        }
        t.add(Method.isBalancerEnabled) { (_: HBaseIsBalancerEnabledRequest) in
            try await serve {
                var out = HBaseIsBalancerEnabledResponse()
                out.enabled = try await master.isBalancerOn()
                return out
            }
        }
        t.add(Method.moveRegion) { (r: HBaseMoveRegionRequest) in
            try await serve {
                try await master.moveRegion(encodedName: try encodedName(r.region), to: r.hasDestServerName ? try r.destServerName.toServerName() : nil)
                return HBaseMoveRegionResponse()
            }
        }
        t.add(Method.assignRegion) { (r: HBaseAssignRegionRequest) in
            try await serve {
                try await master.assignRegion(encodedName: try encodedName(r.region))
                return HBaseAssignRegionResponse()
            }
        }
        t.add(Method.unassignRegion) { (r: HBaseUnassignRegionRequest) in
            try await serve {
                try await master.unassignRegion(encodedName: try encodedName(r.region))
                return HBaseUnassignRegionResponse()
            }
        }
        t.add(Method.splitRegion) { (r: HBaseSplitTableRegionRequest) in
            try await serve {
                let region = try r.regionInfo.toRegionInfo()
                _ = try await master.splitRegion(encodedName: region.encodedName, at: r.hasSplitRow && !r.splitRow.isEmpty ? Array(r.splitRow) : nil)
                var out = HBaseSplitTableRegionResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.mergeTableRegions) { (r: HBaseMergeTableRegionsRequest) in
            try await serve {
                guard r.region.count == 2 else { throw ServerError(.invalidArgument, "Basalt merges two regions at a time, not \(r.region.count)") }
                _ = try await master.mergeRegions(try encodedName(r.region[0]), try encodedName(r.region[1]))
                var out = HBaseMergeTableRegionsResponse()
                out.procID = procedure()
                return out
            }
        }
        t.add(Method.getCompletedSnapshots) { (_: HBaseGetCompletedSnapshotsRequest) in
            HBaseGetCompletedSnapshotsResponse()
        }
        let noSnapshots: @Sendable (HBaseSnapshotRequest) async throws -> HBaseSnapshotResponse = { _ in throw Self.snapshotsUnsupported }
        t.add(Method.snapshot, noSnapshots)
        t.add(Method.deleteSnapshot) { (_: HBaseDeleteSnapshotRequest) -> HBaseDeleteSnapshotResponse in throw Self.snapshotsUnsupported }
        t.add(Method.restoreSnapshot) { (_: HBaseRestoreSnapshotRequest) -> HBaseRestoreSnapshotResponse in throw Self.snapshotsUnsupported }
        t.add(Method.isSnapshotDone) { (_: HBaseIsSnapshotDoneRequest) -> HBaseIsSnapshotDoneResponse in throw Self.snapshotsUnsupported }
    }

    static let snapshotsUnsupported = ServerError(.invalidArgument, "snapshots are not supported by Basalt yet")

    /// The encoded name a region specifier names.
    func encodedName(_ spec: HBaseRegionSpecifier) throws -> String {
        let value = Array(spec.value)
        switch spec.type {
        case .encodedRegionName:
            return String(decoding: value, as: UTF8.self)
        case .regionName:
            guard let encoded = RegionInfo.encodedName(fromRegionName: value) else {
                throw ServerError(.invalidArgument, "'\(Bytes.toStringBinary(value))' is not a region name")
            }
            return encoded
        }
    }

    /// Each live server's own report (memory, requests), asked for at once; a server that does not answer
    /// within two seconds is left without one.
    func serverReports(_ live: [ServerName]) async -> [ServerName: Basalt_GetServerInfoResponse] {
        await master.askEach(live, BasaltAdminServiceMethod.getServerInfo, Basalt_GetServerInfoRequest(), returning: Basalt_GetServerInfoResponse.self)
    }

    /// The cluster as HBase's `ClusterStatus` describes it.
    func clusterStatus() async throws -> HBaseClusterStatus {
        var s = HBaseClusterStatus()
        s.clusterID.clusterID = master.state.withLock { $0.clusterId }
        if let name = master.serverName { s.master = HBaseServerName(name) }
        let live = try await master.liveServers()
        let regions = try await master.regionsByServer(live)
        let reports = await serverReports(live)
        s.liveServers = live.map { server in
            var info = HBaseLiveServerInfo()
            info.server = HBaseServerName(server)
            if let r = reports[server] {
                info.serverLoad.usedHeapMb = UInt32(clamping: r.residentBytes >> 20)
                info.serverLoad.maxHeapMb = UInt32(clamping: r.memoryLimit >> 20)
                info.serverLoad.readRequestsCount = r.readRequests
                info.serverLoad.writeRequestsCount = r.writeRequests
                info.serverLoad.totalNumberOfRequests = r.readRequests + r.writeRequests
            }
            info.serverLoad.regionLoads = (regions[server] ?? []).map { region in
                var load = HBaseRegionLoad()
                load.regionSpecifier.type = .regionName
                load.regionSpecifier.value = Data(region.regionName)
                return load
            }
            return info
        }
        s.serversName = live.map(HBaseServerName.init)
        s.backupMasters = try await master.backupMasters().map(HBaseServerName.init)
        s.deadServers = master.deadServers(live: live).map(HBaseServerName.init)
        s.regionsInTransition = try await master.regionsInTransition(live: live).map { loc in
            var t = HBaseRegionInTransition()
            t.spec.type = .regionName
            t.spec.value = Data(loc.region.regionName)
            t.regionState.regionInfo = HBaseRegionInfo(loc.region)
            t.regionState.state = HBaseRegionState.State(rawValue: Basalt_RegionState.State(loc.state).rawValue) ?? .offline
            return t
        }
        s.balancerOn = try await master.isBalancerOn()
        return s
    }
}
