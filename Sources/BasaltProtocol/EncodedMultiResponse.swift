import Foundation

extension Basalt_EncodedRegionActionResult {
    /// `result` with each `ResultOrException` encoded: an action's index alone (a put's or a delete's
    /// outcome, most of a bulk load's) by hand, the rest by SwiftProtobuf. The bytes are the
    /// `RegionActionResult`'s (`Tests/BasaltProtocolTests/HandEncodedMessageTests`).
    package init(_ result: Basalt_RegionActionResult) throws {
        self.init()
        results = try result.results.map { r in
            guard !r.hasResult && !r.hasException else { return try r.serializedBytes() }
            var out: [UInt8] = []
            ProtobufWire.putVarint(tag: 1, UInt64(r.index), into: &out)
            return Data(out)
        }
        if result.hasException { exception = result.exception }
        processed = result.processed
    }
}
