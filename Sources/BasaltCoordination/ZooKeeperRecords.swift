import NIOCore

/// ZooKeeper's operation codes (`ZooDefs.OpCode`), by wire value.
enum OpCode: Int32, Sendable {
    case notification = 0
    case create = 1
    case delete = 2
    case exists = 3
    case getData = 4
    case setData = 5
    case getACL = 6
    case setACL = 7
    case getChildren = 8
    case sync = 9
    case ping = 11
    case getChildren2 = 12
    case check = 13
    case multi = 14
    case create2 = 15
    case createContainer = 19
    case setWatches = 101
    case createSession = -10
    case closeSession = -11
    case error = -1
}

/// Transaction ids the protocol reserves for messages that are not replies to a numbered request.
enum SpecialXid {
    static let notification: Int32 = -1
    static let ping: Int32 = -2
    static let setWatches: Int32 = -8
}

/// A znode's metadata, field for field as ZooKeeper's `Stat`.
public struct Stat: Sendable, Equatable {
    public var czxid: Int64 = 0
    public var mzxid: Int64 = 0
    public var ctime: Int64 = 0
    public var mtime: Int64 = 0
    public var version: Int32 = 0
    public var cversion: Int32 = 0
    public var aversion: Int32 = 0
    public var ephemeralOwner: Int64 = 0
    public var dataLength: Int32 = 0
    public var numChildren: Int32 = 0
    public var pzxid: Int64 = 0

    public init() {}

    func write(to b: inout ByteBuffer) {
        b.writeInteger(czxid); b.writeInteger(mzxid); b.writeInteger(ctime); b.writeInteger(mtime)
        b.writeInteger(version); b.writeInteger(cversion); b.writeInteger(aversion)
        b.writeInteger(ephemeralOwner); b.writeInteger(dataLength); b.writeInteger(numChildren)
        b.writeInteger(pzxid)
    }

    static func read(from b: inout ByteBuffer) throws(CoordinationError) -> Stat {
        var s = Stat()
        s.czxid = try b.readJuteLong(); s.mzxid = try b.readJuteLong()
        s.ctime = try b.readJuteLong(); s.mtime = try b.readJuteLong()
        s.version = try b.readJuteInt(); s.cversion = try b.readJuteInt(); s.aversion = try b.readJuteInt()
        s.ephemeralOwner = try b.readJuteLong(); s.dataLength = try b.readJuteInt()
        s.numChildren = try b.readJuteInt(); s.pzxid = try b.readJuteLong()
        return s
    }
}

/// How a znode is created: persistent or ephemeral (deleted when its session ends), each optionally
/// sequential (the server appends a 10-digit counter to the name).
public enum CreateMode: Int32, Sendable, CaseIterable {
    case persistent = 0
    case ephemeral = 1
    case persistentSequential = 2
    case ephemeralSequential = 3

    public var isEphemeral: Bool { self == .ephemeral || self == .ephemeralSequential }
    public var isSequential: Bool { self == .persistentSequential || self == .ephemeralSequential }

    public init(ephemeral: Bool, sequential: Bool) {
        switch (ephemeral, sequential) {
        case (false, false): self = .persistent
        case (true, false): self = .ephemeral
        case (false, true): self = .persistentSequential
        case (true, true): self = .ephemeralSequential
        }
    }
}

/// An access-control entry. Basalt creates every znode open to all (`world:anyone`, all permissions);
/// the embedded server stores ACLs and returns them but does not enforce them.
public struct ACL: Sendable, Equatable {
    public var perms: Int32
    public var scheme: String
    public var id: String

    public static let openUnsafe = [ACL(perms: 31, scheme: "world", id: "anyone")]

    public init(perms: Int32, scheme: String, id: String) {
        self.perms = perms
        self.scheme = scheme
        self.id = id
    }

    static func write(_ list: [ACL], to b: inout ByteBuffer) {
        b.writeInteger(Int32(list.count))
        for a in list {
            b.writeInteger(a.perms)
            b.writeJuteString(a.scheme)
            b.writeJuteString(a.id)
        }
    }

    static func read(from b: inout ByteBuffer) throws(CoordinationError) -> [ACL] {
        let n = try b.readJuteInt()
        guard n >= 0 else { return [] }
        guard Int(n) <= b.readableBytes / 12 else { throw ByteBuffer.truncated("ACL list of \(n) entries") }
        var out: [ACL] = []
        for _ in 0..<n {
            out.append(ACL(perms: try b.readJuteInt(), scheme: try b.readJuteString(), id: try b.readJuteString()))
        }
        return out
    }
}

/// What happened to a watched znode (`Watcher.Event.EventType`).
public enum EventType: Int32, Sendable {
    case none = -1
    case nodeCreated = 1
    case nodeDeleted = 2
    case nodeDataChanged = 3
    case nodeChildrenChanged = 4
}

/// The session's state as a watch event carries it (`Watcher.Event.KeeperState`).
public enum SessionState: Int32, Sendable {
    case disconnected = 0
    case connected = 3
    case authFailed = 4
    case connectedReadOnly = 5
    case expired = -112
    case closed = 7
}

/// A one-shot watch firing: the event, the session state, and the znode path.
public struct WatchedEvent: Sendable, Equatable {
    public var type: EventType
    public var state: SessionState
    public var path: String

    public init(type: EventType, state: SessionState = .connected, path: String) {
        self.type = type
        self.state = state
        self.path = path
    }
}

/// The kinds of watch a read can leave.
enum WatchKind: Sendable { case data, exists, children }

/// The first message of a connection, in both directions.
struct ConnectRequest {
    var protocolVersion: Int32 = 0
    var lastZxidSeen: Int64
    var timeout: Int32
    var sessionId: Int64
    var password: [UInt8]
    var readOnly: Bool = false

    func write(to b: inout ByteBuffer) {
        b.writeInteger(protocolVersion); b.writeInteger(lastZxidSeen); b.writeInteger(timeout)
        b.writeInteger(sessionId); b.writeJuteBuffer(password); b.writeJuteBool(readOnly)
    }

    static func read(from b: inout ByteBuffer) throws(CoordinationError) -> ConnectRequest {
        var r = ConnectRequest(
            protocolVersion: try b.readJuteInt(), lastZxidSeen: try b.readJuteLong(), timeout: try b.readJuteInt(),
            sessionId: try b.readJuteLong(), password: try b.readJuteBuffer())
        if b.readableBytes > 0 { r.readOnly = try b.readJuteBool() }
        return r
    }
}

struct ConnectResponse {
    var protocolVersion: Int32 = 0
    var timeout: Int32
    var sessionId: Int64
    var password: [UInt8]
    var readOnly: Bool = false

    func write(to b: inout ByteBuffer) {
        b.writeInteger(protocolVersion); b.writeInteger(timeout); b.writeInteger(sessionId)
        b.writeJuteBuffer(password); b.writeJuteBool(readOnly)
    }

    static func read(from b: inout ByteBuffer) throws(CoordinationError) -> ConnectResponse {
        var r = ConnectResponse(
            protocolVersion: try b.readJuteInt(), timeout: try b.readJuteInt(), sessionId: try b.readJuteLong(),
            password: try b.readJuteBuffer())
        if b.readableBytes > 0 { r.readOnly = try b.readJuteBool() }
        return r
    }
}

/// The header of every reply: the request's xid, the server's zxid when it answered, and a result code.
struct ReplyHeader {
    var xid: Int32
    var zxid: Int64
    var err: Int32
}
