import BasaltCore
import BasaltProtocol
import Foundation
import Testing
@testable import BasaltServer

/// A region server's `rs/` znode: HBase's `PBUF` + `RegionServerInfo`, carrying the storage client identity
/// a master fences the server by (`basalt.fs.fence.owner`).
@Suite struct RegionServerRegistrationTests {
    @Test func theZNodeCarriesTheStorageClientAsHBaseWritesIt() throws {
        var conf = BasaltConfiguration()
        conf[RegionServer.Configuration.storageClientKey] = "4218"
        let server = RegionServer(configuration: try RegionServer.Configuration(root: "/tmp/unused", conf), coordination: nil)
        let data = try server.registration()
        #expect(Array(data.prefix(4)) == PBUFCodec.magic)
        #expect(RegionServer.storageClient(registration: data) == "4218")
        // HBase's readers see an ordinary RegionServerInfo (our field is one they skip).
        let info = try PBUFCodec.decode(HBaseRegionServerInfo.self, from: data)
        #expect(!info.hasInfoPort)

        let local = RegionServer(configuration: RegionServer.Configuration(root: "/tmp/unused"), coordination: nil)
        #expect(RegionServer.storageClient(registration: try local.registration()) == nil)
        #expect(RegionServer.storageClient(registration: []) == nil)
        #expect(RegionServer.storageClient(registration: Array("not a registration".utf8)) == nil)
    }

    @Test func anIdentityWithSpacesIsRefusedAtStart() {
        var conf = BasaltConfiguration()
        conf[RegionServer.Configuration.storageClientKey] = "client 4218"
        #expect(throws: ServerError.self) { try RegionServer.Configuration(root: "/tmp/unused", conf) }
        conf[RegionServer.Configuration.storageClientKey] = ""
        #expect(throws: ServerError.self) { try RegionServer.Configuration(root: "/tmp/unused", conf) }
    }
}
