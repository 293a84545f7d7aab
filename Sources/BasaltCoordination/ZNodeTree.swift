/// The embedded server's data tree: znodes by path, with ZooKeeper's stat bookkeeping (zxids, versions,
/// child versions, ephemeral owners) and sequential naming. Not thread-safe: the server holds its lock.
///
/// Every change returns the watch triggers it causes; the server fires them only once the change (or the
/// whole `multi`) has taken effect.
struct ZNodeTree {
    struct Node {
        var data: [UInt8]
        var acl: [ACL]
        var stat: Stat
        var children: Set<String> = []
        /// Children ever created here: the counter of sequential names. (Apache ZooKeeper's sequence
        /// numbers count creations only, while `cversion` counts deletions too.)
        var createdChildren: Int32 = 0
    }

    /// A watch trigger: an event on a path, for data watches, child watches, or both.
    struct Trigger: Equatable {
        var type: EventType
        var path: String
        /// `.data` for data/exists watches, `.children` for child watches.
        var kind: WatchKind
    }

    private(set) var nodes: [String: Node]
    /// Ephemeral znodes by owning session.
    private(set) var ephemerals: [Int64: Set<String>] = [:]

    init() {
        let root = Node(data: [], acl: ACL.openUnsafe, stat: Stat())
        nodes = ["/": root]
        // Apache ZooKeeper's own subtree, so a listing of `/` looks the same on both servers.
        for path in ["/zookeeper", "/zookeeper/config", "/zookeeper/quota"] {
            _ = try? create(path, data: [], acl: ACL.openUnsafe, mode: .persistent, owner: 0, zxid: 0, time: 0)
        }
        nodes["/"]?.stat.cversion = 0
        nodes["/"]?.stat.pzxid = 0
        nodes["/zookeeper"]?.stat.cversion = 0
    }

    var count: Int { nodes.count }

