import BasaltCore
import BasaltServer
import BasaltStorage
import Foundation

/// The region server's status page: its regions, WAL files, block cache, queues and recent flushes and
/// compactions.
enum RegionServerPage {
    static func render(_ status: RegionServerStatus?, handlers: Int) -> String {
        guard let s = status else {
            return HTML.page(title: "RegionServer", process: "RegionServer", "<h2>Not serving</h2><p>This region server is starting or stopping.</p>")
        }
        var body = "<h2>Server</h2>" + HTML.definitions([
            ("Server name", HTML.escape(s.serverName)),
            ("Basalt version", HTML.escape(BasaltVersion.current)),
            ("Started", HTML.escape(HTML.date(s.startedAt))),
            ("Regions", "\(s.regions.count)"),
            ("MemStore", "\(HTML.bytes(s.memStoreBytes)) of \(HTML.bytes(s.memStoreLimit))"),
            ("Resident memory", "\(HTML.bytes(s.residentBytes)) (limit \(HTML.bytes(s.memoryLimit)))"),
            ("Handler threads", "\(handlers)"),
            ("Open scanners", "\(s.scannersOpen)"),
        ])
        body += "<h2>Regions</h2>" + HTML.table(
            ["Region", "Table", "Start key", "End key", "MemStore", "Store files", "Store file size", "Reads", "Writes"],
            s.regions.map { r in
                [HTML.escape(r.encodedName), HTML.escape(r.table), HTML.key(r.startKey), HTML.key(r.endKey), HTML.bytes(r.memStoreBytes),
                 "\(r.storeFiles)", HTML.bytes(r.storeFileBytes), "\(r.readRequests)", "\(r.writeRequests)"]
            }, numeric: [4, 5, 6, 7, 8], empty: "No regions are open on this server.")
        let c = s.blockCache
        body += "<h2>Block cache</h2>" + HTML.definitions([
            ("Size", "\(HTML.bytes(c.size)) of \(HTML.bytes(c.capacity)) (\(c.count) blocks)"),
            ("Hits", "\(c.hits)"), ("Misses", "\(c.misses)"), ("Evictions", "\(c.evictions)"),
            ("Hit ratio", String(format: "%.1f%%", c.hitRatio * 100)),
        ])
        body += "<h2>WAL</h2>" + HTML.definitions([
            ("Appends", "\(s.wal.appends)"), ("Syncs", "\(s.wal.syncs)"), ("Bytes written", HTML.bytes(Int(s.wal.bytes))),
            ("Archived files", "\(s.wal.archivedFiles)"),
        ]) + HTML.table(["WAL file"], s.walFiles.map { [HTML.escape($0)] }, empty: "No WAL files.")
        body += "<h2>Queues</h2>" + HTML.definitions([
            ("Flush queue", "\(s.flushQueue)"), ("Compaction queue", "\(s.compactionQueue)"),
            ("Flushes", "\(s.counters.flushes) (\(HTML.bytes(s.counters.flushedBytes)), \(s.counters.flushFailures) failed)"),
            ("Compactions", "\(s.counters.compactions) (\(s.counters.majorCompactions) major)"),
            ("Writes blocked on memory", "\(s.counters.blockedWrites)"),
        ])
        body += "<h2>Recent flushes and compactions</h2>" + HTML.table(
            ["Finished", "Kind", "Region", "Took", "Amount"],
            s.recentWork.reversed().map { w in
                [HTML.escape(HTML.date(w.finishedAt)), HTML.escape(w.kind.rawValue), HTML.escape(w.region),
                 HTML.duration(Double(w.took.components.seconds) + Double(w.took.components.attoseconds) / 1e18),
                 w.kind == .flush ? HTML.bytes(w.amount) : "\(w.amount) stores"]
            }, numeric: [3, 4], empty: "No flushes or compactions yet.")
        return HTML.page(title: "RegionServer \(s.serverName)", process: "RegionServer", body)
    }
}
