import NIOCore

/// The ZooKeeper operations, one async call each. Paths are absolute (`/hbase/rs`); versions of -1 match
/// any version. Errors are `CoordinationError` with ZooKeeper's code and the path.
extension ZooKeeperClient {
    /// Creates a znode and returns its actual path (with the counter appended when sequential).
    @discardableResult
    public func create(_ path: String, data: [UInt8] = [], mode: CreateMode = .persistent) async throws -> String {
        let (response, _) = try await send(.create(path: path, data: data, acl: ACL.openUnsafe, flags: mode.rawValue, op: .create))
        guard case .path(let created) = response else { throw unexpected(response, path) }
        return created
    }

    /// Creates a znode and returns its path and stat (`create2`).
    public func createWithStat(_ path: String, data: [UInt8] = [], mode: CreateMode = .persistent) async throws -> (path: String, stat: Stat) {
        let (response, _) = try await send(.create(path: path, data: data, acl: ACL.openUnsafe, flags: mode.rawValue, op: .create2))
        guard case .pathAndStat(let created, let stat) = response else { throw unexpected(response, path) }
        return (created, stat)
    }

    /// Deletes a znode that has no children; `version` must match unless it is -1.
    public func delete(_ path: String, version: Int32 = -1) async throws {
        _ = try await send(.delete(path: path, version: version))
    }

    /// The znode's stat, or nil when it does not exist. With `watch`, leaves a one-shot watch that fires on
    /// creation, deletion or a data change.
    public func exists(_ path: String, watch: Bool = false) async throws -> Stat? {
        let (response, _) = try await send(.exists(path: path, watch: watch))
        if case .stat(let stat) = response { return stat }
        return nil
    }

    /// The znode's data and stat. With `watch`, leaves a one-shot watch for a data change or deletion.
    public func getData(_ path: String, watch: Bool = false) async throws -> (data: [UInt8], stat: Stat) {
        let (response, _) = try await send(.getData(path: path, watch: watch))
        guard case .data(let data, let stat) = response else { throw unexpected(response, path) }
        return (data, stat)
    }

    /// Replaces the znode's data; `version` must match unless it is -1. Returns the new stat.
    @discardableResult
    public func setData(_ path: String, data: [UInt8], version: Int32 = -1) async throws -> Stat {
        let (response, _) = try await send(.setData(path: path, data: data, version: version))
        guard case .stat(let stat) = response else { throw unexpected(response, path) }
        return stat
    }

    /// The znode's children (names, not paths, unsorted as the server gives them) and its stat. With
    /// `watch`, leaves a one-shot watch for a child created or deleted, or the znode's deletion.
    public func getChildren(_ path: String, watch: Bool = false) async throws -> (children: [String], stat: Stat) {
        let (response, _) = try await send(.getChildren(path: path, watch: watch, withStat: true))
        guard case .childrenAndStat(let children, let stat) = response else { throw unexpected(response, path) }
        return (children, stat)
    }

    /// The znode's ACL and stat.
    public func getACL(_ path: String) async throws -> (acl: [ACL], stat: Stat) {
        let (response, _) = try await send(.getACL(path: path))
        guard case .acl(let acl, let stat) = response else { throw unexpected(response, path) }
        return (acl, stat)
    }

    /// Waits until the server this client is connected to has caught up with the leader.
    public func sync(_ path: String) async throws {
        _ = try await send(.sync(path: path))
    }

    /// Runs the operations as one transaction and returns each one's result. Nothing is applied unless all
    /// succeed; then the failing operation's result carries its code (see `MultiResult`).
    public func multiResults(_ ops: [MultiOp]) async throws -> [MultiResult] {
        let (response, _) = try await send(.multi(ops.map(\.request)))
        guard case .multi(let results) = response else { throw unexpected(response, nil) }
        return results
    }

    /// Runs the operations as one transaction; throws the first failing operation's error (with its path)
    /// when any fails, in which case none was applied.
    @discardableResult
    public func multi(_ ops: [MultiOp]) async throws -> [MultiResult] {
        let results = try await multiResults(ops)
        for (i, r) in results.enumerated() {
            if case .error(let code) = r, code != .ok, code != .runtimeInconsistency {
                throw CoordinationError(code, path: i < ops.count ? ops[i].path : nil, "operation \(i + 1) of \(ops.count) of a multi failed; none was applied")
            }
        }
        return results
    }

    /// Sends a ping and waits for the server's answer; returns the round trip.
    @discardableResult
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let channel = state.withLock { s -> Channel? in
                guard case .connected(_, let channel) = s.phase else { return nil }
                s.pingWaiters.append(c)
                return channel
            }
            guard let channel else {
                c.resume(throwing: CoordinationError(sessionState == .disconnected ? .connectionLoss : .sessionExpired))
                return
            }
            sendPing(channel: channel)
        }
        return clock.now - start
    }

    /// Ends the session: the server deletes its ephemeral znodes at once. Later calls fail with SessionExpired.
    public func close() async {
        // No reconnecting from here on: the server closes the connection once the session is gone.
        let connected = state.withLock { s -> Bool in
            s.suspended = true
            if case .connected = s.phase { return true }
            return false
        }
        guard connected else {
            await closeLocally()
            return
        }
        // The reply or a 2-second timer ends the wait; closing locally then releases whichever is left.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { _ = try? await self.send(.closeSession) }
            group.addTask { try? await Task.sleep(for: .seconds(2)) }
            await group.next()
            await closeLocally()
            group.cancelAll()
        }
    }

    /// For tests: cut the connection and stop reconnecting, as a network partition would. The session lives
    /// on in the server until its timeout passes.
    public func suspendConnection() {
        let channel = state.withLock { s -> Channel? in
            s.suspended = true
            switch s.phase {
            case .connected(_, let c), .handshaking(_, let c): return c
            default: return nil
            }
        }
        channel?.close(promise: nil)
    }

    /// For tests: end a `suspendConnection()`; the client reconnects and learns whether its session survived.
    public func resumeConnection() {
        state.withLock { $0.suspended = false }
    }

    /// For tests: close the current connection (the client reconnects, to the next server of the list).
    public func dropConnection() {
        let channel = state.withLock { s -> Channel? in
            if case .connected(_, let c) = s.phase { return c }
            return nil
        }
        channel?.close(promise: nil)
    }

    private func unexpected(_ response: Response, _ path: String?) -> CoordinationError {
        CoordinationError(.marshallingError, path: path, "unexpected reply \(response)")
    }
}
