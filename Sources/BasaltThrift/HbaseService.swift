import BasaltClient
import BasaltCore
import Logging

/// The `Hbase` service of HBase's Thrift1 IDL (happybase's copy and HBase 2.x's), answered with the
/// cluster's client API. Each method keeps the semantics Thrift1 clients rely on: `*Ts` reads are
/// exclusive of the timestamp, rows without cells are left out, `family` means the whole family and
/// `family:` the empty qualifier, counters are 8-byte big-endian. Safe to share.
final class HbaseService: Sendable {
    let connection: Connection
    let scanners: ThriftScanners
    let logger: Logger

    init(connection: Connection, scannerTimeout: Duration, logger: Logger) {
        self.connection = connection
        self.scanners = ThriftScanners(timeout: scannerTimeout, logger: logger)
        self.logger = logger
    }

    /// What a method may throw besides `IOError` (field 1 of every result struct).
    struct Throws: OptionSet {
        let rawValue: Int
        static let illegalArgument = Throws(rawValue: 1)
        static let alreadyExists = Throws(rawValue: 2)
    }

    typealias Method = @Sendable (HbaseService, Arguments, Int) async throws -> ThriftValue?

    /// Every method: its handler, and the exceptions its IDL declares.
    static let methods: [String: (Throws, Method)] = {
        var m: [String: (Throws, Method)] = [:]
        adminMethods(into: &m)
        readMethods(into: &m)
        mutationMethods(into: &m)
        scannerMethods(into: &m)
        return m
    }()

    /// Answers one message from connection `owner`: a reply, an exception for an unknown method, or nothing for a oneway call.
    func handle(_ message: ThriftMessage, owner: Int) async -> ThriftMessage? {
        guard message.type == .call || message.type == .oneway else {
            logger.debug("ignoring a Thrift \(message.type) message '\(message.name)'")
            return nil
        }
        guard let (throwing, method) = Self.methods[message.name] else {
            logger.info("unknown Thrift method '\(message.name)'")
            guard message.type == .call else { return nil }
            return Self.applicationException(message, "Invalid method name: '\(message.name)'", type: 1)
        }
        var result = ThriftStruct()
        do {
            if let value = try await method(self, Arguments(message.body), owner) { result.set(0, value) }
        } catch {
            let e = ThriftError.wrapping(error)
            switch e.kind {
            case .illegalArgument where throwing.contains(.illegalArgument):
                result.set(2, .structure(ThriftStruct([1: .string(e.message)])))
            case .alreadyExists where throwing.contains(.alreadyExists):
                result.set(3, .structure(ThriftStruct([1: .string(e.message)])))
            default:
                result.set(1, .structure(ThriftStruct([1: .string(e.message), 2: .bool(e.isRetryable)])))
            }
            logger.debug("Thrift \(message.name) failed: \(e.message)")
        }
        guard message.type == .call else { return nil }
        return ThriftMessage(name: message.name, type: .reply, sequenceId: message.sequenceId, body: result)
    }

    /// A `TApplicationException` (type 1: unknown method, 6: internal error).
    static func applicationException(_ m: ThriftMessage, _ text: String, type: Int32) -> ThriftMessage {
        ThriftMessage(name: m.name, type: .exception, sequenceId: m.sequenceId,
                      body: ThriftStruct([1: .string(text), 2: .i32(type)]))
    }
}

/// A call's argument struct, read the way the gateway needs it.
struct Arguments: Sendable {
    let body: ThriftStruct

    init(_ body: ThriftStruct) { self.body = body }

    /// A table name argument (required).
    func table(_ id: Int16) throws(ThriftError) -> TableName {
        guard let raw = body.binary(id) else { throw .illegalArgument("the table name is missing") }
        do { return try TableName(String(decoding: raw, as: UTF8.self)) } catch {
            throw .illegalArgument("'\(Bytes.toStringBinary(raw))' is not a valid table name")
        }
    }

    /// A binary argument; an unset one reads as empty, as Java's gateway sees a null buffer.
    func bytes(_ id: Int16) -> [UInt8] { body.binary(id) ?? [] }

    func optionalBytes(_ id: Int16) -> [UInt8]? { body.binary(id) }

    func i64(_ id: Int16) throws(ThriftError) -> Int64 {
        guard let v = body.i64(id) else { throw .illegalArgument("argument \(id) (i64) is missing") }
        return v
    }

    func i32(_ id: Int16) throws(ThriftError) -> Int32 {
        guard let v = body.i32(id) else { throw .illegalArgument("argument \(id) (i32) is missing") }
        return v
    }

    /// A `list<Text>` argument (nil or empty: none).
    func byteList(_ id: Int16) -> [[UInt8]] {
        (body.list(id) ?? []).compactMap { if case .binary(let b) = $0 { b } else { nil } }
    }

    func structs(_ id: Int16) -> [ThriftStruct] {
        (body.list(id) ?? []).compactMap { if case .structure(let s) = $0 { s } else { nil } }
    }

    func structure(_ id: Int16) -> ThriftStruct? { body.structure(id) }
}
