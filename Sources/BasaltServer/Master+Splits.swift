import BasaltCore
import BasaltMeta
import BasaltProtocol
import BasaltStorage
import Foundation

/// Splitting a region in two and merging two adjacent regions, as procedures whose every step is in
/// meta, so a master that restarts half way rolls back (before the meta update) or finishes (after it):
/// `recoverSplitsAndMerges`.
///
/// A split: the parent's row says SPLITTING and names its daughters → the parent closes (flushed) →
/// each daughter's folder gets hard links to the parent's files → ONE atomic meta write marks the
/// parent SPLIT and offline and adds both daughters (the point of no return) → the daughters open on
/// the parent's server → the parent's folder goes. A merge is the same with two parents and one child.
extension Master {
    /// Splits a region (by encoded name) at `splitPoint`, or at its mid row when nil. Returns the daughters.
    public func splitRegion(encodedName: String, at splitPoint: [UInt8]?) async throws -> [RegionInfo] {
        try await counted(.split) {
            guard let loc = try await findRegion(encodedName: encodedName) else {
                throw ServerError(.invalidArgument, "no region with encoded name \(encodedName)")
            }
            let (a, b) = try await prepareSplit(loc, at: splitPoint)
            try await split(loc, into: a, b)
            return [a, b]
        }
    }

    /// Checks that the region may split and picks the split row; returns the daughters.
    private func prepareSplit(_ loc: MetaRow.Location, at splitPoint: [UInt8]?) async throws -> (RegionInfo, RegionInfo) {
        let parent = loc.region
        guard parent.table != .meta else { throw ServerError(.invalidArgument, "hbase:meta is not split") }
        guard try await tableState(parent.table) == .enabled else { throw ServerError(.tableNotEnabled, "table \(parent.table) is not enabled") }
        guard !loc.split else { throw ServerError(.invalidArgument, "region \(parent.encodedName) has already been split") }
        guard loc.state == .open, let server = loc.server else {
            throw ServerError(.pleaseHoldOn, "region \(parent.encodedName) is \(loc.state), not open: it cannot split now")
        }
        let descriptor = try readDescriptor(parent.table)
        if let splitPoint, parent.acceptableSplitRow(splitPoint) == nil {
            throw ServerError(.invalidArgument, "split point '\(Bytes.toStringBinary(splitPoint))' is not strictly inside region \(parent.regionNameAsString) (start '\(Bytes.toStringBinary(parent.startKey))', end '\(Bytes.toStringBinary(parent.endKey))')")
        }
        // The parent's data on disk decides: flush what its MemStores hold first.
        var flush = Basalt_FlushRegionRequest()
        flush.region.regionName = Data(parent.regionName)
        _ = try await connections.admin(server).flushRegion(flush)
        let root = configuration.root
        let fs = fileSystem
        let (shared, mid) = try await Task.detached {
            try RegionSplitter.inspect(fileSystem: fs, root: root, region: parent, descriptor: descriptor)
        }.value
        if shared {
            throw ServerError(.invalidArgument, "region \(parent.encodedName) still shares files with the region it came from; it can split once its compaction has rewritten them (major_compact it)")
        }
        let row: [UInt8]
        if let splitPoint {
            row = splitPoint
        } else {
            guard let mid else { throw ServerError(.invalidArgument, "region \(parent.regionNameAsString) has no row to split at: too little data") }
            row = mid
        }
        // Daughters sort after the parent in meta (a larger region id), so a closest-row-before lookup finds them.
        let id = max(Int64(Date().timeIntervalSince1970 * 1000), parent.regionId + 1)
        return (
            RegionInfo(table: parent.table, startKey: parent.startKey, endKey: row, regionId: id),
            RegionInfo(table: parent.table, startKey: row, endKey: parent.endKey, regionId: id)
        )
    }

