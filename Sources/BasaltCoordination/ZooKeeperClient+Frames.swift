import NIOCore

/// Hands a client connection's frames and its closing to the `ZooKeeperClient` that opened it.
final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    let client: ZooKeeperClient
    let generation: Int

    init(client: ZooKeeperClient, generation: Int) {
        self.client = client
        self.generation = generation
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .frame(let frame) = unwrapInboundIn(data) else { return }
        do {
            try client.handleFrame(frame, generation: generation)
        } catch {
            client.logger.warning("closing the ZooKeeper connection: cannot decode what the server sent: \(error)")
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Deferred: a close can happen inside a write made under the client's lock.
        let (client, generation) = (client, generation)
        context.eventLoop.execute { client.connectionClosed(generation: generation) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        client.logger.debug("ZooKeeper connection error: \(error)")
        context.close(promise: nil)
    }
}

extension ZooKeeperClient {
    /// A frame from the server: the handshake answer, a reply, a ping answer or a watch notification.
    func handleFrame(_ frame: ByteBuffer, generation: Int) throws(CoordinationError) {
        var b = frame
        enum Outcome {
            case none
            case handshake(Channel, CheckedContinuation<Void, any Error>?, CheckedContinuation<Void, any Error>?)
            case expired
            case reply(Pending, ReplyHeader)
            case pong(CheckedContinuation<Void, any Error>)
        }
        let outcome = try state.withLock { s throws(CoordinationError) -> Outcome in
            s.lastReceive = .now()
            switch s.phase {
            case .handshaking(let g, let channel) where g == generation:
                let response = try ConnectResponse.read(from: &b)
                if response.timeout <= 0 { return .expired }
                if s.sessionId != 0, s.sessionId != response.sessionId {
                    logger.warning("ZooKeeper gave a new session \(hex(response.sessionId)) in place of \(hex(s.sessionId))")
                }
                s.sessionId = response.sessionId
                s.password = response.password
                s.negotiatedTimeoutMs = response.timeout
                s.phase = .connected(generation: g, channel: channel)
                resendWatchesAndQueue(channel: channel, in: &s)
                Self.publish(WatchedEvent(type: .none, state: .connected, path: ""), in: &s)
                defer { s.handshakeWaiter = nil; s.firstConnect = nil }
                return .handshake(channel, s.handshakeWaiter, s.firstConnect)
            case .connected(let g, _) where g == generation:
                let header = ReplyHeader(xid: try b.readJuteInt(), zxid: try b.readJuteLong(), err: try b.readJuteInt())
                if header.zxid > 0 { s.lastZxid = max(s.lastZxid, header.zxid) }
                switch header.xid {
                case SpecialXid.notification:
                    let type = try b.readJuteInt(), keeperState = try b.readJuteInt(), path = try b.readJuteString()
                    guard let eventType = EventType(rawValue: type) else { return .none }
                    Self.consumeWatches(eventType, path: path, in: &s)
                    Self.publish(WatchedEvent(type: eventType, state: SessionState(rawValue: keeperState) ?? .connected, path: path), in: &s)
                    return .none
                case SpecialXid.ping:
                    if !s.pingWaiters.isEmpty { return .pong(s.pingWaiters.removeFirst()) }
                    return .none
                case SpecialXid.setWatches:
                    return .none
                default:
                    guard let pending = s.pending.removeValue(forKey: header.xid) else {
                        logger.debug("ZooKeeper reply for unknown xid \(header.xid)")
                        return .none
                    }
                    return .reply(pending, header)
                }
            default:
                return .none
            }
        }
        switch outcome {
        case .none:
            break
        case .handshake(let channel, let waiter, let first):
            startPinging(channel: channel)
            waiter?.resume()
            first?.resume()
        case .expired:
            logger.warning("ZooKeeper session \(hex(sessionId)) has expired")
            let waiter = state.withLock { s in
                defer { s.handshakeWaiter = nil }
                return s.handshakeWaiter
            }
            finish(.expired, event: .expired)
            waiter?.resume(throwing: CoordinationError(.sessionExpired))
        case .reply(let pending, let header):
            complete(pending, header: header, body: &b)
        case .pong(let waiter):
            waiter.resume()
        }
    }

    private func complete(_ pending: Pending, header: ReplyHeader, body b: inout ByteBuffer) {
        let request = pending.request
        if header.err != 0 {
            if case .exists(let path, let watch) = request, header.err == CoordinationError.Code.noNode.rawValue {
                // exists on a missing znode is an answer, and leaves a watch for its creation.
                if watch { state.withLock { _ = $0.existWatches.insert(path) } }
                pending.continuation.resume(returning: (.none, header.zxid))
                return
            }
            pending.continuation.resume(throwing: CoordinationError(wireCode: header.err, path: request.path))
            return
        }
        do {
            let response = try Response.read(for: request, from: &b)
            state.withLock { s in
                switch request {
                case .getData(let p, true), .exists(let p, true): s.dataWatches.insert(p)
                case .getChildren(let p, true, _): s.childWatches.insert(p)
                default: break
                }
            }
            pending.continuation.resume(returning: (response, header.zxid))
        } catch {
            pending.continuation.resume(throwing: error)
        }
    }

    /// A watch fires once: drop the registrations the event consumes.
    static func consumeWatches(_ type: EventType, path: String, in s: inout State) {
        switch type {
        case .nodeCreated, .nodeDataChanged:
            s.dataWatches.remove(path); s.existWatches.remove(path)
        case .nodeDeleted:
            s.dataWatches.remove(path); s.existWatches.remove(path); s.childWatches.remove(path)
        case .nodeChildrenChanged:
            s.childWatches.remove(path)
        case .none:
            break
        }
    }

    /// After a (re)connect: re-register watches with the server, then send what was queued meanwhile.
    private func resendWatchesAndQueue(channel: Channel, in s: inout State) {
        if !(s.dataWatches.isEmpty && s.existWatches.isEmpty && s.childWatches.isEmpty) {
            let request = Request.setWatches(relativeZxid: s.lastZxid, data: s.dataWatches.sorted(), exist: s.existWatches.sorted(), child: s.childWatches.sorted())
            write(request, xid: SpecialXid.setWatches, channel: channel, in: &s)
        }
        let queued = s.queued
        s.queued.removeAll()
        for (xid, p) in queued {
            s.pending[xid] = p
            write(p.request, xid: xid, channel: channel, in: &s)
        }
    }

    /// Writes one request. Called with the lock held, so requests reach the socket in xid order.
    func write(_ request: Request, xid: Int32, channel: Channel, in s: inout State) {
        s.lastSend = .now()
        let frame = channel.allocator.frame { b in
            b.writeInteger(xid)
            b.writeInteger(request.opCode.rawValue)
            request.write(to: &b)
        }
        channel.writeAndFlush(frame, promise: nil)
    }

    /// The connection of `generation` closed: go back to connecting (the loop picks the next server).
    func connectionClosed(generation: Int) {
        let (handshake, lost) = state.withLock { s -> (CheckedContinuation<Void, any Error>?, CheckedContinuation<Void, Never>?) in
            switch s.phase {
            case .handshaking(let g, _) where g == generation:
                s.phase = .connecting
            case .connected(let g, _) where g == generation:
                s.phase = .connecting
                s.pinger?.cancel()
                s.pinger = nil
                Self.publish(WatchedEvent(type: .none, state: .disconnected, path: ""), in: &s)
            default:
                return (nil, nil)
            }
            defer { s.handshakeWaiter = nil; s.lostWaiter = nil }
            return (s.handshakeWaiter, s.lostWaiter)
        }
        handshake?.resume(throwing: CoordinationError(.connectionLoss))
        lost?.resume()
    }

    /// Sends a request and waits for its reply; returns the reply and the zxid the server answered at.
    func send(_ request: Request) async throws -> (Response, Int64) {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<(Response, Int64), any Error>) in
            let refused = state.withLock { s -> Bool in
                let xid = s.nextXid
                s.nextXid = s.nextXid == Int32.max ? 1 : s.nextXid + 1
                let pending = Pending(request: request, continuation: c)
                switch s.phase {
                case .closed, .expired:
                    return true
                case .connected(_, let channel):
                    s.pending[xid] = pending
                    write(request, xid: xid, channel: channel, in: &s)
                case .connecting, .handshaking:
                    s.queued.append((xid, pending))
                }
                return false
            }
            if refused { c.resume(throwing: CoordinationError(.sessionExpired, path: request.path)) }
        }
    }
}

func hex(_ v: Int64) -> String { "0x" + String(UInt64(bitPattern: v), radix: 16) }
