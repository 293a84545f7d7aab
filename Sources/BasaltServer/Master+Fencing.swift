import BasaltCoordination
import BasaltCore
import BasaltStorage
import Logging

/// Fencing a dead region server before its WAL is split. Each server records its storage client identity
/// in its `rs/` znode (`basalt.fs.fence.owner`); the master learns it while the server lives (the znode
/// is gone once it is dead) and, when the server dies, has the root's file system cut that client off
/// (`FileSystem.fence(owner:)`, a `ceph tell mds.* client evict` on CephFS) before it takes the server's
/// WAL lock. A fenced server's writes fail, so it acknowledges nothing more, and the lock it held is
/// released at once instead of after the storage's own session timeout. A server whose identity this
/// master never learned (it died before this master started) is not fenced: recovery waits for the
/// storage to release the lock, which is slower but as safe.
extension Master {
    /// Reads the identity of each listed server this master does not know yet.
    func learnStorageClients(_ servers: Set<String>) async {
        let known = state.withLock { Set($0.storageClients.keys) }
        for name in servers.subtracting(known) {
            guard let node = try? await coordination.read(coordination.layout.regionServers + "/" + name) else { continue }
            let owner = RegionServer.storageClient(registration: node.data)
            state.withLock { $0.storageClients[name] = owner ?? "" }
        }
    }

    /// Fences a dead server's storage client, once; nothing when its identity is unknown or empty. A
    /// failed fence is logged and recovery goes on: the WAL lock then tells whether the server is gone.
    func fence(deadServer name: String) async {
        guard let owner = state.withLock({ $0.storageClients[name] }), !owner.isEmpty else { return }
        let fs = fileSystem
        let started = ContinuousClock.now
        do {
            try await Task.detached { try fs.fence(owner: owner) }.value
            state.withLock { $0.storageClients[name] = nil }
            logger.info("fenced a dead region server's storage client", metadata: [
                "server": "\(name)", "client": "\(owner)", "ms": "\((ContinuousClock.now - started).inMilliseconds)",
            ])
        } catch {
            logger.warning("fencing a dead region server failed; its WAL is split once the storage releases its lock", metadata: [
                "server": "\(name)", "client": "\(owner)", "error": "\(error)",
            ])
        }
    }
}