    private func split(_ loc: MetaRow.Location, into a: RegionInfo, _ b: RegionInfo) async throws {
        let parent = loc.region
        let server = loc.server
        let descriptor = try readDescriptor(parent.table)
        let root = configuration.root
        let fs = fileSystem
        var splitting = loc
        splitting.state = .splitting
        splitting.daughters = [a, b]
        try await writeMeta([.put(try MetaRow.put(splitting))])
        do {
            if let server { try await closeRegion(parent, on: server, confirmed: true) }
            try await Task.detached {
                for d in [a, b] { try RegionSplitter.shareFiles(fileSystem: fs, root: root, from: [parent], to: d, families: descriptor.families) }
            }.value
            var done = splitting
            done.state = .split
            done.split = true
            done.offline = true
            try await writeMeta([
                .put(try MetaRow.put(done)),
                .put(try MetaRow.put(.init(region: a, server: nil, state: .splittingNew))),
                .put(try MetaRow.put(.init(region: b, server: nil, state: .splittingNew))),
            ], atomic: true)
        } catch {
            // A meta write can fail in the answer yet be applied: then the split goes on.
            if let now = try? await findRegion(encodedName: parent.encodedName), now.split {
                logger.warning("split's meta update reported an error but was applied; finishing", metadata: ["region": "\(parent.encodedName)", "error": "\(error)"])
            } else {
                logger.error("split failed; rolling back", metadata: ["region": "\(parent.encodedName)", "error": "\(error)"])
                try? await rollBackSplit(splitting, descriptor: descriptor)
                throw error
            }
        }
        // Past the point of no return: the daughters replace the parent.
        try await assign([(a, server), (b, server)], descriptor: descriptor)
        try await removeRegionFolders([parent])
        logger.info("split region", metadata: ["parent": "\(parent.encodedName)", "at": "\(Bytes.toStringBinary(b.startKey))", "daughters": "\(a.encodedName) \(b.encodedName)"])
    }

    /// Undoes a split that did not reach meta: removes the daughters' folders and reopens the parent.
    private func rollBackSplit(_ loc: MetaRow.Location, descriptor: TableDescriptor) async throws {
        let daughters = loc.daughters
        try await removeRegionFolders(daughters)
        try await writeMeta([.delete(MetaRow.clearSplitAndMerge(loc))] + daughters.map { .delete(Delete(row: $0.regionName)) })
        if let server = loc.server { try await closeRegion(loc.region, on: server) }
        try await assign([(loc.region, loc.server)], descriptor: descriptor)
    }

    /// Merges two adjacent regions of a table (by encoded name, in either order). Returns the merged region.
    public func mergeRegions(_ first: String, _ second: String) async throws -> RegionInfo {
        try await counted(.merge) {
            guard first != second else { throw ServerError(.invalidArgument, "a region cannot merge with itself (\(first))") }
            var parents: [MetaRow.Location] = []
            for name in [first, second] {
                guard let loc = try await findRegion(encodedName: name) else { throw ServerError(.invalidArgument, "no region with encoded name \(name)") }
                parents.append(loc)
            }
            parents.sort { CellComparator.compareBytes($0.region.startKey, $1.region.startKey) < 0 }
            let (a, b) = (parents[0], parents[1])
            guard a.region.table == b.region.table else {
                throw ServerError(.invalidArgument, "regions \(first) and \(second) belong to different tables (\(a.region.table), \(b.region.table))")
            }
            let table = a.region.table
            guard table != .meta else { throw ServerError(.invalidArgument, "hbase:meta is not merged") }
            guard a.region.endKey == b.region.startKey, !a.region.endKey.isEmpty else {
                throw ServerError(.invalidArgument, "regions \(a.region.encodedName) and \(b.region.encodedName) are not adjacent: only neighbours merge")
            }
            guard try await tableState(table) == .enabled else { throw ServerError(.tableNotEnabled, "table \(table) is not enabled") }
            for p in parents where p.split {
                throw ServerError(.invalidArgument, "region \(p.region.encodedName) has been split; merge its daughters instead")
            }
            for p in parents where p.state != .open {
                throw ServerError(.pleaseHoldOn, "region \(p.region.encodedName) is \(p.state), not open: it cannot merge now")
            }
            // As HBase: a region still sharing files with its parent does not merge (its deletes may not
            // cover the shared files yet).
            let root = configuration.root
            let fs = fileSystem
            let descriptor = try readDescriptor(table)
            for p in parents {
                let region = p.region
                let shared = try await Task.detached {
                    try RegionSplitter.inspect(fileSystem: fs, root: root, region: region, descriptor: descriptor).shared
                }.value
                if shared {
                    throw ServerError(.invalidArgument, "region \(region.encodedName) still shares files with the region it came from; it can merge once its compaction has rewritten them (major_compact it)")
                }
            }
            let id = max(Int64(Date().timeIntervalSince1970 * 1000), a.region.regionId + 1, b.region.regionId + 1)
            let merged = RegionInfo(table: table, startKey: a.region.startKey, endKey: b.region.endKey, regionId: id)
            try await merge(parents, into: merged)
            return merged
        }
    }

