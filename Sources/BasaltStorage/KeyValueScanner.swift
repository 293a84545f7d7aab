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
/// few sources (active + snapshot MemStore segments, plus files). The head is cached, and sources are
/// reached through unowned references (`sources` keeps them alive), so the per-cell path does no
/// reference counting. Not thread-safe.
final class MergingScanner {
    struct Source {
        /// Keeps the scanner alive.
        let owner: any KeyValueScanner
        /// The same scanner, reached without reference counting.
        unowned(unsafe) let scanner: any KeyValueScanner
    }

    private let refs: [Source]
    /// How rows sort (the table's order).
    let order: RowOrder
    private var current = -1
    /// The current head (the smallest cell among the sources), or nil when all are exhausted.
    private(set) var peek: CellRef?

    init(_ sources: [any KeyValueScanner], order: RowOrder) {
        self.refs = sources.map { Source(owner: $0, scanner: $0) }
        self.order = order
        pick()
    }

    private func pick() {
        current = -1
        var best: CellRef?
        refs.withUnsafeBufferPointer { refs in
            for i in 0..<refs.count {
                guard let c = refs[i].scanner.peek else { continue }
                if let b = best, CellComparator.compare(c.cell, c.sequenceId, b.cell, b.sequenceId, order) >= 0 { continue }
                best = c
                current = i
            }
        }
        peek = best
    }

    func next() throws {
        guard current >= 0 else { return }
        let s = refs[current].scanner
        try s.next()
        if refs.count == 1 {
            peek = s.peek
            if peek == nil { current = -1 }
        } else {
            pick()
        }
    }

    func seek(_ key: EncodedCell) throws {
        for r in refs { try r.scanner.seek(key) }
        pick()
    }

    /// The greatest row below `row` among the sources (copied), or nil.
    func lastRow(below row: [UInt8]?) throws -> [UInt8]? {
        var best: [UInt8]?
        let probe: (UnsafeRawBufferPointer?) throws -> Void = { r in
            for s in self.refs {
                guard let p = try s.scanner.lastRow(below: r) else { continue }
                let c = EncodedCell(p)
                if let b = best {
                    if self.order.compare(c.row, b) > 0 { best = Array(c.row) }
                } else {
                    best = Array(c.row)
                }
            }
        }
        if let row { try row.withUnsafeBytes { try probe($0) } } else { try probe(nil) }
        return best
    }
}
