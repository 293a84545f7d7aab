import BasaltCore
import BasaltProtocol
import Foundation

extension Admin {
    /// hbck2's `assigns`: the master opens the region on exactly one live server (HBase's
    /// `MasterService.AssignRegion`).
    public func assign(encodedRegionName: String) async throws {
        var request = HBaseAssignRegionRequest()
        request.region = Self.encodedSpecifier(encodedRegionName)
        _ = try await hbaseMaster { try await $0.assignRegion(request) }
    }

    /// hbck2's `unassigns`: the master closes the region wherever it is open and records it CLOSED
    /// (HBase's `MasterService.UnassignRegion`).
    public func unassign(encodedRegionName: String) async throws {
        var request = HBaseUnassignRegionRequest()
        request.region = Self.encodedSpecifier(encodedRegionName)
        _ = try await hbaseMaster { try await $0.unassignRegion(request) }
    }

    static func encodedSpecifier(_ encoded: String) -> HBaseRegionSpecifier {
        var spec = HBaseRegionSpecifier()
        spec.type = .encodedRegionName
        spec.value = Data(encoded.utf8)
        return spec
    }

    func hbaseMaster<T: Sendable>(_ body: (HBaseMasterServiceCalls) async throws -> T) async throws -> T {
        try await connection.retrying({
            let m = try await connection.masterLocation()
            do {
                return try await body(HBaseMasterServiceCalls(try await connection.servers.connection(m, .hbaseMaster)))
            } catch {
                let e = ClientError(error)
                if e.errorCode == .connection { connection.servers.forget(m) }
                throw e
            }
        })
    }
}
