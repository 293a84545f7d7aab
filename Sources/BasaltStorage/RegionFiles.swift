import BasaltCore
import Foundation

/// Where a region keeps its files (HBase's layout): `<root>/data/<namespace>/<table>/<encoded>/` with one
/// folder per family for HFiles, `.tmp/` for files being written and `.corrupt/` for files set aside
/// because they could not be opened. A value type; safe to share.
package struct RegionFiles: Sendable {
    package let fileSystem: any FileSystem
    /// The region's folder.
    package let directory: String
    package let blockCache: BlockCache?

    package init(fileSystem: any FileSystem, directory: String, blockCache: BlockCache?) {
        self.fileSystem = fileSystem
        self.directory = directory
        self.blockCache = blockCache
    }

    /// The region folder under a root: `<root>/data/<namespace>/<table>/<encoded name>`.
    package static func directory(root: String, region: RegionInfo) -> String {
        joinPath(root, "data", region.table.namespace, region.table.qualifier, region.encodedName)
    }

    package func familyDirectory(_ family: ColumnFamilyDescriptor) -> String {
        joinPath(directory, String(decoding: family.name, as: UTF8.self))
    }

    package var temporaryDirectory: String { joinPath(directory, ".tmp") }

    /// A fresh file name: 32 lowercase hex digits, as HBase names store files.
    static func newFileName() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
