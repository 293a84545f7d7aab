import BasaltCore
import BasaltInfo
import Logging

/// Starts a server's info port as its configuration says: `hbase.master.info.port` (16010) or
/// `hbase.regionserver.info.port` (16030), -1 for none, 0 for a free port; bound to the
/// `...info.bindAddress` key, else to the server's own host (loopback unless told otherwise).
enum InfoPorts {
    enum Process {
        case master
        case regionServer
    }

    static func start(_ process: Process, _ conf: BasaltConfiguration, serverHost: String, source: any InfoSource) async throws -> InfoServer? {
        let (key, bindKey, fallback) = switch process {
        case .master: (InfoServer.masterPortKey, InfoServer.bindAddressKeys.master, InfoServer.defaultMasterPort)
        case .regionServer: (InfoServer.regionServerPortKey, InfoServer.bindAddressKeys.regionServer, InfoServer.defaultRegionServerPort)
        }
        let port = try conf.int(key, default: fallback)
        guard port >= 0 else { return nil }
        return try await InfoServer.start(host: conf.string(bindKey, default: serverHost), port: port, source: source, logger: Logger(label: "basalt.info"))
    }
}
