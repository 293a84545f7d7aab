import BasaltCore
import BasaltServer
import Foundation
import Synchronization

/// The master's status page: the cluster (id, version, masters, meta's location, the balancer), its
/// region servers with region counts and request rates, its tables with every region, and the regions in
/// transition with how long each has been.
enum MasterPage {
    /// Requests per server at the previous rendering, for the rates.
    private static let previous = Mutex<[String: (requests: Int, at: Date)]>([:])

    static func render(_ s: MasterStatus, now: Date = Date()) -> String {
        var body = "<h2>Cluster</h2>" + HTML.definitions([
            ("Master", HTML.escape(s.serverName) + (s.isActive ? " <span class=\"ok\">(active)</span>" : " <span class=\"warn\">(backup)</span>")),
            ("Active master", HTML.escape(s.activeMaster ?? "none")),
            ("Backup masters", s.backupMasters.isEmpty ? "none" : s.backupMasters.map(HTML.escape).joined(separator: "<br>")),
            ("Cluster id", HTML.escape(s.clusterId)),
            ("Basalt version", HTML.escape(BasaltVersion.current)),
            ("Started", HTML.escape(HTML.date(s.startedAt))),
            ("hbase:meta on", HTML.escape(s.metaServer ?? "nowhere")),
            ("Balancer", s.balancerOn.map { $0 ? "on" : "off" } ?? "?"),
            ("Regions", "\(s.regionCount) in \(s.tables.count) tables"),
        ])
        if !s.isActive {
            body += "<p>This master is a backup: it takes over when the active master goes. The active master's page has the cluster.</p>"
            return HTML.page(title: "Master \(s.serverName)", process: "Master", body)
        }
        for p in s.problems { body += "<p class=\"warn\">\(HTML.escape(p))</p>" }
        let rates = rates(s.liveServers, now: now)
        body += "<h2>Region servers</h2>" + HTML.table(
            ["Server", "Regions", "Requests", "Requests/s", "Reads", "Writes"],
            s.liveServers.map { r in
                let total = (r.readRequests ?? 0) + (r.writeRequests ?? 0)
                return [HTML.escape(r.name), "\(r.regions)", r.readRequests == nil ? "?" : "\(total)", rates[r.name].map { String(format: "%.1f", $0) } ?? "–",
                        r.readRequests.map(String.init) ?? "?", r.writeRequests.map(String.init) ?? "?"]
            }, numeric: [1, 2, 3, 4, 5], empty: "No region servers are live.")
        body += "<h2>Dead region servers</h2>" + HTML.table(["Server"], s.deadServers.map { [HTML.escape($0)] }, empty: "None.")
        body += "<h2>Regions in transition</h2>" + HTML.table(
            ["Region", "State", "Server", "In this state for"],
            s.transitions.map { t in
                [HTML.escape(t.regionName), HTML.escape(t.state.rawValue), HTML.escape(t.server ?? "-"),
                 t.since.map { HTML.duration(max(0, now.timeIntervalSince($0))) } ?? "?"]
            }, empty: "None: every region is open on a live server or closed on purpose.")
        body += "<h2>Tables</h2>" + HTML.table(
            ["Table", "State", "Regions"],
            s.tables.map { t in ["<a href=\"#t-\(HTML.escape(t.name))\">\(HTML.escape(t.name))</a>", HTML.escape(t.state), "\(t.regions.count)"] },
            numeric: [2], empty: "No tables.")
        for t in s.tables {
            body += "<h2 id=\"t-\(HTML.escape(t.name))\">\(HTML.escape(t.name))</h2>" + HTML.table(
                ["Region", "Start key", "End key", "Server", "State", "Size", "MemStore", "Requests"],
                t.regions.map { r in
                    [HTML.escape(r.encodedName), HTML.key(r.startKey), HTML.key(r.endKey), HTML.escape(r.server ?? "-"),
                     r.state == .open ? HTML.escape(r.state.rawValue) : "<span class=\"warn\">\(HTML.escape(r.state.rawValue))</span>",
                     HTML.bytes(r.storeFileBytes), HTML.bytes(r.memStoreBytes), r.requests.map(String.init) ?? "?"]
                }, numeric: [5, 6, 7], empty: "No regions.")
        }
        return HTML.page(title: "Master \(s.serverName)", process: "Master", body)
    }

    /// Requests per second per server since the previous rendering.
    static func rates(_ servers: [MasterStatus.ServerRow], now: Date) -> [String: Double] {
        previous.withLock { prev in
            var out: [String: Double] = [:]
            for r in servers {
                guard let reads = r.readRequests, let writes = r.writeRequests else { continue }
                let total = reads + writes
                if let p = prev[r.name], now.timeIntervalSince(p.at) > 0.1, total >= p.requests {
                    out[r.name] = Double(total - p.requests) / now.timeIntervalSince(p.at)
                }
                prev[r.name] = (total, now)
            }
            return out
        }
    }
}
