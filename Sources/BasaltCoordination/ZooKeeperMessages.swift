import NIOCore

/// One operation of a `multi` transaction.
public enum MultiOp: Sendable, Equatable {
    case create(path: String, data: [UInt8], mode: CreateMode)
    case delete(path: String, version: Int32)
    case setData(path: String, data: [UInt8], version: Int32)
    case check(path: String, version: Int32)

    var path: String {
        switch self {
        case .create(let p, _, _), .delete(let p, _), .setData(let p, _, _), .check(let p, _): p
        }
    }

    var request: Request {
        switch self {
        case .create(let p, let d, let m): .create(path: p, data: d, acl: ACL.openUnsafe, flags: m.rawValue, op: .create)
        case .delete(let p, let v): .delete(path: p, version: v)
        case .setData(let p, let d, let v): .setData(path: p, data: d, version: v)
        case .check(let p, let v): .check(path: p, version: v)
        }
    }
}

/// The outcome of one operation of a `multi`. When the transaction fails, the operations before the
/// failing one report `.error(.ok)` (rolled back), the failing one its code, the later ones
/// `.error(.runtimeInconsistency)`, as ZooKeeper reports them.
public enum MultiResult: Sendable, Equatable {
    case created(path: String, stat: Stat?)
    case deleted
    case set(Stat)
    case checked
    case error(CoordinationError.Code)
}

/// A client request body, as the protocol encodes it after the request header.
enum Request: Sendable {
    case create(path: String, data: [UInt8], acl: [ACL], flags: Int32, op: OpCode)
    case delete(path: String, version: Int32)
    case exists(path: String, watch: Bool)
    case getData(path: String, watch: Bool)
    case setData(path: String, data: [UInt8], version: Int32)
    case getACL(path: String)
    case setACL(path: String, acl: [ACL], version: Int32)
    case getChildren(path: String, watch: Bool, withStat: Bool)
    case sync(path: String)
    case check(path: String, version: Int32)
    case multi([Request])
    case ping
    case closeSession
    case setWatches(relativeZxid: Int64, data: [String], exist: [String], child: [String])

    var opCode: OpCode {
        switch self {
        case .create(_, _, _, _, let op): op
        case .delete: .delete
        case .exists: .exists
        case .getData: .getData
        case .setData: .setData
        case .getACL: .getACL
        case .setACL: .setACL
        case .getChildren(_, _, let withStat): withStat ? .getChildren2 : .getChildren
        case .sync: .sync
        case .check: .check
        case .multi: .multi
        case .ping: .ping
        case .closeSession: .closeSession
        case .setWatches: .setWatches
        }
    }

    /// The znode the request names, for error messages.
    var path: String? {
        switch self {
        case .create(let p, _, _, _, _), .delete(let p, _), .exists(let p, _), .getData(let p, _),
            .setData(let p, _, _), .getACL(let p), .setACL(let p, _, _), .getChildren(let p, _, _),
            .sync(let p), .check(let p, _):
            p
        case .multi, .ping, .closeSession, .setWatches: nil
        }
    }

    /// Whether the request changes the tree (and so takes a zxid).
    var isWrite: Bool {
        switch self {
        case .create, .delete, .setData, .setACL, .multi, .check: true
        default: false
        }
    }

    func write(to b: inout ByteBuffer) {
        switch self {
        case .create(let p, let d, let acl, let flags, _):
            b.writeJuteString(p); b.writeJuteBuffer(d); ACL.write(acl, to: &b); b.writeInteger(flags)
        case .delete(let p, let v), .check(let p, let v):
            b.writeJuteString(p); b.writeInteger(v)
        case .exists(let p, let w), .getData(let p, let w), .getChildren(let p, let w, _):
            b.writeJuteString(p); b.writeJuteBool(w)
        case .setData(let p, let d, let v):
            b.writeJuteString(p); b.writeJuteBuffer(d); b.writeInteger(v)
        case .getACL(let p), .sync(let p):
            b.writeJuteString(p)
        case .setACL(let p, let acl, let v):
            b.writeJuteString(p); ACL.write(acl, to: &b); b.writeInteger(v)
        case .multi(let ops):
            for op in ops {
                b.writeInteger(op.opCode.rawValue); b.writeJuteBool(false); b.writeInteger(Int32(-1))
                op.write(to: &b)
            }
            b.writeInteger(Int32(-1)); b.writeJuteBool(true); b.writeInteger(Int32(-1))
        case .ping, .closeSession:
            break
        case .setWatches(let zxid, let data, let exist, let child):
            b.writeInteger(zxid); b.writeJuteStrings(data); b.writeJuteStrings(exist); b.writeJuteStrings(child)
        }
    }

