import BasaltCore
import Foundation

/// Applies a `Filter` to a scan's rows, one materialized row at a time, keeping the state some filters
/// need across rows (PageFilter's count, ColumnCountGetFilter's end). One per scanner; not thread-safe.
final class FilterEvaluator {
    /// What a filter makes of one row: the cells left (none: the row is dropped), and whether the scan
    /// ends before this row (the row is dropped too) or after it.
    struct Verdict {
        var cells: [Cell]
        var stopBefore = false
        var stopAfter = false
    }

    private let root: Node
    private let reversed: Bool
    /// How the table's rows sort (for the filters that end a scan past a row).
    private let order: RowOrder

    init(_ filter: Filter, reversed: Bool, order: RowOrder) {
        root = Node(filter)
        self.reversed = reversed
        self.order = order
    }

    func apply(row: [UInt8], cells: [Cell]) -> Verdict { root.apply(row: row, cells: cells, reversed: reversed, order: order) }

    private final class Node {
        let filter: Filter
        let children: [Node]
        var rowsPassed = 0
        private var regexes: [String: NSRegularExpression] = [:]

        init(_ filter: Filter) {
            self.filter = filter
            switch filter {
            case .and(let fs), .or(let fs): children = fs.map(Node.init)
            case .skip(let f), .while(let f): children = [Node(f)]
            default: children = []
            }
        }

        func apply(row: [UInt8], cells: [Cell], reversed: Bool, order: RowOrder) -> Verdict {
            switch filter {
            case .prefix(let p):
                if row.starts(with: p) { return Verdict(cells: cells) }
                let c = order.compare(row, p)
                return Verdict(cells: [], stopBefore: reversed ? c < 0 : c > 0)
            case .row(let op, let cmp):
                return Verdict(cells: matches(op, cmp, row) ? cells : [])
            case .family(let op, let cmp):
                return Verdict(cells: cells.filter { matches(op, cmp, $0.family) })
            case .qualifier(let op, let cmp):
                return Verdict(cells: cells.filter { matches(op, cmp, $0.qualifier) })
            case .value(let op, let cmp):
                return Verdict(cells: cells.filter { matches(op, cmp, $0.value) })
            case .columnPrefix(let p):
                return Verdict(cells: cells.filter { $0.qualifier.starts(with: p) })
            case .multipleColumnPrefix(let ps):
                return Verdict(cells: cells.filter { c in ps.contains { c.qualifier.starts(with: $0) } })
            case .columnRange(let mn, let mni, let mx, let mxi):
                return Verdict(cells: cells.filter { c in
                    let lo = CellComparator.compareBytes(c.qualifier, mn), hi = CellComparator.compareBytes(c.qualifier, mx)
                    return (mn.isEmpty || (mni ? lo >= 0 : lo > 0)) && (mx.isEmpty || (mxi ? hi <= 0 : hi < 0))
                })
            case .keyOnly(let lengthAsValue):
                return Verdict(cells: cells.map { c in
                    var k = c
                    k.value = lengthAsValue ? Bytes.fromInt32(Int32(clamping: c.value.count)) : []
                    return k
                })
            case .firstKeyOnly:
                return Verdict(cells: Array(cells.prefix(1)))
            case .page(let n):
                if rowsPassed >= n { return Verdict(cells: [], stopBefore: true) }
                if !cells.isEmpty { rowsPassed += 1 }
                return Verdict(cells: cells)
            case .columnCountGet(let n):
                let firsts = Self.firstVersions(cells)
                return Verdict(cells: Array(firsts.prefix(n)), stopAfter: firsts.count > n)
            case .columnPagination(let limit, let offset):
                return Verdict(cells: Array(Self.firstVersions(cells).dropFirst(offset).prefix(limit)))
            case .timestamps(let ts):
                let set = Set(ts)
                return Verdict(cells: cells.filter { set.contains($0.timestamp) })
            case .inclusiveStop(let stop):
                let c = order.compare(row, stop)
                if reversed ? c < 0 : c > 0 { return Verdict(cells: [], stopBefore: true) }
                return Verdict(cells: cells)
            case .singleColumnValue(let family, let qualifier, let op, let cmp, let filterIfMissing, let latestOnly, let exclude):
                let tested = cells.filter { $0.family == family && $0.qualifier == qualifier && $0.type == .put }
                let rest = exclude ? cells.filter { !($0.family == family && $0.qualifier == qualifier) } : cells
                guard !tested.isEmpty else { return Verdict(cells: filterIfMissing ? [] : rest) }
                let candidates = latestOnly ? Array(tested.prefix(1)) : tested
                return Verdict(cells: candidates.contains { matches(op, cmp, $0.value) } ? rest : [])
            case .and:
                var current = Verdict(cells: cells)
                for child in children {
                    let v = child.apply(row: row, cells: current.cells, reversed: reversed, order: order)
                    current = Verdict(cells: v.cells, stopBefore: current.stopBefore || v.stopBefore, stopAfter: current.stopAfter || v.stopAfter)
                    if current.cells.isEmpty || current.stopBefore { break }
                }
                return current
            case .or:
                let verdicts = children.map { $0.apply(row: row, cells: cells, reversed: reversed, order: order) }
                var kept: [Cell] = []
                for c in cells {
                    // A cell stays when any operand kept it (possibly transformed, e.g. by KeyOnlyFilter).
                    for v in verdicts {
                        if let k = v.cells.first(where: { $0.family == c.family && $0.qualifier == c.qualifier && $0.timestamp == c.timestamp && $0.type == c.type }) {
                            kept.append(k)
                            break
                        }
                    }
                }
                return Verdict(cells: kept, stopBefore: verdicts.allSatisfy(\.stopBefore), stopAfter: verdicts.allSatisfy(\.stopAfter))
            case .skip:
                let v = children[0].apply(row: row, cells: cells, reversed: reversed, order: order)
                return Verdict(cells: v.cells.count == cells.count ? v.cells : [], stopBefore: v.stopBefore, stopAfter: v.stopAfter)
            case .while:
                let v = children[0].apply(row: row, cells: cells, reversed: reversed, order: order)
                if v.cells.count != cells.count || v.stopBefore { return Verdict(cells: [], stopBefore: true) }
                return Verdict(cells: v.cells, stopAfter: v.stopAfter)
            }
        }

        /// The newest version of each column, in order.
        static func firstVersions(_ cells: [Cell]) -> [Cell] {
            var out: [Cell] = []
            for c in cells {
                if let last = out.last, last.family == c.family, last.qualifier == c.qualifier { continue }
                out.append(c)
            }
            return out
        }

        /// `actual OP comparator`, as HBase's compare filters read it.
        func matches(_ op: CompareOperator, _ cmp: ByteComparator, _ actual: [UInt8]) -> Bool {
            switch cmp {
            case .binary(let v):
                return op.holds(CellComparator.compareBytes(actual, v))
            case .binaryPrefix(let v):
                return op.holds(CellComparator.compareBytes(Array(actual.prefix(v.count)), v))
            case .regex(let pattern):
                let re: NSRegularExpression
                if let cached = regexes[pattern] {
                    re = cached
                } else {
                    guard let compiled = try? NSRegularExpression(pattern: pattern) else { return false }
                    regexes[pattern] = compiled
                    re = compiled
                }
                let text = String(bytes: actual, encoding: .isoLatin1) ?? ""
                let found = re.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
                return op.holds(found ? 0 : 1)
            case .substring(let s):
                let text = (String(bytes: actual, encoding: .isoLatin1) ?? "").lowercased()
                return op.holds(text.contains(s) ? 0 : 1)
            }
        }
    }
}
