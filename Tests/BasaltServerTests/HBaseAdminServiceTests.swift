import BasaltCore
import BasaltProtocol
import BasaltServer
import Foundation
import Testing

/// HBase's `AdminService` on a region server, as HBase's admin tools call it.
@Suite struct HBaseAdminServiceTests {
    @Test func regionsServerFlushAndCompact() async throws {
        try await HBaseClientServiceTests.withRegion { server, data, info in
            try await HBaseClientServiceTests.put(data, info, "r1", "v1")
            let name = try #require(server.serverName)
            let c = try await RPCClientConnection.connect(host: name.host, port: name.port, service: "AdminService")
            do {
                let online = try await c.call("GetOnlineRegion", HBaseGetOnlineRegionRequest(), returning: HBaseGetOnlineRegionResponse.self)
                #expect(try online.regionInfo.map { try $0.toRegionInfo() } == [info])

                var which = HBaseGetRegionInfoRequest()
                which.region = HBaseClientServiceTests.spec(info)
                #expect(try await c.call("GetRegionInfo", which, returning: HBaseGetRegionInfoResponse.self).regionInfo.toRegionInfo() == info)

                let me = try await c.call("GetServerInfo", HBaseGetServerInfoRequest(), returning: HBaseGetServerInfoResponse.self)
                #expect(try me.serverInfo.serverName.toServerName() == name)

                var flush = HBaseFlushRegionRequest()
                flush.region = HBaseClientServiceTests.spec(info)
                #expect(try await c.call("FlushRegion", flush, returning: HBaseFlushRegionResponse.self).flushed)
                #expect(server.engine?.region(info.encodedName)?.storeFileCount == 1)
                var compact = HBaseCompactRegionRequest()
                compact.region = HBaseClientServiceTests.spec(info)
                compact.major = true
                _ = try await c.call("CompactRegion", compact, returning: HBaseCompactRegionResponse.self)

                // A region the server does not hold: NotServingRegionException, as for every region call.
                which.region = HBaseClientServiceTests.spec(RegionInfo(table: RegionServerTests.table, regionId: 42))
                do {
                    _ = try await c.call("GetRegionInfo", which)
                    Issue.record("a region the server does not hold was described")
                } catch {
                    #expect((error as? ProtocolError)?.exceptionClassName == HBaseExceptionClass.notServingRegion)
                }
            } catch {
                await c.close()
                throw error
            }
            await c.close()
        }
    }
}