    func node(_ path: String) -> Node? { nodes[path] }

    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// ZooKeeper's path rules: absolute, no empty, `.` or `..` segments, no trailing slash, no control or
    /// reserved characters.
    static func validate(_ path: String, sequential: Bool = false) throws(CoordinationError) {
        let checked = sequential ? path + "1" : path
        func bad(_ why: String) -> CoordinationError { CoordinationError(.badArguments, path: path, why) }
        guard checked.hasPrefix("/") else { throw bad("a path must start with /") }
        if checked == "/" { return }
        guard !checked.hasSuffix("/") else { throw bad("a path must not end with /") }
        for segment in checked.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            if segment.isEmpty { throw bad("empty segment") }
            if segment == "." || segment == ".." { throw bad("relative segment '\(segment)'") }
        }
        for scalar in checked.unicodeScalars {
            let v = scalar.value
            if v == 0 || (v > 0 && v < 0x20) || (v >= 0x7F && v <= 0x9F) || (v >= 0xF000 && v <= 0xF8FF) || (v >= 0xFFF0 && v <= 0xFFFF) {
                throw bad("invalid character U+\(String(v, radix: 16, uppercase: true))")
            }
        }
    }

    /// Creates a znode; returns its actual path (sequential names get the parent's counter) and triggers.
    mutating func create(_ path: String, data: [UInt8], acl: [ACL], mode: CreateMode, owner: Int64, zxid: Int64, time: Int64) throws(CoordinationError) -> (String, [Trigger]) {
        // ZooKeeper's order: a path without a slash is refused, then a missing parent, then the full rules.
        guard path.hasPrefix("/"), !path.contains("\u{0}") else { throw CoordinationError(.badArguments, path: path, "a path must start with /") }
        let parentPath = Self.parent(of: path)
        guard var parent = nodes[parentPath] else { throw CoordinationError(.noNode, path: path, "the parent \(parentPath) does not exist") }
        try Self.validate(path, sequential: mode.isSequential)
        var actual = path
        if mode.isSequential {
            let counter = String(parent.createdChildren)
            actual += String(repeating: "0", count: max(0, 10 - counter.count)) + counter
        }
        guard actual != "/", nodes[actual] == nil else { throw CoordinationError(.nodeExists, path: actual) }
        guard parent.stat.ephemeralOwner == 0 else { throw CoordinationError(.noChildrenForEphemerals, path: actual) }
        var stat = Stat()
        stat.czxid = zxid; stat.mzxid = zxid; stat.pzxid = zxid
        stat.ctime = time; stat.mtime = time
        stat.ephemeralOwner = mode.isEphemeral ? owner : 0
        stat.dataLength = Int32(data.count)
        nodes[actual] = Node(data: data, acl: acl, stat: stat)
        parent.children.insert(Self.name(of: actual))
        parent.createdChildren += 1
        parent.stat.cversion += 1
        parent.stat.pzxid = zxid
        parent.stat.numChildren = Int32(parent.children.count)
        nodes[parentPath] = parent
        if mode.isEphemeral { ephemerals[owner, default: []].insert(actual) }
        return (actual, [Trigger(type: .nodeCreated, path: actual, kind: .data), Trigger(type: .nodeChildrenChanged, path: parentPath, kind: .children)])
    }

    mutating func delete(_ path: String, version: Int32, zxid: Int64) throws(CoordinationError) -> [Trigger] {
        try Self.validate(path)
        guard path != "/" else { throw CoordinationError(.badArguments, path: path, "the root cannot be deleted") }
        guard let node = nodes[path] else { throw CoordinationError(.noNode, path: path) }
        guard version == -1 || node.stat.version == version else { throw CoordinationError(.badVersion, path: path) }
        guard node.children.isEmpty else { throw CoordinationError(.notEmpty, path: path) }
        nodes[path] = nil
        let parentPath = Self.parent(of: path)
        if var parent = nodes[parentPath] {
            parent.children.remove(Self.name(of: path))
            parent.stat.cversion += 1
            parent.stat.pzxid = zxid
            parent.stat.numChildren = Int32(parent.children.count)
            nodes[parentPath] = parent
        }
        if node.stat.ephemeralOwner != 0 {
            ephemerals[node.stat.ephemeralOwner]?.remove(path)
            if ephemerals[node.stat.ephemeralOwner]?.isEmpty == true { ephemerals[node.stat.ephemeralOwner] = nil }
        }
        return [Trigger(type: .nodeDeleted, path: path, kind: .data), Trigger(type: .nodeDeleted, path: path, kind: .children),
                Trigger(type: .nodeChildrenChanged, path: parentPath, kind: .children)]
    }

    mutating func setData(_ path: String, data: [UInt8], version: Int32, zxid: Int64, time: Int64) throws(CoordinationError) -> (Stat, [Trigger]) {
        guard var node = nodes[path] else { throw CoordinationError(.noNode, path: path) }
        guard version == -1 || node.stat.version == version else { throw CoordinationError(.badVersion, path: path) }
        node.data = data
        node.stat.version += 1
        node.stat.mzxid = zxid
        node.stat.mtime = time
        node.stat.dataLength = Int32(data.count)
        nodes[path] = node
        return (node.stat, [Trigger(type: .nodeDataChanged, path: path, kind: .data)])
    }

    mutating func setACL(_ path: String, acl: [ACL], version: Int32) throws(CoordinationError) -> Stat {
        guard var node = nodes[path] else { throw CoordinationError(.noNode, path: path) }
        guard version == -1 || node.stat.aversion == version else { throw CoordinationError(.badVersion, path: path) }
        node.acl = acl
        node.stat.aversion += 1
        nodes[path] = node
        return node.stat
    }

    func check(_ path: String, version: Int32) throws(CoordinationError) {
        guard let node = nodes[path] else { throw CoordinationError(.noNode, path: path) }
        guard version == -1 || node.stat.version == version else { throw CoordinationError(.badVersion, path: path) }
    }

    /// Runs a transaction all or nothing. On failure the tree is unchanged and the results follow
    /// ZooKeeper: `.ok` before the failing operation, its code, then `.runtimeInconsistency`.
    mutating func multi(_ ops: [Request], owner: Int64, zxid: Int64, time: Int64) -> ([MultiResult], [Trigger], failed: Bool) {
        let before = self
        var results: [MultiResult] = []
        var triggers: [Trigger] = []
        for (i, op) in ops.enumerated() {
            do throws(CoordinationError) {
                switch op {
                case .create(let p, let d, let acl, let flags, let code):
                    let (actual, t) = try create(p, data: d, acl: acl, mode: CreateMode(rawValue: flags & 3) ?? .persistent, owner: owner, zxid: zxid, time: time)
                    results.append(.created(path: actual, stat: code == .create2 ? nodes[actual]?.stat : nil))
                    triggers += t
                case .delete(let p, let v):
                    triggers += try delete(p, version: v, zxid: zxid)
                    results.append(.deleted)
                case .setData(let p, let d, let v):
                    let (stat, t) = try setData(p, data: d, version: v, zxid: zxid, time: time)
                    results.append(.set(stat))
                    triggers += t
                case .check(let p, let v):
                    try check(p, version: v)
                    results.append(.checked)
                default:
                    throw CoordinationError(.unimplemented)
                }
            } catch {
                self = before
                let failed = results.indices.map { _ in MultiResult.error(.ok) } + [.error(error.kind)]
                let rest = Array(repeating: MultiResult.error(.runtimeInconsistency), count: ops.count - i - 1)
                return (failed + rest, [], true)
            }
        }
        return (results, triggers, false)
    }

    /// Deletes every ephemeral znode of a session (when it closes or expires).
    mutating func removeEphemerals(of session: Int64, zxid: Int64) -> [Trigger] {
        guard let paths = ephemerals[session] else { return [] }
        var triggers: [Trigger] = []
        // Deepest first is not needed (ephemerals have no children), but sorted keeps event order stable.
        for path in paths.sorted() {
            if let t = try? delete(path, version: -1, zxid: zxid) { triggers += t }
        }
        ephemerals[session] = nil
        return triggers
    }
}
