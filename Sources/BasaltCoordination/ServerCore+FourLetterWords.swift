/// The administrative four-letter words, answered in plain text as ZooKeeper does, then the connection closes.
extension ServerCore {
    static let version = "3.8.0-basalt-embedded"

    func fourLetterWord(_ word: String) -> String {
        let ephemeralCount = tree.ephemerals.values.reduce(0) { $0 + $1.count }
        switch word {
        case "ruok":
            return "imok"
        case "isro":
            return "rw"
        case "srvr", "stat":
            var text = "Zookeeper version: \(Self.version)\n"
            if word == "stat" {
                text += "Clients:\n"
                for (id, c) in connections.sorted(by: { $0.key < $1.key }) {
                    text += " \(c.channel.remoteAddress?.description ?? "?")[\(id)](queued=0,recved=\(c.received),sent=0)\n"
                }
                text += "\n"
            }
            text += """
                Latency min/avg/max: 0/0.0/0
                Received: \(packetsReceived)
                Sent: \(packetsSent)
                Connections: \(connections.count)
                Outstanding: 0
                Zxid: \(hex(zxid))
                Mode: standalone
                Node count: \(tree.count)

                """
            return text
        case "mntr":
            let lines: [(String, String)] = [
                ("zk_version", Self.version), ("zk_server_state", "standalone"),
                ("zk_num_alive_connections", "\(connections.count)"), ("zk_outstanding_requests", "0"),
                ("zk_znode_count", "\(tree.count)"), ("zk_watch_count", "\(watches.count)"),
                ("zk_ephemerals_count", "\(ephemeralCount)"), ("zk_packets_received", "\(packetsReceived)"),
                ("zk_packets_sent", "\(packetsSent)"), ("zk_global_sessions", "\(sessions.count)"),
            ]
            return lines.map { "\($0.0)\t\($0.1)\n" }.joined()
        case "conf":
            return "clientPort=\(connections.first?.value.channel.localAddress?.port ?? 0)\ntickTime=\(tickMs)\nminSessionTimeout=\(2 * tickMs)\nmaxSessionTimeout=\(20 * tickMs)\nserverId=0\n"
        case "cons":
            return connections.sorted(by: { $0.key < $1.key }).map { id, c in
                " \(c.channel.remoteAddress?.description ?? "?")[\(id)](sid=\(c.session.map(hex) ?? "-"))\n"
            }.joined() + "\n"
        case "envi":
            return "Environment:\nzookeeper.version=\(Self.version)\nhost.name=localhost\n"
        default:
            return "\(word) is not executed because it is not a known command.\n"
        }
    }
}
