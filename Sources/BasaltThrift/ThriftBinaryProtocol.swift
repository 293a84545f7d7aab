/// Thrift's binary protocol (`TBinaryProtocol`): big-endian fixed-width numbers, 4-byte lengths, one
/// type byte and a 2-byte id per field. A strict message opens with the version word `0x8001_00tt`;
/// an old, non-strict one opens with the method name.
enum ThriftBinaryProtocol {
    static let version: UInt32 = 0x8001_0000
    static let maxDepth = 64
    static let maxNameLength: Int32 = 1024

    static func readMessage(_ input: inout ThriftInput) throws(ThriftError) -> (ThriftMessage, strict: Bool) {
        let first = try input.bigEndian(Int32.self)
        let name: [UInt8]
        let typeByte: UInt8
        let strict = first < 0
        if strict {
            guard UInt32(bitPattern: first) & 0xffff_0000 == version else {
                throw .malformed("bad binary protocol version 0x\(String(UInt32(bitPattern: first), radix: 16))")
            }
            typeByte = UInt8(truncatingIfNeeded: first)
            name = try input.bytes(Int(try input.bigEndian(Int32.self)))
        } else {
            // An old client's message opens with the method name; a longer "name" is not Thrift.
            guard first <= maxNameLength else { throw .malformed("not a Thrift message (a method name of \(first) bytes)") }
            name = try input.bytes(Int(first))
            typeByte = try input.byte()
        }
        let sequenceId = try input.bigEndian(Int32.self)
        guard let type = ThriftMessageType(rawValue: typeByte) else { throw .malformed("unknown message type \(typeByte)") }
        let body = try readStruct(&input, depth: 0)
        return (ThriftMessage(name: String(decoding: name, as: UTF8.self), type: type, sequenceId: sequenceId, body: body), strict)
    }

    static func readStruct(_ input: inout ThriftInput, depth: Int) throws(ThriftError) -> ThriftStruct {
        guard depth < maxDepth else { throw .malformed("structs nest deeper than \(maxDepth)") }
        var s = ThriftStruct()
        while true {
            let t = try input.byte()
            if t == 0 { return s }
            let id = try input.bigEndian(Int16.self)
            let value = try readValue(&input, type: try type(t), depth: depth + 1)
            s.fields.append(.init(id: id, value: value))
        }
    }

    static func type(_ code: UInt8) throws(ThriftError) -> ThriftType {
        guard let t = ThriftType(rawValue: code) else { throw .malformed("unknown type code \(code)") }
        return t
    }

    static func readValue(_ input: inout ThriftInput, type: ThriftType, depth: Int) throws(ThriftError) -> ThriftValue {
        switch type {
        case .bool: return .bool(try input.byte() != 0)
        case .byte: return .byte(Int8(bitPattern: try input.byte()))
        case .i16: return .i16(try input.bigEndian(Int16.self))
        case .i32: return .i32(try input.bigEndian(Int32.self))
        case .i64: return .i64(try input.bigEndian(Int64.self))
        case .double: return .double(Double(bitPattern: try input.bigEndian(UInt64.self)))
        case .binary: return .binary(try input.bytes(Int(try input.bigEndian(Int32.self))))
        case .structure: return .structure(try readStruct(&input, depth: depth))
        case .map:
            let k = try Self.type(try input.byte()), v = try Self.type(try input.byte())
            let n = try input.count(Int64(try input.bigEndian(Int32.self)))
            return try ThriftInput.map(count: n, key: k, value: v, depth: depth) { t, d throws(ThriftError) in try readValue(&input, type: t, depth: d) }
        case .set, .list:
            let e = try Self.type(try input.byte())
            let n = try input.count(Int64(try input.bigEndian(Int32.self)))
            return try ThriftInput.sequence(type, count: n, element: e, depth: depth) { t, d throws(ThriftError) in try readValue(&input, type: t, depth: d) }
        }
    }

    static func writeMessage(_ m: ThriftMessage, strict: Bool, into out: inout ThriftOutput) {
        let name = Array(m.name.utf8)
        if strict {
            out.bigEndian(version | UInt32(m.type.rawValue))
            out.bigEndian(Int32(name.count))
            out.append(name)
        } else {
            out.bigEndian(Int32(name.count))
            out.append(name)
            out.byte(m.type.rawValue)
        }
        out.bigEndian(m.sequenceId)
        writeStruct(m.body, into: &out)
    }

    static func writeStruct(_ s: ThriftStruct, into out: inout ThriftOutput) {
        for f in s.fields {
            out.byte(f.value.type.rawValue)
            out.bigEndian(f.id)
            writeValue(f.value, into: &out)
        }
        out.byte(0)
    }

    static func writeValue(_ v: ThriftValue, into out: inout ThriftOutput) {
        switch v {
        case .bool(let b): out.byte(b ? 1 : 0)
        case .byte(let b): out.byte(UInt8(bitPattern: b))
        case .i16(let n): out.bigEndian(n)
        case .i32(let n): out.bigEndian(n)
        case .i64(let n): out.bigEndian(n)
        case .double(let d): out.bigEndian(d.bitPattern)
        case .binary(let b):
            out.bigEndian(Int32(b.count))
            out.append(b)
        case .structure(let s): writeStruct(s, into: &out)
        case .map(let k, let vt, let pairs):
            out.byte(k.rawValue)
            out.byte(vt.rawValue)
            out.bigEndian(Int32(pairs.count))
            for p in pairs {
                writeValue(p.key, into: &out)
                writeValue(p.value, into: &out)
            }
        case .set(let e, let elements), .list(let e, let elements):
            out.byte(e.rawValue)
            out.bigEndian(Int32(elements.count))
            for x in elements { writeValue(x, into: &out) }
        }
    }
}
