import BasaltCore
import Foundation

/// Encodes a put's or a delete's `Action` (`Protos/client.proto`) straight from the mutation: the bytes
/// SwiftProtobuf writes for an `Action` with that `index` and `Basalt_MutationProto(mutation)`, without
/// building the messages (five heap copies per cell) or sizing each embedded message once per enclosing
/// level. A bulk load spent most of its client's CPU there; `Tests/BasaltProtocolTests/HandEncodedMessageTests`
/// checks these bytes against SwiftProtobuf's for random mutations.
package enum ActionEncoder {
    package static func encode(_ mutation: Mutation, index: Int) -> Data {
        let row: [UInt8], type: Basalt_MutationProto.MutationType, cells: [Cell], timestamp: Int64, durability: Durability
        switch mutation {
        case .put(let p): (row, type, cells, timestamp, durability) = (p.row, .put, p.cells, 0, p.durability)
        case .delete(let d): (row, type, cells, timestamp, durability) = (d.row, .delete, d.markers, d.timestamp, d.durability)
        }
        let hasTimestamp = type == .delete
        let durabilityValue = UInt64(Basalt_Durability(durability).rawValue)
        var size = ProtobufWire.bytesFieldSize(row.count) + ProtobufWire.varintFieldSize(UInt64(type.rawValue))
        for c in cells { size += ProtobufWire.messageFieldSize(ProtobufWire.cellSize(c)) }
        size += ProtobufWire.varintFieldSize(UInt64(bitPattern: timestamp)) + (hasTimestamp ? 2 : 0) + ProtobufWire.varintFieldSize(durabilityValue)

        var out: [UInt8] = []
        out.reserveCapacity(16 + size)
        ProtobufWire.putVarint(tag: 1, UInt64(UInt32(truncatingIfNeeded: index)), into: &out)
        ProtobufWire.putMessageHeader(tag: 3, size: size, into: &out)
        ProtobufWire.putBytes(tag: 1, row, into: &out)
        ProtobufWire.putVarint(tag: 2, UInt64(type.rawValue), into: &out)
        for c in cells { ProtobufWire.putCell(tag: 3, c, into: &out) }
        ProtobufWire.putVarint(tag: 4, UInt64(bitPattern: timestamp), into: &out)
        if hasTimestamp { ProtobufWire.putVarint(tag: 5, 1, into: &out) }
        ProtobufWire.putVarint(tag: 6, durabilityValue, into: &out)
        return Data(out)
    }
}
