import BasaltCore

/// Merges some files of a store into one. A minor compaction keeps every cell (delete markers must
/// survive: they may hide cells in files it did not read). A major compaction reads every file of the
/// store and keeps only what a read would return: no delete markers, no deleted, expired or surplus
/// versions (unless the family keeps deleted cells). The output names its inputs in its file info, so
/// a store that finds both after a crash deletes the inputs. Stateless; safe from any thread.
enum Compactor {
    /// Writes the merged file (through `store.writeFile`) and returns it opened; an output is written
    /// even when nothing survives, so the inputs' replacement is recorded on disk. Cells outside the
    /// region's rows (files a split or merge shares with another region) are left out.
    static func compact(store: Store, inputs: [HFileReader], major: Bool, range: RegionInfo, now: Int64) throws -> HFileReader {
        guard let rf = store.regionFiles else { throw StorageError(.invalidArgument, "this region has no data folder: it cannot compact") }
        let family = store.family
        let sources: [any KeyValueScanner] = try inputs.map { f in
            let s = f.scanner(cacheBlocks: false)
            try s.seekToFirst()
            return s
        }
        let merger = MergingScanner(sources, order: store.order)
        let dropDeleted = major && family.keepDeletedCells == .false
        let ttlCutoff: Int64 = family.timeToLive == ColumnFamilyDescriptor.forever ? .min : now - Int64(family.timeToLive) * 1000
        var matcher = ScanQueryMatcher(
            maxVersions: family.maxVersions, minVersions: family.minVersions, ttlCutoff: ttlCutoff,
            timeRange: .all, qualifiers: nil, raw: false)
        var row: [UInt8] = []
        var haveRow = false
        let expected = inputs.reduce(0) { $0 + $1.info.cellCount }
        return try store.writeFile(rf, expectedKeys: expected, now: now) { writer in
            let clip = inputs.contains { !range.holdsAll(of: $0) }
            while let ref = merger.peek {
                let c = ref.cell
                if clip && !range.contains(row: c.row) {
                    try merger.next()
                    continue
                }
                if dropDeleted {
                    if !haveRow || row.withUnsafeBytes({ CellComparator.compareBytes($0, c.row) }) != 0 {
                        row.removeAll(keepingCapacity: true)
                        row.append(contentsOf: c.row)
                        haveRow = true
                        matcher.startRow()
                    }
                    if matcher.include(c) { try writer.append(c, sequenceId: ref.sequenceId) }
                } else {
                    try writer.append(c, sequenceId: ref.sequenceId)
                }
                try merger.next()
            }
        } extra: { info in
            info.compactedFrom = inputs.map(\.name)
            info.majorCompacted = major
            info.maxSequenceId = max(info.maxSequenceId, inputs.map(\.info.maxSequenceId).max() ?? 0)
        }
    }
}