    /// Decodes the body of a request of type `op`; `nil` for operations this server does not implement.
    static func read(op: Int32, from b: inout ByteBuffer) throws(CoordinationError) -> Request? {
        guard let code = OpCode(rawValue: op) else { return nil }
        switch code {
        case .create, .create2, .createContainer:
            return .create(path: try b.readJuteString(), data: try b.readJuteBuffer(), acl: try ACL.read(from: &b), flags: try b.readJuteInt(), op: code)
        case .delete: return .delete(path: try b.readJuteString(), version: try b.readJuteInt())
        case .check: return .check(path: try b.readJuteString(), version: try b.readJuteInt())
        case .exists: return .exists(path: try b.readJuteString(), watch: try b.readJuteBool())
        case .getData: return .getData(path: try b.readJuteString(), watch: try b.readJuteBool())
        case .getChildren, .getChildren2:
            return .getChildren(path: try b.readJuteString(), watch: try b.readJuteBool(), withStat: code == .getChildren2)
        case .setData: return .setData(path: try b.readJuteString(), data: try b.readJuteBuffer(), version: try b.readJuteInt())
        case .getACL: return .getACL(path: try b.readJuteString())
        case .setACL: return .setACL(path: try b.readJuteString(), acl: try ACL.read(from: &b), version: try b.readJuteInt())
        case .sync: return .sync(path: try b.readJuteString())
        case .ping: return .ping
        case .closeSession: return .closeSession
        case .setWatches:
            return .setWatches(relativeZxid: try b.readJuteLong(), data: try b.readJuteStrings(), exist: try b.readJuteStrings(), child: try b.readJuteStrings())
        case .multi:
            var ops: [Request] = []
            while true {
                let type = try b.readJuteInt()
                let done = try b.readJuteBool()
                _ = try b.readJuteInt()
                if done { break }
                guard [OpCode.create.rawValue, OpCode.create2.rawValue, OpCode.delete.rawValue, OpCode.setData.rawValue, OpCode.check.rawValue].contains(type),
                    let sub = try read(op: type, from: &b)
                else { throw CoordinationError(.marshallingError, "multi holds an operation of type \(type), which a transaction cannot carry") }
                ops.append(sub)
            }
            return .multi(ops)
        case .notification, .createSession, .error:
            return nil
        }
    }
}

/// A reply body, as the protocol encodes it after the reply header.
enum Response: Sendable {
    case none
    case path(String)
    case pathAndStat(String, Stat)
    case stat(Stat)
    case data([UInt8], Stat)
    case acl([ACL], Stat)
    case children([String])
    case childrenAndStat([String], Stat)
    case multi([MultiResult])

    func write(to b: inout ByteBuffer) {
        switch self {
        case .none: break
        case .path(let p): b.writeJuteString(p)
        case .pathAndStat(let p, let s): b.writeJuteString(p); s.write(to: &b)
        case .stat(let s): s.write(to: &b)
        case .data(let d, let s): b.writeJuteBuffer(d); s.write(to: &b)
        case .acl(let a, let s): ACL.write(a, to: &b); s.write(to: &b)
        case .children(let c): b.writeJuteStrings(c)
        case .childrenAndStat(let c, let s): b.writeJuteStrings(c); s.write(to: &b)
        case .multi(let results):
            for r in results {
                switch r {
                case .created(let p, let stat):
                    b.writeInteger((stat == nil ? OpCode.create : .create2).rawValue); b.writeJuteBool(false); b.writeInteger(Int32(0))
                    b.writeJuteString(p)
                    stat?.write(to: &b)
                case .deleted:
                    b.writeInteger(OpCode.delete.rawValue); b.writeJuteBool(false); b.writeInteger(Int32(0))
                case .set(let s):
                    b.writeInteger(OpCode.setData.rawValue); b.writeJuteBool(false); b.writeInteger(Int32(0))
                    s.write(to: &b)
                case .checked:
                    b.writeInteger(OpCode.check.rawValue); b.writeJuteBool(false); b.writeInteger(Int32(0))
                case .error(let code):
                    b.writeInteger(OpCode.error.rawValue); b.writeJuteBool(false); b.writeInteger(code.rawValue)
                    b.writeInteger(code.rawValue)
                }
            }
            b.writeInteger(Int32(-1)); b.writeJuteBool(true); b.writeInteger(Int32(-1))
        }
    }

    /// Decodes the reply to `request`.
    static func read(for request: Request, from b: inout ByteBuffer) throws(CoordinationError) -> Response {
        switch request.opCode {
        case .create, .createContainer: return .path(try b.readJuteString())
        case .create2: return .pathAndStat(try b.readJuteString(), try Stat.read(from: &b))
        case .exists, .setData, .setACL: return .stat(try Stat.read(from: &b))
        case .getData: return .data(try b.readJuteBuffer(), try Stat.read(from: &b))
        case .getACL: return .acl(try ACL.read(from: &b), try Stat.read(from: &b))
        case .getChildren: return .children(try b.readJuteStrings())
        case .getChildren2: return .childrenAndStat(try b.readJuteStrings(), try Stat.read(from: &b))
        case .sync: return .path(try b.readJuteString())
        case .multi:
            var results: [MultiResult] = []
            while true {
                let type = try b.readJuteInt()
                let done = try b.readJuteBool()
                let err = try b.readJuteInt()
                if done { break }
                switch OpCode(rawValue: type) {
                case .create: results.append(.created(path: try b.readJuteString(), stat: nil))
                case .create2: results.append(.created(path: try b.readJuteString(), stat: try Stat.read(from: &b)))
                case .delete: results.append(.deleted)
                case .setData: results.append(.set(try Stat.read(from: &b)))
                case .check: results.append(.checked)
                case .error:
                    let code = try b.readJuteInt()
                    results.append(.error(CoordinationError.Code(rawValue: code) ?? .systemError))
                default:
                    throw CoordinationError(.marshallingError, "multi reply holds a result of type \(type) (err \(err))")
                }
            }
            return .multi(results)
        default: return .none
        }
    }
}
