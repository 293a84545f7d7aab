import Testing
@testable import BasaltCore

@Suite struct CRC32CTests {
    @Test func knownVectors() {
        // The standard check value for CRC-32C and RFC 3720's 32 zero bytes.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    @Test func incrementalEqualsWhole() {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let whole = CRC32C.checksum(data)
        for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
            let a = data.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[0..<split])) }
            let ab = data.withUnsafeBytes { CRC32C.update(a, UnsafeRawBufferPointer(rebasing: $0[split...])) }
            #expect(ab == whole)
        }
    }
}

@Suite struct ByteCodingTests {
    @Test func roundTrip() throws {
        var w = ByteWriter()
        let values: [UInt64] = [0, 1, 127, 128, 300, 16_383, 16_384, UInt64(UInt32.max), .max]
        for v in values { w.writeVarint(v) }
        w.writeUInt32(0xDEAD_BEEF)
        w.writeInt64(-42)
        w.writeLengthPrefixed(Array("hello".utf8))
        try w.bytes.withUnsafeBytes { (buf) throws -> Void in
            var r = ByteReader(buf)
            for v in values { #expect(try r.readVarint() == v) }
            #expect(try r.readUInt32() == 0xDEAD_BEEF)
            #expect(try r.readInt64() == -42)
            #expect(try r.readLengthPrefixed() == Array("hello".utf8))
            #expect(r.isAtEnd)
        }
    }

    @Test func truncatedInputThrowsInsteadOfTrapping() {
        let bytes: [UInt8] = [0x80, 0x80]
        bytes.withUnsafeBytes { buf in
            var r = ByteReader(buf)
            #expect(throws: CoreError.self) { try r.readVarint() }
            var r2 = ByteReader(buf)
            #expect(throws: CoreError.self) { try r2.readUInt64() }
        }
        let tooLong = [UInt8](repeating: 0xFF, count: 11)
        tooLong.withUnsafeBytes { buf in
            var r = ByteReader(buf)
            #expect(throws: CoreError.self) { try r.readVarint() }
        }
    }

    @Test func bytesHelpers() {
        #expect(Bytes.toStringBinary([0x61, 0x00, 0xFF, 0x5C]) == "a\\x00\\xFF\\x5C")
        #expect(Bytes.fromHex("00ff10") == [0, 255, 16])
        #expect(Bytes.fromHex("0g") == nil)
        #expect(Bytes.toInt64(Bytes.fromInt64(-5)) == -5)
        #expect(Bytes.fromInt64(1) == [0, 0, 0, 0, 0, 0, 0, 1])
        #expect(Bytes.toInt64([1, 2]) == nil)
    }
}
