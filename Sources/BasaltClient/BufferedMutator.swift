import BasaltCore
import BasaltProtocol
import Synchronization

/// Buffers puts and deletes for one table and sends them in bulk (HBase's `BufferedMutator`, autoflush
/// off): when the buffer passes its size (`hbase.client.write.buffer`, 2 MB), on `flush()`, on `close()`,
/// and every `flushInterval` if one is set. A flush groups the mutations by region server and sends one
/// multi per server, all servers at once; failures a retry can cure are retried, the rest are reported
/// (thrown by the flush and kept for `takeFailures()`), never dropped silently. Flushes run one at a time,
/// so one writer's mutations of a row arrive in order. Safe to share across tasks.
public final class BufferedMutator: Sendable {
    public let table: TableName
    let connection: Connection
    public let bufferSize: Int

    private struct Buffer {
        var mutations: [Mutation] = []
        var bytes = 0
        var closed = false
        var failures: [(Mutation, ClientError)] = []
    }

    private let buffer = Mutex(Buffer())
    private let flushLock = AsyncLock()
    private let timer = Mutex<Task<Void, Never>?>(nil)

    init(table: TableName, connection: Connection, bufferSize: Int, flushInterval: Duration?) {
        self.table = table
        self.connection = connection
        self.bufferSize = max(1, bufferSize)
        if let flushInterval {
            timer.withLock {
                $0 = Task { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: flushInterval)
                        guard let self else { return }
                        try? await self.flush()
                    }
                }
            }
        }
    }

    deinit { timer.withLock { $0?.cancel() } }

    /// Buffers one mutation; sends the buffer when it is full.
    public func mutate(_ mutation: Mutation) async throws {
        try await mutate([mutation])
    }

    /// Buffers mutations; sends the buffer when it is full.
    public func mutate(_ mutations: [Mutation]) async throws {
        for m in mutations { try connection.validate(m) }
        let full = try buffer.withLock { b -> Bool in
            guard !b.closed else { throw ClientError.invalidArgument("the BufferedMutator of \(table) is closed") }
            for m in mutations {
                b.mutations.append(m)
                b.bytes += Self.size(m)
            }
            return b.bytes >= bufferSize
        }
        if full { try await flush() }
    }

    /// Bytes waiting to be sent.
    public var bufferedBytes: Int { buffer.withLock { $0.bytes } }

    /// Sends everything buffered and waits for it. Throws when some mutations failed for good (they are
    /// also kept for `takeFailures()`).
    public func flush() async throws {
        await flushLock.lock()
        defer { flushLock.unlock() }
        let batch = buffer.withLock { b -> [Mutation] in
            defer {
                b.mutations.removeAll(keepingCapacity: true)
                b.bytes = 0
            }
            return b.mutations
        }
        guard !batch.isEmpty else { return }
        let actions = batch.enumerated().map { i, m in ActionEncoder.encode(m, index: i) }
        let outcomes = await connection.runBatch(table, actions, rows: batch.map(\.row), sizes: batch.map(Self.size))
        var failed: [(Mutation, ClientError)] = []
        for (i, o) in outcomes.enumerated() {
            if case .failure(let e) = o { failed.append((batch[i], e)) }
        }
        guard let first = failed.first else { return }
        buffer.withLock { $0.failures += failed }
        connection.logger.warning("mutations failed", metadata: ["table": "\(table)", "failed": "\(failed.count)", "first": "\(first.1)"])
        throw ClientError(
            .retriesExhausted,
            message: "\(failed.count) of \(batch.count) mutations to \(table) failed; first, row '\(Bytes.toStringBinary(first.0.row))': \(first.1.exceptionName): \(first.1.message)",
            retryable: false, exceptionName: "RetriesExhaustedWithDetailsException")
    }

    /// The mutations that failed for good so far, with why; clears the list.
    public func takeFailures() -> [(Mutation, ClientError)] {
        buffer.withLock { b in
            defer { b.failures.removeAll() }
            return b.failures
        }
    }

    /// Sends what is buffered and refuses further mutations.
    public func close() async throws {
        timer.withLock {
            $0?.cancel()
            $0 = nil
        }
        buffer.withLock { $0.closed = true }
        try await flush()
    }

    /// What a mutation counts against the buffer: its cells' bytes plus a fixed overhead per mutation.
    public static func size(_ m: Mutation) -> Int {
        switch m {
        case .put(let p): p.heapSize + 64
        case .delete(let d): d.markers.reduce(64 + d.row.count) { $0 + $1.encodedLength }
        }
    }
}
