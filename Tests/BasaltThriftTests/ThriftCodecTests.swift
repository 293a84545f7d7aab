import BasaltThrift
import Testing

/// The codecs against bytes worked out by hand from the protocols' specifications, round trips of every
/// type in every protocol, and bad input: truncated, forged sizes, unknown types.
@Suite struct ThriftCodecTests {
    static let protocols: [ThriftProtocol] = [.binary(strict: true), .binary(strict: false), .compact]

    /// A struct with one field of every type, including nested containers and edge values.
    static let everything = ThriftStruct([
        1: .bool(true),
        2: .bool(false),
        3: .byte(-128),
        4: .i16(-32768),
        5: .i32(.min),
        6: .i64(.max),
        7: .double(-2.5),
        8: .binary([0, 0xff, 0x80, 0x3a]),
        20: .i64(-1),
        300: .structure(ThriftStruct([1: .string("nested"), 2: .list(.bool, [.bool(true), .bool(false)])])),
        -3: .map(key: .binary, value: .structure, [
            ThriftPair(.string("a"), .structure(ThriftStruct([1: .binary([1]), 2: .i64(1_369_168_852_994)]))),
        ]),
        9: .set(.i32, [.i32(1), .i32(-1)]),
        10: .list(.binary, (0..<40).map { .binary(Array(repeating: UInt8($0), count: $0)) }),
        // The compact protocol writes an empty map without its types; it reads back as binary to binary.
        11: .map(key: .binary, value: .binary, []),
        12: .list(.structure, []),
    ])

    @Test(arguments: protocols, [false, true])
    func everyTypeRoundTrips(proto: ThriftProtocol, framed: Bool) throws {
        let m = ThriftMessage(name: "mutateRows", type: .call, sequenceId: 0x7fff_fff0, body: Self.everything)
        var bytes = ThriftCodec.encode(m, as: proto, framed: framed)
        if framed {
            let length = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
            #expect(length == bytes.count - 4)
            bytes.removeFirst(4)
        }
        #expect(try ThriftCodec.decode(bytes, as: proto) == m)
    }

    @Test func strictBinaryHeaderIsTheVersionWord() throws {
        let m = ThriftMessage(name: "getTableNames", type: .call, sequenceId: 1, body: ThriftStruct())
        let bytes = ThriftCodec.encode(m, as: .binary(strict: true), framed: false)
        #expect(bytes == [0x80, 0x01, 0x00, 0x01, 0, 0, 0, 13] + Array("getTableNames".utf8) + [0, 0, 0, 1, 0])
        let old = ThriftCodec.encode(m, as: .binary(strict: false), framed: false)
        #expect(old == [0, 0, 0, 13] + Array("getTableNames".utf8) + [1, 0, 0, 0, 1, 0])
    }

    @Test func compactUsesDeltasZigzagAndFoldedBooleans() throws {
        // call (type 1) in the top three bits, version 1; sequence id 300 as a varint (0xac 0x02).
        let body = ThriftStruct([1: .i32(-1), 2: .bool(true), 20: .i64(1), 21: .binary([7])])
        let m = ThriftMessage(name: "x", type: .call, sequenceId: 300, body: body)
        let bytes = ThriftCodec.encode(m, as: .compact, framed: false)
        #expect(bytes == [
            0x82, 0x21, 0xac, 0x02, 0x01, UInt8(ascii: "x"),
            0x15, 0x01,  // field 1 (delta 1), i32, zigzag(-1) = 1
            0x11,  // field 2 (delta 1), boolean true folded into the type
            0x06, 0x28, 0x02,  // field 20: delta 18 is too far, so type i64 then zigzag(20) = 40; value zigzag(1) = 2
            0x18, 0x01, 0x07,  // field 21 (delta 1), binary of one byte
            0x00,
        ])
        #expect(try ThriftCodec.decode(bytes, as: .compact) == m)
    }

    @Test(arguments: protocols)
    func everyTruncationIsIncompleteNeverACrash(proto: ThriftProtocol) throws {
        let m = ThriftMessage(name: "mutateRows", type: .call, sequenceId: 9, body: Self.everything)
        let bytes = ThriftCodec.encode(m, as: proto, framed: false)
        for n in 0..<bytes.count {
            let prefix = Array(bytes.prefix(n))
            let result = try prefix.withUnsafeBytes { try ThriftCodec.decodeIfComplete($0, as: proto) }
            #expect(result == nil, "a prefix of \(n) bytes decoded")
        }
    }

    @Test func forgedSizesWaitForBytesInsteadOfAllocating() throws {
        // A list claiming two billion elements in a 20-byte message: incomplete, not a huge reserve.
        var bytes: [UInt8] = [0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, UInt8(ascii: "m"), 0, 0, 0, 1]
        bytes += [15, 0, 1, 11, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0]
        let r = try bytes.withUnsafeBytes { try ThriftCodec.decodeIfComplete($0, as: .binary(strict: true)) }
        #expect(r == nil)
        // A negative string length is malformed.
        let negative: [UInt8] = [0x80, 0x01, 0x00, 0x01, 0xff, 0xff, 0xff, 0xfe]
        #expect(throws: ThriftError.self) { try ThriftCodec.decode(negative, as: .binary(strict: true)) }
    }

    @Test func unknownTypesAndVersionsAreMalformed() {
        // Field type 99.
        let badType: [UInt8] = [0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, UInt8(ascii: "m"), 0, 0, 0, 1, 99, 0, 1]
        #expect(throws: ThriftError.self) { try ThriftCodec.decode(badType, as: .binary(strict: true)) }
        let badVersion: [UInt8] = [0x80, 0x02, 0x00, 0x01, 0, 0, 0, 1, UInt8(ascii: "m"), 0, 0, 0, 1, 0]
        #expect(throws: ThriftError.self) { try ThriftCodec.decode(badVersion, as: .binary(strict: true)) }
        let badCompact: [UInt8] = [0x82, 0x22, 0x01, 0x01, UInt8(ascii: "m"), 0x0d, 0x00]
        #expect(throws: ThriftError.self) { try ThriftCodec.decode(badCompact, as: .compact) }
        // Structs nested past the depth limit.
        var deep: [UInt8] = [0x80, 0x01, 0x00, 0x01, 0, 0, 0, 1, UInt8(ascii: "m"), 0, 0, 0, 1]
        for _ in 0..<100 { deep += [12, 0, 1] }
        deep += Array(repeating: 0, count: 101)
        #expect(throws: ThriftError.self) { try ThriftCodec.decode(deep, as: .binary(strict: true)) }
        // Bytes after the message inside its frame.
        let m = ThriftCodec.encode(ThriftMessage(name: "m", type: .call, sequenceId: 1, body: ThriftStruct()), as: .compact, framed: false)
        #expect(throws: ThriftError.self) { try ThriftCodec.decode(m + [0], as: .compact) }
    }

    @Test func protocolDetectionFromTheFirstByte() {
        #expect(ThriftProtocol.detect(first: 0x80) == .binary(strict: true))
        #expect(ThriftProtocol.detect(first: 0x82) == .compact)
        #expect(ThriftProtocol.detect(first: 0x00) == .binary(strict: false))
    }
}
