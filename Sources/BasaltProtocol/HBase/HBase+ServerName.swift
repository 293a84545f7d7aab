import BasaltCore

extension HBaseServerName {
    public init(_ s: ServerName) {
        self.init()
        hostName = s.host
        port = UInt32(clamping: s.port)
        startCode = UInt64(bitPattern: s.startCode)
    }

    public func toServerName() -> ServerName {
        ServerName(host: hostName, port: Int(port), startCode: Int64(bitPattern: startCode))
    }
}

extension PBUFCodec {
    /// `master` and `backup-masters/*` content as HBase writes it: `0xFF`, id, `PBUF`, then `Master{master
    /// = the server, rpc_version 0, info_port}`. Every HBase client reads the master's address from it.
    public static func masterZNode(_ server: ServerName, id: String, infoPort: Int? = nil) throws -> [UInt8] {
        var m = HBaseMaster()
        m.master = HBaseServerName(server)
        m.rpcVersion = 0
        if let infoPort { m.infoPort = UInt32(clamping: infoPort) }
        return try encodeZNode(m, id: id)
    }

    /// The server in `master` content: HBase's `Master` message, or the bare `ServerName` Basalt wrote
    /// before (a master of an older build still running).
    public static func masterServer(from bytes: [UInt8]) throws -> ServerName {
        if let m = try? decodeZNode(HBaseMaster.self, from: bytes), m.hasMaster, !m.master.hostName.isEmpty {
            return m.master.toServerName()
        }
        let legacy = try decodeZNode(Basalt_ServerName.self, from: bytes)
        guard !legacy.hostName.isEmpty else { throw ProtocolError(.malformedData, "the master znode names no server") }
        return legacy.toServerName()
    }
}
