import BasaltCore

/// The read-modify-write operations, each atomic within its row: increment, append, checkAndMutate.
extension Region {
    /// Adds to 8-byte big-endian counters (a missing cell counts as 0); returns the new values.
    ///
    /// The new cell takes the server's time, or the old cell's timestamp when that is later (a client's
    /// future timestamp), never more: at an equal timestamp the newer write wins by its sequence id (reads,
    /// flushes and compactions order equal keys by it, and a version's older writes are skipped). HBase 2
    /// adds a millisecond instead, so that increments in a burst run ahead of the clock and a put made
    /// right after them, at the server's time, lands behind them and is not seen (happybase's
    /// `test_atomic_counters` caught it against Basalt); appends do the same.
    public func increment(_ inc: Increment) throws -> RowResult {
        try checkOpen()
        try checkRow(inc.row)
        guard !inc.columns.isEmpty else { throw StorageError(.invalidArgument, "increment for row '\(Bytes.toStringBinary(inc.row))' names no column") }
        for c in inc.columns { try checkFamily(c.family) }
        try checkResources()
        try rowLocks.lock(inc.row)
        defer { rowLocks.unlock(inc.row) }
        let now = clock()
        let current = try currentCells(row: inc.row, columns: inc.columns.map { ($0.family, $0.qualifier) }, now: now)
        var totals: [Cell] = []
        for (i, col) in inc.columns.enumerated() {
            var value: Int64 = 0
            var ts = now
            if let old = current[i] {
                guard let v = Bytes.toInt64(old.value) else {
                    throw StorageError(.incompatibleValue, "field \(Bytes.toStringBinary(col.family)):\(Bytes.toStringBinary(col.qualifier)) is not a long, it's \(old.value.count) bytes wide")
                }
                value = v
                ts = max(now, old.timestamp)
            }
            // The same column named twice adds up.
            if let j = totals.firstIndex(where: { $0.family == col.family && $0.qualifier == col.qualifier }) {
                value = Bytes.toInt64(totals[j].value)!
                totals.remove(at: j)
            }
            let sum = value &+ col.amount
            totals.append(Cell(row: inc.row, family: col.family, qualifier: col.qualifier, timestamp: ts, value: Bytes.fromInt64(sum)))
        }
        try applyLocked(totals, durability: resolvedDurability(inc.durability), now: now, as: .increment)
        return RowResult(row: inc.row, cells: totals.sorted())
    }

    /// Appends bytes to current values (a missing cell counts as empty); returns the new values.
    public func append(_ app: Append) throws -> RowResult {
        try checkOpen()
        try checkRow(app.row)
        guard !app.columns.isEmpty else { throw StorageError(.invalidArgument, "append for row '\(Bytes.toStringBinary(app.row))' names no column") }
        for c in app.columns { try checkFamily(c.family) }
        try checkResources()
        try rowLocks.lock(app.row)
        defer { rowLocks.unlock(app.row) }
        let now = clock()
        let current = try currentCells(row: app.row, columns: app.columns.map { ($0.family, $0.qualifier) }, now: now)
        var out: [Cell] = []
        for (i, col) in app.columns.enumerated() {
            var value = current[i]?.value ?? []
            let ts = current[i].map { max(now, $0.timestamp) } ?? now
            if let j = out.firstIndex(where: { $0.family == col.family && $0.qualifier == col.qualifier }) {
                value = out[j].value
                out.remove(at: j)
            }
            value.append(contentsOf: col.value)
            let cell = Cell(row: app.row, family: col.family, qualifier: col.qualifier, timestamp: ts, value: value)
            try checkCell(cell)
            out.append(cell)
        }
        try applyLocked(out, durability: resolvedDurability(app.durability), now: now, as: .append)
        return RowResult(row: app.row, cells: out.sorted())
    }

    /// Applies the mutations only if the check holds; returns whether it did. Atomic within the row.
    public func checkAndMutate(_ cam: CheckAndMutate) throws -> Bool {
        try checkOpen()
        try checkRow(cam.row)
        try checkFamily(cam.family)
        guard !cam.mutations.isEmpty else { throw StorageError(.invalidArgument, "checkAndMutate for row '\(Bytes.toStringBinary(cam.row))' has no mutation") }
        var durability = Durability.skipWAL
        for m in cam.mutations {
            guard m.row == cam.row else {
                throw StorageError(.invalidArgument, "checkAndMutate on row '\(Bytes.toStringBinary(cam.row))' carries a mutation for row '\(Bytes.toStringBinary(m.row))'")
            }
            switch m {
            case .put(let p): for c in p.cells { try checkCell(c) }
            case .delete(let d): for c in d.markers { try checkCell(c) }
            }
            let d = resolvedDurability(m.durability)
            if d.strength > durability.strength { durability = d }
        }
        try checkResources()
        try rowLocks.lock(cam.row)
        defer { rowLocks.unlock(cam.row) }
        let now = clock()
        let current = try currentCells(row: cam.row, columns: [(cam.family, cam.qualifier)], now: now)[0]
        let passes: Bool
        if let expected = cam.expected {
            passes = current.map { cam.compareOperator.matches(current: $0.value, expected: expected) } ?? false
        } else {
            passes = current == nil || current!.value.isEmpty
        }
        guard passes else { return false }
        var cells: [Cell] = []
        for m in cam.mutations {
            switch m {
            case .put(let p): cells.append(contentsOf: Self.stamp(p.cells, now: now))
            case .delete(let d): cells.append(contentsOf: try markers(for: d, now: now))
            }
        }
        try applyLocked(cells, durability: durability, now: now, as: .checkAndMutate)
        return true
    }

    /// The newest visible cell of each named column (nil where none). Row lock held.
    func currentCells(row: [UInt8], columns: [([UInt8], [UInt8])], now: Int64) throws -> [Cell?] {
        var g = Get(row: row)
        for (f, q) in columns { g.columns.addColumn(family: f, qualifier: q) }
        let result = try getLocked(g, now: now)
        return columns.map { (f, q) in result.cells.first { $0.family == f && $0.qualifier == q } }
    }
}
