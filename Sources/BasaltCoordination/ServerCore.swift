import Logging
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// The embedded server's state: the tree, the zxid, sessions, connections and watches. Every request is
/// handled whole under the server's lock, and its writes to sockets are queued in that order, so each
/// client sees replies in request order and watch events before the reply that caused them.
struct ServerCore {
    struct Session {
        var id: Int64
        var password: [UInt8]
        var timeoutMs: Int32
        var lastHeard: NIODeadline
        var connection: Int?
    }

    struct Connection {
        var channel: Channel
        var session: Int64?
        var received = 0
    }

    let tickMs: Int64
    var tree = ZNodeTree()
    var zxid: Int64 = 0
    var sessions: [Int64: Session] = [:]
    var connections: [Int: Connection] = [:]
    var nextConnection = 1
    var nextSessionId: Int64
    var watches = ServerWatches()
    var packetsReceived = 0
    var packetsSent = 0

    init(tickMs: Int64) {
        self.tickMs = tickMs
        let millis = Int64(clock_gettime_ms())
        nextSessionId = (millis << 24) >> 8
    }

    mutating func register(_ channel: Channel) -> Int {
        let id = nextConnection
        nextConnection += 1
        connections[id] = Connection(channel: channel)
        return id
    }

    /// A connection closed: its session lives on until its timeout; its watches go (the client
    /// re-registers them with `setWatches` when it reconnects).
    mutating func unregister(_ id: Int) {
        guard let c = connections.removeValue(forKey: id) else { return }
        if let s = c.session, sessions[s]?.connection == id {
            sessions[s]?.connection = nil
            watches.remove(session: s)
        }
    }

    // MARK: - Frames

    mutating func receive(_ frame: ByteBuffer, connection id: Int, logger: Logger) throws(CoordinationError) {
        guard let connection = connections[id] else { return }
        packetsReceived += 1
        connections[id]?.received += 1
        var b = frame
        guard let sessionId = connection.session else {
            try handshake(ConnectRequest.read(from: &b), connection: id, logger: logger)
            return
        }
        sessions[sessionId]?.lastHeard = .now()
        let xid = try b.readJuteInt()
        let type = try b.readJuteInt()
        guard let request = try Request.read(op: type, from: &b) else {
            reply(to: id, xid: xid, err: .unimplemented, .none)
            return
        }
        try handle(request, xid: xid, session: sessionId, connection: id, logger: logger)
    }

    private mutating func handshake(_ request: ConnectRequest, connection id: Int, logger: Logger) throws(CoordinationError) {
        guard let channel = connections[id]?.channel else { return }
        guard request.lastZxidSeen <= zxid else {
            logger.warning("refusing a ZooKeeper session: the client has seen zxid \(hex(request.lastZxidSeen)), this server is at \(hex(zxid))")
            channel.close(promise: nil)
            return
        }
        let timeout = Int32(clamping: min(max(Int64(request.timeout), 2 * tickMs), 20 * tickMs))
        var response: ConnectResponse
        if request.sessionId != 0 {
            guard var session = sessions[request.sessionId], session.password == request.password else {
                // Expired (or never ours): a zero timeout tells the client, then the connection closes.
                send(to: id, closeAfter: true) { ConnectResponse(timeout: 0, sessionId: 0, password: [UInt8](repeating: 0, count: 16)).write(to: &$0) }
                return
            }
            if let old = session.connection, old != id {
                watches.remove(session: session.id)
                connections[old]?.session = nil
                connections[old]?.channel.close(promise: nil)
            }
            session.connection = id
            session.lastHeard = .now()
            session.timeoutMs = timeout
            sessions[session.id] = session
            response = ConnectResponse(timeout: timeout, sessionId: session.id, password: session.password)
        } else {
            nextSessionId += 1
            var password = [UInt8](repeating: 0, count: 16)
            for i in password.indices { password[i] = UInt8.random(in: 0...255) }
            let session = Session(id: nextSessionId, password: password, timeoutMs: timeout, lastHeard: .now(), connection: id)
            sessions[session.id] = session
            response = ConnectResponse(timeout: timeout, sessionId: session.id, password: password)
            logger.debug("ZooKeeper session \(hex(session.id)) opened, timeout \(timeout) ms")
        }
        connections[id]?.session = response.sessionId
        response.readOnly = false
        send(to: id) { response.write(to: &$0) }
    }

