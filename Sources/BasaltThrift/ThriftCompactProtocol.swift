/// Thrift's compact protocol (`TCompactProtocol`): zigzag varints for integers, field ids as deltas in
/// the type byte, booleans folded into field headers, little-endian doubles. Messages open with `0x82`.
enum ThriftCompactProtocol {
    static let protocolId: UInt8 = 0x82
    static let version: UInt8 = 1

    // The compact protocol's own type codes.
    static func code(_ t: ThriftType) -> UInt8 {
        switch t {
        case .bool: 1
        case .byte: 3
        case .i16: 4
        case .i32: 5
        case .i64: 6
        case .double: 7
        case .binary: 8
        case .list: 9
        case .set: 10
        case .map: 11
        case .structure: 12
        }
    }

    static func type(_ code: UInt8) throws(ThriftError) -> ThriftType {
        switch code {
        case 1, 2: .bool
        case 3: .byte
        case 4: .i16
        case 5: .i32
        case 6: .i64
        case 7: .double
        case 8: .binary
        case 9: .list
        case 10: .set
        case 11: .map
        case 12: .structure
        default: throw .malformed("unknown compact type code \(code)")
        }
    }

    static func zigzag(_ v: UInt64) -> Int64 { Int64(bitPattern: v >> 1) ^ -Int64(bitPattern: v & 1) }
    static func zigzag(_ v: Int64) -> UInt64 { UInt64(bitPattern: (v << 1) ^ (v >> 63)) }

    static func readMessage(_ input: inout ThriftInput) throws(ThriftError) -> ThriftMessage {
        guard try input.byte() == protocolId else { throw .malformed("not a compact protocol message") }
        let vt = try input.byte()
        guard vt & 0x1f == version else { throw .malformed("bad compact protocol version \(vt & 0x1f)") }
        guard let type = ThriftMessageType(rawValue: (vt >> 5) & 0x07) else { throw .malformed("unknown message type \((vt >> 5) & 0x07)") }
        let sequenceId = Int32(truncatingIfNeeded: try input.varint(maxBytes: 5))
        let nameLength = try input.varint(maxBytes: 5)
        guard nameLength <= 1024 else { throw .malformed("a method name of \(nameLength) bytes") }
        let name = try input.bytes(Int(nameLength))
        let body = try readStruct(&input, depth: 0)
        return ThriftMessage(name: String(decoding: name, as: UTF8.self), type: type, sequenceId: sequenceId, body: body)
    }

    static func readStruct(_ input: inout ThriftInput, depth: Int) throws(ThriftError) -> ThriftStruct {
        guard depth < ThriftBinaryProtocol.maxDepth else { throw .malformed("structs nest deeper than \(ThriftBinaryProtocol.maxDepth)") }
        var s = ThriftStruct()
        var lastId: Int16 = 0
        while true {
            let header = try input.byte()
            if header == 0 { return s }
            let delta = header >> 4, code = header & 0x0f
            let id: Int16
            if delta != 0 {
                id = lastId &+ Int16(delta)
            } else {
                id = Int16(truncatingIfNeeded: zigzag(try input.varint(maxBytes: 3)))
            }
            let value: ThriftValue
            switch code {
            case 1: value = .bool(true)
            case 2: value = .bool(false)
            default: value = try readValue(&input, type: try type(code), depth: depth + 1)
            }
            s.fields.append(.init(id: id, value: value))
            lastId = id
        }
    }

    static func readValue(_ input: inout ThriftInput, type: ThriftType, depth: Int) throws(ThriftError) -> ThriftValue {
        switch type {
        case .bool: return .bool(try input.byte() == 1)
        case .byte: return .byte(Int8(bitPattern: try input.byte()))
        case .i16: return .i16(Int16(truncatingIfNeeded: zigzag(try input.varint(maxBytes: 3))))
        case .i32: return .i32(Int32(truncatingIfNeeded: zigzag(try input.varint(maxBytes: 5))))
        case .i64: return .i64(zigzag(try input.varint()))
        case .double: return .double(Double(bitPattern: try input.littleEndianUInt64()))
        case .binary: return .binary(try input.bytes(Int(try input.count(Int64(try input.varint(maxBytes: 5))))))
        case .structure: return .structure(try readStruct(&input, depth: depth))
        case .map:
            let n = try input.count(Int64(try input.varint(maxBytes: 5)))
            guard n > 0 else { return .map(key: .binary, value: .binary, []) }
            let kv = try input.byte()
            let k = try Self.type(kv >> 4), v = try Self.type(kv & 0x0f)
            return try ThriftInput.map(count: n, key: k, value: v, depth: depth) { t, d throws(ThriftError) in try readValue(&input, type: t, depth: d) }
        case .set, .list:
            let header = try input.byte()
            var n = Int64(header >> 4)
            if n == 15 { n = Int64(try input.varint(maxBytes: 5)) }
            let count = try input.count(n)
            let e = try Self.type(header & 0x0f)
            return try ThriftInput.sequence(type, count: count, element: e, depth: depth) { t, d throws(ThriftError) in try readValue(&input, type: t, depth: d) }
        }
    }

    static func writeMessage(_ m: ThriftMessage, into out: inout ThriftOutput) {
        out.byte(protocolId)
        out.byte(version | (m.type.rawValue << 5))
        out.varint(UInt64(UInt32(bitPattern: m.sequenceId)))
        let name = Array(m.name.utf8)
        out.varint(UInt64(name.count))
        out.append(name)
        writeStruct(m.body, into: &out)
    }

    static func writeStruct(_ s: ThriftStruct, into out: inout ThriftOutput) {
        var lastId: Int16 = 0
        for f in s.fields {
            let code: UInt8
            if case .bool(let b) = f.value { code = b ? 1 : 2 } else { code = Self.code(f.value.type) }
            let delta = Int(f.id) - Int(lastId)
            if delta > 0 && delta <= 15 {
                out.byte(UInt8(delta) << 4 | code)
            } else {
                out.byte(code)
                out.varint(zigzag(Int64(f.id)))
            }
            if case .bool = f.value {} else { writeValue(f.value, into: &out) }
            lastId = f.id
        }
        out.byte(0)
    }

    static func writeValue(_ v: ThriftValue, into out: inout ThriftOutput) {
        switch v {
        case .bool(let b): out.byte(b ? 1 : 2)
        case .byte(let b): out.byte(UInt8(bitPattern: b))
        case .i16(let n): out.varint(zigzag(Int64(n)))
        case .i32(let n): out.varint(zigzag(Int64(n)))
        case .i64(let n): out.varint(zigzag(n))
        case .double(let d): out.littleEndian(d.bitPattern)
        case .binary(let b):
            out.varint(UInt64(b.count))
            out.append(b)
        case .structure(let s): writeStruct(s, into: &out)
        case .map(let k, let vt, let pairs):
            if pairs.isEmpty {
                out.byte(0)
                return
            }
            out.varint(UInt64(pairs.count))
            out.byte(code(k) << 4 | code(vt))
            for p in pairs {
                writeValue(p.key, into: &out)
                writeValue(p.value, into: &out)
            }
        case .set(let e, let elements), .list(let e, let elements):
            if elements.count < 15 {
                out.byte(UInt8(elements.count) << 4 | code(e))
            } else {
                out.byte(0xf0 | code(e))
                out.varint(UInt64(elements.count))
            }
            for x in elements { writeValue(x, into: &out) }
        }
    }
}
