/// The embedded server's watch registrations: which sessions wait on which paths, for data (getData and
/// exists) and for children. One-shot: `take` removes what it returns.
struct ServerWatches {
    private var data: [String: Set<Int64>] = [:]
    private var children: [String: Set<Int64>] = [:]

    var count: Int { data.values.reduce(0) { $0 + $1.count } + children.values.reduce(0) { $0 + $1.count } }

    mutating func add(_ kind: WatchKind, path: String, session: Int64) {
        if kind == .children { children[path, default: []].insert(session) } else { data[path, default: []].insert(session) }
    }

    mutating func take(_ kind: WatchKind, path: String) -> [Int64] {
        let taken = kind == .children ? children.removeValue(forKey: path) : data.removeValue(forKey: path)
        return taken.map { $0.sorted() } ?? []
    }

    mutating func remove(session: Int64) {
        for key in data.keys { data[key]?.remove(session); if data[key]?.isEmpty == true { data[key] = nil } }
        for key in children.keys { children[key]?.remove(session); if children[key]?.isEmpty == true { children[key] = nil } }
    }
}