    // MARK: - Requests

    private mutating func handle(_ request: Request, xid: Int32, session: Int64, connection id: Int, logger: Logger) throws(CoordinationError) {
        if request.isWrite { zxid += 1 }
        let now = Int64(clock_gettime_ms())
        do throws(CoordinationError) {
            switch request {
            case .ping:
                let z = zxid
                send(to: id) { b in b.writeInteger(SpecialXid.ping); b.writeInteger(z); b.writeInteger(Int32(0)) }
            case .closeSession:
                zxid += 1
                expire(session, logger: logger, reason: "closed by its client", replyXid: xid)
            case .create(let path, let data, let acl, let flags, let op):
                guard let mode = CreateMode(rawValue: flags) else { throw CoordinationError(.badArguments, path: path, "unsupported create flags \(flags)") }
                let (actual, triggers) = try tree.create(path, data: data, acl: acl, mode: mode, owner: session, zxid: zxid, time: now)
                fire(triggers)
                if op == .create2, let stat = tree.node(actual)?.stat {
                    reply(to: id, xid: xid, .pathAndStat(actual, stat))
                } else {
                    reply(to: id, xid: xid, .path(actual))
                }
            case .delete(let path, let version):
                fire(try tree.delete(path, version: version, zxid: zxid))
                reply(to: id, xid: xid, .none)
            case .setData(let path, let data, let version):
                let (stat, triggers) = try tree.setData(path, data: data, version: version, zxid: zxid, time: now)
                fire(triggers)
                reply(to: id, xid: xid, .stat(stat))
            case .setACL(let path, let acl, let version):
                reply(to: id, xid: xid, .stat(try tree.setACL(path, acl: acl, version: version)))
            case .check(let path, let version):
                try tree.check(path, version: version)
                reply(to: id, xid: xid, .none)
            case .multi(let ops):
                let (results, triggers, _) = tree.multi(ops, owner: session, zxid: zxid, time: now)
                fire(triggers)
                reply(to: id, xid: xid, .multi(results))
            case .exists(let path, let watch):
                if watch { watches.add(.data, path: path, session: session) }
                guard let node = tree.node(path) else { throw CoordinationError(.noNode, path: path) }
                reply(to: id, xid: xid, .stat(node.stat))
            case .getData(let path, let watch):
                guard let node = tree.node(path) else { throw CoordinationError(.noNode, path: path) }
                if watch { watches.add(.data, path: path, session: session) }
                reply(to: id, xid: xid, .data(node.data, node.stat))
            case .getChildren(let path, let watch, let withStat):
                guard let node = tree.node(path) else { throw CoordinationError(.noNode, path: path) }
                if watch { watches.add(.children, path: path, session: session) }
                reply(to: id, xid: xid, withStat ? .childrenAndStat(Array(node.children), node.stat) : .children(Array(node.children)))
            case .getACL(let path):
                guard let node = tree.node(path) else { throw CoordinationError(.noNode, path: path) }
                reply(to: id, xid: xid, .acl(node.acl, node.stat))
            case .sync(let path):
                reply(to: id, xid: xid, .path(path))
            case .setWatches(let relativeZxid, let data, let exist, let child):
                restoreWatches(session: session, relativeZxid: relativeZxid, data: data, exist: exist, child: child)
                let z = zxid
                send(to: id) { b in b.writeInteger(SpecialXid.setWatches); b.writeInteger(z); b.writeInteger(Int32(0)) }
            }
        } catch {
            reply(to: id, xid: xid, err: error.kind, .none)
        }
    }

