import BasaltCore
import BasaltProtocol
import BasaltStorage

/// `.regioninfo` in a region's folder, as HBase keeps one: `PBUF` and HBase's `RegionInfo` message, written
/// (temp, fsync, rename) when the region first opens. It lets `basalt hbck` tell which keys a folder that
/// meta no longer lists held, and give it its row back.
package enum RegionInfoFile {
    package static let name = ".regioninfo"

    package static func path(root: String, region: RegionInfo) -> String {
        joinPath(RegionFiles.directory(root: root, region: region), name)
    }

    /// Writes the file unless it is there already.
    package static func ensure(_ region: RegionInfo, root: String, fileSystem: any FileSystem) throws {
        let p = path(root: root, region: region)
        guard !fileSystem.exists(p) else { return }
        try fileSystem.writeAtomically(p, try PBUFCodec.encode(HBaseRegionInfo(region)))
    }

    /// The region a folder's `.regioninfo` describes.
    package static func read(_ path: String, fileSystem: any FileSystem) throws -> RegionInfo {
        try PBUFCodec.decode(HBaseRegionInfo.self, from: try fileSystem.readAll(path)).toRegionInfo()
    }
}
