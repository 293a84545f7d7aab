import BasaltCore

/// A cell as a scanner yields it: a pointer to its encoded bytes (valid until the scanner moves) and its
/// sequence id.
struct CellRef {
    let pointer: UnsafeRawPointer
    let sequenceId: UInt64
    var cell: EncodedCell { EncodedCell(pointer) }
}

/// An ordered source of cells: a MemStore segment or an HFile. A store's scanner merges several.
/// Moving may read from disk, so it throws. Owned by one reader; not thread-safe.
protocol KeyValueScanner: AnyObject {
    /// The current cell, or nil when the source is exhausted.
    var peek: CellRef? { get }
    /// Moves past the current cell.
    func next() throws
    /// Positions at the first cell at or after `key` (any direction).
    func seek(_ key: EncodedCell) throws
    /// A cell (or key) of the last row below `row` (of the last row when `row` is nil), for reversed
    /// scans; the pointer stays valid until the next call.
    func lastRow(below row: UnsafeRawBufferPointer?) throws -> UnsafeRawPointer?
}

/// Merges several sources into one ordered stream. Linear selection of the smallest head: stores have
/// few sources (active + snapshot MemStore segments, plus files). Not thread-safe.
final class MergingScanner {
    let sources: [any KeyValueScanner]
    private var current: Int?

    init(_ sources: [any KeyValueScanner]) {
        self.sources = sources
        pick()
    }

    private func pick() {
        current = nil
        var best: CellRef?
        for (i, s) in sources.enumerated() {
            guard let c = s.peek else { continue }
            if let b = best {
                if CellComparator.compare(c.cell, c.sequenceId, b.cell, b.sequenceId) < 0 {
                    best = c
                    current = i
                }
            } else {
                best = c
                current = i
            }
        }
    }

    var peek: CellRef? {
        guard let current else { return nil }
        return sources[current].peek
    }

    func next() throws {
        guard let current else { return }
        try sources[current].next()
        if sources.count == 1 {
            if sources[0].peek == nil { self.current = nil }
        } else {
            pick()
        }
    }

    func seek(_ key: EncodedCell) throws {
        for s in sources { try s.seek(key) }
        pick()
    }

    /// The greatest row below `row` among the sources (copied), or nil.
    func lastRow(below row: [UInt8]?) throws -> [UInt8]? {
        var best: [UInt8]?
        let probe: (UnsafeRawBufferPointer?) throws -> Void = { r in
            for s in self.sources {
                guard let p = try s.lastRow(below: r) else { continue }
                let c = EncodedCell(p)
                if let b = best {
                    if b.withUnsafeBytes({ CellComparator.compareBytes(c.row, $0) }) > 0 { best = Array(c.row) }
                } else {
                    best = Array(c.row)
                }
            }
        }
        if let row { try row.withUnsafeBytes { try probe($0) } } else { try probe(nil) }
        return best
    }
}