    /// `setWatches` after a reconnect: fire at once for what changed since `relativeZxid`, keep the rest.
    private mutating func restoreWatches(session: Int64, relativeZxid: Int64, data: [String], exist: [String], child: [String]) {
        var events: [(EventType, String)] = []
        for path in data {
            if let node = tree.node(path) {
                if node.stat.mzxid > relativeZxid { events.append((.nodeDataChanged, path)) } else { watches.add(.data, path: path, session: session) }
            } else {
                events.append((.nodeDeleted, path))
            }
        }
        for path in exist {
            if tree.node(path) != nil { events.append((.nodeCreated, path)) } else { watches.add(.data, path: path, session: session) }
        }
        for path in child {
            if let node = tree.node(path) {
                if node.stat.pzxid > relativeZxid { events.append((.nodeChildrenChanged, path)) } else { watches.add(.children, path: path, session: session) }
            } else {
                events.append((.nodeDeleted, path))
            }
        }
        if let c = sessions[session]?.connection {
            for (type, path) in events { notify(connection: c, type, path) }
        }
    }

    /// Fires the watches a change triggers: each session is told once per event and path.
    mutating func fire(_ triggers: [ZNodeTree.Trigger]) {
        var told = Set<String>()
        for t in triggers {
            for session in watches.take(t.kind, path: t.path) {
                guard told.insert("\(session) \(t.type.rawValue) \(t.path)").inserted,
                    let c = sessions[session]?.connection
                else { continue }
                notify(connection: c, t.type, t.path)
            }
        }
    }

    private mutating func notify(connection c: Int, _ type: EventType, _ path: String) {
        send(to: c) { b in
            b.writeInteger(SpecialXid.notification); b.writeInteger(Int64(-1)); b.writeInteger(Int32(0))
            b.writeInteger(type.rawValue); b.writeInteger(SessionState.connected.rawValue); b.writeJuteString(path)
        }
    }

    // MARK: - Sessions

    /// Ends a session: deletes its ephemeral znodes (firing watches), drops its watches, closes its
    /// connection. `replyXid` answers a client's own `closeSession`.
    mutating func expire(_ id: Int64, logger: Logger, reason: String, replyXid: Int32? = nil) {
        guard let session = sessions.removeValue(forKey: id) else { return }
        logger.debug("ZooKeeper session \(hex(id)) ended: \(reason)")
        watches.remove(session: id)
        fire(tree.removeEphemerals(of: id, zxid: zxid))
        guard let c = session.connection else { return }
        if let xid = replyXid {
            reply(to: c, xid: xid, .none, closeAfter: true)
        } else {
            connections[c]?.channel.close(promise: nil)
        }
        connections[c]?.session = nil
    }

    mutating func expireSessions(now: NIODeadline, logger: Logger) {
        let expired = sessions.values.filter { now - $0.lastHeard > .milliseconds(Int64($0.timeoutMs)) }.map(\.id)
        for id in expired {
            zxid += 1
            expire(id, logger: logger, reason: "no word from its client within its timeout")
        }
    }

    // MARK: - Output

    private mutating func reply(to c: Int, xid: Int32, err: CoordinationError.Code = .ok, _ response: Response, closeAfter: Bool = false) {
        let z = zxid
        send(to: c, closeAfter: closeAfter) { b in
            b.writeInteger(xid); b.writeInteger(z); b.writeInteger(err.rawValue)
            if err == .ok { response.write(to: &b) }
        }
    }

    private mutating func send(to c: Int, closeAfter: Bool = false, _ body: (inout ByteBuffer) -> Void) {
        guard let channel = connections[c]?.channel else { return }
        packetsSent += 1
        let frame = channel.allocator.frame(body)
        let written = channel.writeAndFlush(frame)
        if closeAfter { written.whenComplete { _ in channel.close(promise: nil) } }
    }
}

func clock_gettime_ms() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}
