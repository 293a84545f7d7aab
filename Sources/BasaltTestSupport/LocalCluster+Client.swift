import BasaltClient
import BasaltServer

extension LocalCluster {
    /// Runs `body` with a client connection to this cluster, then closes the connection and stops the
    /// cluster (flushing its regions when `flush`), whether `body` succeeds or throws.
    public func withConnection(stopFlushing flush: Bool = true, _ body: (Connection) async throws -> Void) async throws {
        let connection: Connection
        do { connection = try await Connection.connect(clientConfiguration) } catch {
            await stop(flush: flush)
            throw error
        }
        do {
            try await body(connection)
        } catch {
            await connection.close()
            await stop(flush: flush)
            throw error
        }
        await connection.close()
        await stop(flush: flush)
    }
}
