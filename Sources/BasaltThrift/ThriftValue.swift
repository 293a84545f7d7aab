/// Thrift's wire types, numbered as the binary protocol numbers them.
public enum ThriftType: UInt8, Sendable, Hashable {
    case bool = 2, byte = 3, double = 4, i16 = 6, i32 = 8, i64 = 10, binary = 11
    case structure = 12, map = 13, set = 14, list = 15
}

/// One Thrift value of any type: what the codecs read and write. The gateway decodes a call's arguments
/// into this tree and builds its replies from it, so one codec serves every method and both protocols.
public indirect enum ThriftValue: Sendable, Hashable {
    case bool(Bool)
    case byte(Int8)
    case double(Double)
    case i16(Int16)
    case i32(Int32)
    case i64(Int64)
    case binary([UInt8])
    case structure(ThriftStruct)
    case map(key: ThriftType, value: ThriftType, [ThriftPair])
    case set(ThriftType, [ThriftValue])
    case list(ThriftType, [ThriftValue])

    public var type: ThriftType {
        switch self {
        case .bool: .bool
        case .byte: .byte
        case .double: .double
        case .i16: .i16
        case .i32: .i32
        case .i64: .i64
        case .binary: .binary
        case .structure: .structure
        case .map: .map
        case .set: .set
        case .list: .list
        }
    }

    /// A string as Thrift's `string` (UTF-8 bytes on the wire).
    public static func string(_ s: String) -> ThriftValue { .binary(Array(s.utf8)) }

    /// The elements of a list or a set.
    public var elements: [ThriftValue]? {
        switch self {
        case .list(_, let e), .set(_, let e): e
        default: nil
        }
    }
}

/// One entry of a Thrift map.
public struct ThriftPair: Sendable, Hashable {
    public var key: ThriftValue
    public var value: ThriftValue
    public init(_ key: ThriftValue, _ value: ThriftValue) {
        self.key = key
        self.value = value
    }
}

/// A Thrift struct: its fields by id, in the order they were written.
public struct ThriftStruct: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        public var id: Int16
        public var value: ThriftValue
    }

    public var fields: [Field]

    public init(_ fields: [Field] = []) { self.fields = fields }

    /// A struct from `(id, value)` pairs; nil values are left out (unset optional fields).
    public init(_ pairs: KeyValuePairs<Int16, ThriftValue?>) {
        fields = pairs.compactMap { id, v in v.map { Field(id: id, value: $0) } }
    }

    public subscript(id: Int16) -> ThriftValue? {
        fields.first { $0.id == id }?.value
    }

    public mutating func set(_ id: Int16, _ value: ThriftValue) {
        if let i = fields.firstIndex(where: { $0.id == id }) { fields[i].value = value } else { fields.append(Field(id: id, value: value)) }
    }

    // Typed field reads: nil when the field is absent or of another type (Thrift skips a field whose
    // type does not match the IDL, so a wrong type reads as unset).

    public func binary(_ id: Int16) -> [UInt8]? {
        if case .binary(let b)? = self[id] { return b }
        return nil
    }

    public func string(_ id: Int16) -> String? { binary(id).map { String(decoding: $0, as: UTF8.self) } }

    public func bool(_ id: Int16) -> Bool? {
        if case .bool(let b)? = self[id] { return b }
        return nil
    }

    public func i32(_ id: Int16) -> Int32? {
        if case .i32(let v)? = self[id] { return v }
        return nil
    }

    public func i64(_ id: Int16) -> Int64? {
        if case .i64(let v)? = self[id] { return v }
        return nil
    }

    public func structure(_ id: Int16) -> ThriftStruct? {
        if case .structure(let s)? = self[id] { return s }
        return nil
    }

    public func list(_ id: Int16) -> [ThriftValue]? { self[id]?.elements }

    public func map(_ id: Int16) -> [ThriftPair]? {
        if case .map(_, _, let pairs)? = self[id] { return pairs }
        return nil
    }
}

/// Thrift's message types.
public enum ThriftMessageType: UInt8, Sendable {
    case call = 1, reply = 2, exception = 3, oneway = 4
}

/// One Thrift message: a call's method name, kind, sequence id and argument struct (or a reply's result).
public struct ThriftMessage: Sendable, Hashable {
    public var name: String
    public var type: ThriftMessageType
    public var sequenceId: Int32
    public var body: ThriftStruct

    public init(name: String, type: ThriftMessageType, sequenceId: Int32, body: ThriftStruct) {
        self.name = name
        self.type = type
        self.sequenceId = sequenceId
        self.body = body
    }
}
