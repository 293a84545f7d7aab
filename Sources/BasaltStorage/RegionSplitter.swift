import BasaltCore

/// Splits and merges at the file level. HFiles never change once written, so a daughter (or a merged
/// region) starts with hard links to its parents' files rather than copies: the step takes as long as
/// a few folder entries, whatever the data size. A region reads only its own rows of a shared file
/// (`RegionScanner` and gets stay inside the region's keys), and its first compaction rewrites shared
/// files to hold just its rows (`Compactor`). Until then the region has "references" and is not split
/// again. The parents must be closed (flushed) first. Stateless.
package enum RegionSplitter {
    /// Links every live HFile of each parent, family by family, into `child`'s folder under `root` (under
    /// new names), after removing whatever an earlier attempt left there. Returns the number of files linked.
    @discardableResult
    package static func shareFiles(
        fileSystem fs: any FileSystem, root: String, from parents: [RegionInfo], to child: RegionInfo, families: [ColumnFamilyDescriptor]
    ) throws -> Int {
        let target = RegionFiles.directory(root: root, region: child)
        try fs.deleteTree(target)
        var linked = 0
        for family in families {
            let name = String(decoding: family.name, as: UTF8.self)
            let to = joinPath(target, name)
            try fs.createDirectory(to)
            for parent in parents {
                let from = joinPath(RegionFiles.directory(root: root, region: parent), name)
                let (readers, unreadable) = try openFiles(fs, from)
                // A compaction's inputs left beside its output (a crash before they were deleted) stay behind.
                let superseded = Set(readers.flatMap(\.info.compactedFrom))
                // A fresh name: the parents' compactions name their inputs, and a name shared with another
                // region's file would make this region drop a file it needs. A file that cannot be opened
                // goes along too: the new region's open sets it aside, as the parent's would.
                for path in readers.filter({ !superseded.contains($0.name) }).map(\.path) + unreadable {
                    try fs.link(path, to: joinPath(to, RegionFiles.newFileName()))
                    linked += 1
                }
            }
            try fs.syncDirectory(to)
        }
        try fs.syncDirectory(target)
        return linked
    }

    /// The HFiles of a family folder, opened, and the paths of those that exist but cannot be opened; a
    /// file deleted meanwhile (a compaction's input going away) is left out.
    static func openFiles(_ fs: any FileSystem, _ dir: String) throws -> ([HFileReader], [String]) {
        var readers: [HFileReader] = []
        var unreadable: [String] = []
        for name in try fs.list(dir) where !name.hasPrefix(".") {
            let path = joinPath(dir, name)
            do {
                readers.append(try HFileReader(fileSystem: fs, path: path, cache: nil))
            } catch {
                if fs.exists(path) { unreadable.append(path) }
            }
        }
        return (readers, unreadable)
    }

    /// Removes a region's folder and everything in it (the files it shared stay with their other names).
    package static func removeRegionFiles(fileSystem fs: any FileSystem, root: String, region: RegionInfo) throws {
        try fs.deleteTree(RegionFiles.directory(root: root, region: region))
    }

    /// What a split needs to know of a region, read from its files on disk: whether it still shares
    /// files with another region (then it must compact before it splits), and a split point, the mid row
    /// of the largest file of the largest family (nil when no row lies strictly inside the region).
    package static func inspect(fileSystem fs: any FileSystem, root: String, region: RegionInfo, descriptor: TableDescriptor) throws -> (shared: Bool, midRow: [UInt8]?) {
        let files = RegionFiles(fileSystem: fs, directory: RegionFiles.directory(root: root, region: region), blockCache: nil)
        var shared = false
        var largest: (size: Int, readers: [HFileReader]) = (-1, [])
        for family in descriptor.families {
            let dir = files.familyDirectory(family)
            let all = try openFiles(fs, dir).0
            let superseded = Set(all.flatMap(\.info.compactedFrom))
            let readers = all.filter { !superseded.contains($0.name) }
            if readers.contains(where: { !region.holdsAll(of: $0) }) { shared = true }
            let size = readers.reduce(0) { $0 + $1.info.dataBytes }
            if size > largest.size { largest = (size, readers) }
        }
        guard !shared else { return (true, nil) }
        return (false, try splitRow(region, largestStore: largest.readers))
    }

    /// The mid row of the store's largest file, when it lies strictly after the store's first row and
    /// inside the region.
    static func splitRow(_ region: RegionInfo, largestStore files: [HFileReader]) throws -> [UInt8]? {
        guard let file = files.max(by: { $0.info.dataBytes < $1.info.dataBytes }) else { return nil }
        let first = files.compactMap(\.firstRow).min { region.rowOrder.compare($0, $1) < 0 }
        return region.acceptableSplitRow(try file.midRow(), firstRow: first)
    }
}

extension RegionInfo {
    /// Whether every row of the file lies inside this region (false for a file shared by a split or merge).
    func holdsAll(of file: HFileReader) -> Bool {
        guard let first = file.firstRow, let last = file.lastRow else { return true }
        return contains(row: first) && contains(row: last)
    }

    /// `row` when a split there leaves rows on both sides: strictly after the start key (and after
    /// `firstRow`, the region's first row of data, when known) and before the end.
    package func acceptableSplitRow(_ row: [UInt8]?, firstRow: [UInt8]? = nil) -> [UInt8]? {
        guard let row, !row.isEmpty, contains(row: row), row != startKey else { return nil }
        if let firstRow, rowOrder.compare(row, firstRow) <= 0 { return nil }
        return row
    }
}

extension Region {
    /// Whether a store still holds a file shared with another region (after a split or merge, until
    /// compaction rewrites it). Such a region is not split again.
    package var hasReferences: Bool {
        stores.contains { s in s.storeFiles.contains { !info.holdsAll(of: $0) } }
    }

    /// Bytes of data in the largest store (what the split policy compares with its limit).
    package var largestStoreSize: Int { stores.map(\.storeFileSize).max() ?? 0 }

    /// Where to split this region: the mid row of the largest file of the largest store, when it falls
    /// strictly inside the region. Nil when the region cannot split (shared files, too little data).
    package func splitPoint() throws -> [UInt8]? {
        guard !hasReferences, let store = stores.max(by: { $0.storeFileSize < $1.storeFileSize }) else { return nil }
        return try RegionSplitter.splitRow(info, largestStore: store.storeFiles)
    }
}
