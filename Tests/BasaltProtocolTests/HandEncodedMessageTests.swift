import BasaltCore
import BasaltProtocol
import Foundation
import SwiftProtobuf
import Testing

/// Basalt's hand-encoded messages are, byte for byte, what SwiftProtobuf writes: the client's
/// `EncodedMultiRequest` (actions encoded once) is the `MultiRequest` the server reads, `ActionEncoder`'s
/// actions and `ResultEncoder`'s results are SwiftProtobuf's, for random batches of puts, deletes,
/// increments, appends and gets with binary rows and values up to 100 KB.
@Suite struct HandEncodedMessageTests {
    static func bytes(_ rng: inout SplitMix64, max: Int) -> [UInt8] {
        (0..<Int(rng.next() % UInt64(max + 1))).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    static func action(_ rng: inout SplitMix64, index: Int) -> Basalt_Action {
        var a = Basalt_Action()
        a.index = UInt32(index)
        let row = [0x00, 0xFF] + bytes(&rng, max: 40)
        switch rng.next() % 5 {
        case 0:
            var p = Put(row: row)
            for _ in 0..<(1 + rng.next() % 4) {
                let big = rng.next() % 10 == 0
                p.add(family: bytes(&rng, max: 3) + [0x66], qualifier: bytes(&rng, max: 20), value: bytes(&rng, max: big ? 100_000 : 200),
                      timestamp: rng.next() % 2 == 0 ? nil : Int64(rng.next() % 1_000_000))
            }
            p.durability = rng.next() % 2 == 0 ? .useDefault : .fsyncWAL
            a.mutation = Basalt_MutationProto(.put(p))
        case 1:
            var d = Delete(row: row)
            if rng.next() % 2 == 0 { d.addColumns(family: [0x66], qualifier: bytes(&rng, max: 8)) }
            a.mutation = Basalt_MutationProto(.delete(d))
        case 2:
            var i = Increment(row: row)
            i.add(family: [0x66], qualifier: bytes(&rng, max: 8), amount: Int64(bitPattern: rng.next()))
            a.mutation = Basalt_MutationProto(i)
        case 3:
            var x = Append(row: row)
            x.add(family: [0x66], qualifier: bytes(&rng, max: 8), value: bytes(&rng, max: 50))
            a.mutation = Basalt_MutationProto(x)
        default:
            a.get = Basalt_Get(Get(row: row))
        }
        return a
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func encodedActionsAreTheMultiRequestOnTheWire(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var plain = Basalt_MultiRequest()
        var encoded = Basalt_EncodedMultiRequest()
        var index = 0
        for r in 0..<Int(1 + rng.next() % 5) {
            let actions = (0..<Int(rng.next() % 30)).map { _ in
                defer { index += 1 }
                return Self.action(&rng, index: index)
            }
            let name = Data("t,\(r),1.abc.".utf8) + Data([0x00, 0xFF])
            let atomic = rng.next() % 3 == 0
            var ra = Basalt_RegionAction()
            ra.region.regionName = name
            ra.atomic = atomic
            ra.actions = actions
            plain.regionActions.append(ra)
            var era = Basalt_EncodedRegionAction()
            era.region.regionName = name
            era.atomic = atomic
            era.actions = try actions.map { try $0.serializedBytes() }
            encoded.regionActions.append(era)
        }
        let wire: [UInt8] = try encoded.serializedBytes()
        #expect(wire == (try plain.serializedBytes() as [UInt8]))
        #expect(try Basalt_MultiRequest(serializedBytes: wire) == plain)
    }

    static func mutation(_ rng: inout SplitMix64) -> Mutation {
        let row = bytes(&rng, max: 3) + [0x00, 0xFF] + bytes(&rng, max: 30)
        let timestamps: [Int64?] = [nil, 0, 1, 127, 128, -1, Int64.min, Int64.max, Int64(rng.next() % 1_000_000_000_000)]
        let durabilities: [Durability] = [.useDefault, .skipWAL, .asyncWAL, .syncWAL, .fsyncWAL]
        if rng.next() % 3 == 0 {
            var d = Delete(row: row, timestamp: timestamps[Int(rng.next() % UInt64(timestamps.count))] ?? Cell.latestTimestamp)
            for _ in 0..<(rng.next() % 4) {
                let family = bytes(&rng, max: 4), qualifier = bytes(&rng, max: 6)
                let ts = timestamps[Int(rng.next() % UInt64(timestamps.count))]
                switch rng.next() % 4 {
                case 0: d.addColumn(family: family, qualifier: qualifier, timestamp: ts)
                case 1: d.addColumns(family: family, qualifier: qualifier, timestamp: ts)
                case 2: d.addFamily(family: family, timestamp: ts)
                default: d.addFamilyVersion(family: family, timestamp: ts ?? 5)
                }
            }
            d.durability = durabilities[Int(rng.next() % 5)]
            return .delete(d)
        }
        var p = Put(row: row)
        for _ in 0..<(rng.next() % 5) {
            p.add(family: bytes(&rng, max: 4), qualifier: bytes(&rng, max: 20), value: bytes(&rng, max: rng.next() % 8 == 0 ? 70_000 : 100),
                  timestamp: timestamps[Int(rng.next() % UInt64(timestamps.count))])
        }
        p.durability = durabilities[Int(rng.next() % 5)]
        return .put(p)
    }

    /// `ActionEncoder` writes what SwiftProtobuf writes for the same action: empty and binary rows,
    /// families, qualifiers and values, values over 64 KB, zero, negative, minimum and maximum timestamps,
    /// every delete kind and durability, indexes from 0 to 2^32 - 1.
    @Test(arguments: [11, 12, 13, 14] as [UInt64])
    func theActionEncoderWritesWhatSwiftProtobufWrites(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for n in 0..<500 {
            let m = Self.mutation(&rng)
            let index = [0, 1, 127, 128, 16_383, 16_384, Int(UInt32.max), n][Int(rng.next() % 8)]
            var action = Basalt_Action()
            action.index = UInt32(index)
            action.mutation = Basalt_MutationProto(m)
            let expected: [UInt8] = try action.serializedBytes()
            let got = [UInt8](ActionEncoder.encode(m, index: index))
            #expect(got == expected, "mutation \(n): \(m)")
            if got != expected { return }
        }
    }

    /// `ResultEncoder` inside an `EncodedGetResponse` writes what SwiftProtobuf writes for the
    /// `GetResponse` of the same row: rows of 0 to 5 cells of every kind, existence-only answers both ways.
    @Test(arguments: [21, 22, 23] as [UInt64])
    func theResultEncoderWritesWhatSwiftProtobufWrites(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for n in 0..<500 {
            let cells: [Cell]
            switch Self.mutation(&rng) {
            case .put(let p): cells = p.cells
            case .delete(let d): cells = d.markers
            }
            let row = RowResult(row: cells.first?.row ?? [], cells: cells)
            let existenceOnly = rng.next() % 4 == 0
            var plain = Basalt_GetResponse()
            if existenceOnly {
                plain.result.exists = !cells.isEmpty
            } else {
                plain.result = Basalt_Result(row)
            }
            var encoded = Basalt_EncodedGetResponse()
            encoded.result = ResultEncoder.encode(row, existenceOnly: existenceOnly)
            let wire: [UInt8] = try encoded.serializedBytes()
            #expect(wire == (try plain.serializedBytes() as [UInt8]), "row \(n)")
            #expect(try Basalt_GetResponse(serializedBytes: wire) == plain)
        }
    }

    /// The region server's `EncodedMultiResponse` is the `MultiResponse`: region results with outcomes
    /// that are an index alone (index 0 too), a result with cells, an exception, or several; a region that
    /// failed whole; `processed` both ways.
    @Test(arguments: [31, 32, 33] as [UInt64])
    func encodedOutcomesAreTheMultiResponseOnTheWire(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        for _ in 0..<100 {
            var plain = Basalt_MultiResponse()
            var encoded = Basalt_EncodedMultiResponse()
            for _ in 0..<(rng.next() % 4) {
                var region = Basalt_RegionActionResult()
                if rng.next() % 6 == 0 {
                    region.exception.name = "NotServingRegionException"
                    region.exception.message = "region r is not online"
                }
                region.processed = rng.next() % 2 == 0
                for _ in 0..<(rng.next() % 40) {
                    var r = Basalt_ResultOrException()
                    r.index = rng.next() % 5 == 0 ? 0 : UInt32(truncatingIfNeeded: rng.next() >> UInt64(rng.next() % 64))
                    switch rng.next() % 6 {
                    case 0:
                        if case .put(let p) = Self.mutation(&rng) { r.result = Basalt_Result(RowResult(row: p.row, cells: p.cells)) }
                    case 1:
                        r.exception.name = "NoSuchColumnFamilyException"
                        r.exception.retryable = rng.next() % 2 == 0
                        r.exception.message = String(repeating: "x", count: Int(rng.next() % 300))
                    case 2: r.result = Basalt_Result()
                    default: break
                    }
                    region.results.append(r)
                }
                plain.regionActionResults.append(region)
                encoded.regionActionResults.append(try Basalt_EncodedRegionActionResult(region))
            }
            let wire: [UInt8] = try encoded.serializedBytes()
            #expect(wire == (try plain.serializedBytes() as [UInt8]))
            #expect(try Basalt_MultiResponse(serializedBytes: wire) == plain)
        }
    }
}
