import BasaltCore
import BasaltStorage
import Foundation

/// What a region server's status page, `/jmx`, `/prometheus` and `/dump` show, read at one moment.
package struct RegionServerStatus: Sendable {
    package struct RegionRow: Sendable {
        package var table: String
        package var encodedName: String
        package var regionName: String
        package var startKey: [UInt8]
        package var endKey: [UInt8]
        package var memStoreBytes: Int
        package var storeFiles: Int
        package var storeFileBytes: Int
        package var readRequests: Int
        package var writeRequests: Int
        /// Requests by operation since the region opened here.
        package var requests: [RegionOperation: Int]
    }

    package var serverName: String
    package var startedAt: Date
    package var regions: [RegionRow]
    package var memStoreBytes: Int
    package var memStoreLimit: Int
    package var walFiles: [String]
    package var wal: WAL.Statistics
    package var blockCache: BlockCache.Statistics
    package var counters: StorageEngine.Counters
    package var flushQueue: Int
    package var compactionQueue: Int
    package var recentWork: [BackgroundWork]
    package var scannersOpen: Int
    package var scanners: [ScannerLeases.Summary]
    package var handlers: Int
    package var residentBytes: Int
    package var memoryLimit: Int
}

extension RegionServer {
    /// The server's state now; nil before it serves or after it stopped. Reads only in-memory figures
    /// (and lists the WAL folder), so it may run on any thread.
    package func status() -> RegionServerStatus? {
        guard let running = try? running() else { return nil }
        let engine = running.engine
        let activity = engine.activity
        let regions = engine.onlineRegions.map { r in
            RegionServerStatus.RegionRow(
                table: r.info.table.description, encodedName: r.info.encodedName, regionName: r.info.regionNameAsString,
                startKey: r.info.startKey, endKey: r.info.endKey, memStoreBytes: max(0, r.memStoreSize),
                storeFiles: r.storeFileCount, storeFileBytes: r.storeFileSize,
                readRequests: r.readRequestCount, writeRequests: r.writeRequestCount,
                requests: Dictionary(uniqueKeysWithValues: RegionOperation.allCases.map { ($0, r.requestCount($0)) }))
        }.sorted { $0.table != $1.table ? $0.table < $1.table : $0.startKey.lexicographicallyPrecedes($1.startKey) }
        return RegionServerStatus(
            serverName: running.serverName.description, startedAt: Date(timeIntervalSince1970: Double(running.serverName.startCode) / 1000),
            regions: regions, memStoreBytes: max(0, engine.globalMemStoreSize), memStoreLimit: engine.configuration.flush.globalLimit,
            walFiles: (try? engine.wal.filePaths()) ?? [], wal: engine.wal.statistics, blockCache: engine.blockCache.statistics,
            counters: engine.counters, flushQueue: activity.flushQueue, compactionQueue: activity.compactionQueue,
            recentWork: activity.recent, scannersOpen: scanners.count, scanners: scanners.summaries(),
            handlers: configuration.handlers, residentBytes: Int(ProcessMemory.residentBytes() ?? 0),
            memoryLimit: engine.configuration.memory)
    }
}
