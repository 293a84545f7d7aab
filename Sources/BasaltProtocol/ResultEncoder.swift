import BasaltCore
import Foundation

/// Encodes a get's `Result` (`Protos/client.proto`) straight from the row: the bytes SwiftProtobuf writes
/// for `Basalt_Result(row)` (or, for an existence-only get, a `Result` with `exists` and no cells),
/// without building the messages. The region server answers `Get` with them as an `EncodedGetResponse`,
/// which is a `GetResponse` on the wire. Checked against SwiftProtobuf in
/// `Tests/BasaltProtocolTests/HandEncodedMessageTests`.
package enum ResultEncoder {
    package static func encode(_ row: RowResult, existenceOnly: Bool = false) -> Data {
        if existenceOnly { return row.cells.isEmpty ? Data() : Data([0x10, 0x01]) }
        var size = 0
        for c in row.cells { size += ProtobufWire.messageFieldSize(ProtobufWire.cellSize(c)) }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        for c in row.cells { ProtobufWire.putCell(tag: 1, c, into: &out) }
        return Data(out)
    }
}
