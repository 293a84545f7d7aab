/// A server instance: `host,port,startcode`, where the start code (ms since the epoch at start) tells a
/// restarted server from its earlier life. A value type; `Sendable`.
public struct ServerName: Sendable, Hashable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let startCode: Int64

    public init(host: String, port: Int, startCode: Int64) {
        self.host = host
        self.port = port
        self.startCode = startCode
    }

    /// Parses `host,port,startcode`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, let port = Int(parts[1]), let code = Int64(parts[2]) else {
            throw CoreError(.invalidArgument, "server name '\(text)' is not of the form host,port,startcode")
        }
        self.init(host: String(parts[0]), port: port, startCode: code)
    }

    public var description: String { "\(host),\(port),\(startCode)" }
    /// `host:port`, as stored in `info:server`.
    public var hostAndPort: String { "\(host):\(port)" }
}