    private func merge(_ parents: [MetaRow.Location], into merged: RegionInfo) async throws {
        let descriptor = try readDescriptor(merged.table)
        let root = configuration.root
        let fs = fileSystem
        let parentInfos = parents.map(\.region)
        let child = MetaRow.Location(region: merged, server: nil, state: .mergingNew, mergeParents: parentInfos)
        var mutations: [Mutation] = [.put(try MetaRow.put(child))]
        for p in parents {
            var m = p
            m.state = .merging
            mutations.append(.put(try MetaRow.put(m)))
        }
        try await writeMeta(mutations, atomic: true)
        do {
            for p in parents { if let s = p.server { try await closeRegion(p.region, on: s, confirmed: true) } }
            try await Task.detached {
                try RegionSplitter.shareFiles(fileSystem: fs, root: root, from: parentInfos, to: merged, families: descriptor.families)
            }.value
            var ready = child
            ready.state = .closed
            var commit: [Mutation] = [.put(try MetaRow.put(ready))]
            for p in parents { commit.append(.delete(Delete(row: p.region.regionName))) }
            try await writeMeta(commit, atomic: true)
        } catch {
            // A meta write can fail in the answer yet be applied: then the merge goes on.
            if let now = try? await findRegion(encodedName: merged.encodedName), now.state == .closed {
                logger.warning("merge's meta update reported an error but was applied; finishing", metadata: ["merged": "\(merged.encodedName)", "error": "\(error)"])
            } else {
                logger.error("merge failed; rolling back", metadata: ["merged": "\(merged.encodedName)", "error": "\(error)"])
                try? await rollBackMerge(child, parents: parents, descriptor: descriptor)
                throw error
            }
        }
        try await assign([(merged, parents[0].server)], descriptor: descriptor)
        try await finishMerge(MetaRow.Location(region: merged, server: nil, state: .open, mergeParents: parentInfos))
        logger.info("merged regions", metadata: ["parents": "\(parentInfos.map(\.encodedName))", "merged": "\(merged.encodedName)"])
    }

    /// Undoes a merge that did not reach meta: drops the merged region's row and folder, reopens the parents.
    private func rollBackMerge(_ child: MetaRow.Location, parents: [MetaRow.Location], descriptor: TableDescriptor) async throws {
        let merged = child.region
        try await removeRegionFolders([merged])
        try await writeMeta([.delete(Delete(row: merged.regionName))])
        for p in parents { if let s = p.server { try await closeRegion(p.region, on: s) } }
        try await assign(parents.map { ($0.region, $0.server) }, descriptor: descriptor)
    }

    /// After a merge reached meta: the parents' folders go, then the merge columns.
    private func finishMerge(_ merged: MetaRow.Location) async throws {
        try await removeRegionFolders(merged.mergeParents)
        try await writeMeta([.delete(MetaRow.clearSplitAndMerge(merged))])
    }

    /// Deletes regions' folders (files they shared keep their other names), off the cooperative pool.
    private func removeRegionFolders(_ regions: [RegionInfo]) async throws {
        let root = configuration.root
        let fs = fileSystem
        try await Task.detached {
            for r in regions { try RegionSplitter.removeRegionFiles(fileSystem: fs, root: root, region: r) }
        }.value
    }

    /// At master start, before regions are reassigned: a split or merge that stopped before its meta
    /// update is rolled back; leftovers of one that got past it (parents' folders, merge columns) are
    /// cleaned up. Their regions then open through the ordinary reassignment.
    func recoverSplitsAndMerges() async throws {
        let locations = try await scanMeta(start: [], stop: []).compactMap { try MetaRow.parse($0) }
        for loc in locations {
            if loc.state == .splitting && !loc.split {
                logger.info("rolling back an unfinished split", metadata: ["region": "\(loc.region.encodedName)"])
                try await rollBackSplit(loc, descriptor: try readDescriptor(loc.region.table))
            } else if loc.split && loc.offline {
                try await removeRegionFolders([loc.region])
            } else if loc.state == .mergingNew {
                logger.info("rolling back an unfinished merge", metadata: ["region": "\(loc.region.encodedName)"])
                let names = Set(loc.mergeParents.map(\.encodedName))
                let parents = locations.filter { names.contains($0.region.encodedName) }
                try await rollBackMerge(loc, parents: parents, descriptor: try readDescriptor(loc.region.table))
            } else if !loc.mergeParents.isEmpty {
                try await finishMerge(loc)
            }
        }
    }
}
