import BasaltCore
import Foundation

// Mutations: `Put`, `Delete`, `Increment` and `Append` to and from HBase's `MutationProto`. The cells go
// inside the message (`column_value`), or, from a client using cell blocks, in the call's cell block with
// `associated_cell_count` saying how many are this mutation's.

extension HBaseMutationProto.Durability {
    public init(_ d: Durability) {
        switch d {
        case .useDefault: self = .useDefault
        case .skipWAL: self = .skipWal
        case .asyncWAL: self = .asyncWal
        case .syncWAL: self = .syncWal
        case .fsyncWAL: self = .fsyncWal
        }
    }

    public var durability: Durability {
        switch self {
        case .useDefault: .useDefault
        case .skipWal: .skipWAL
        case .asyncWal: .asyncWAL
        case .syncWal: .syncWAL
        case .fsyncWal: .fsyncWAL
        }
    }
}

extension HBaseMutationProto.DeleteType {
    public init(_ t: CellType) {
        switch t {
        case .deleteColumn: self = .deleteMultipleVersions
        case .deleteFamily: self = .deleteFamily
        case .deleteFamilyVersion: self = .deleteFamilyVersion
        default: self = .deleteOneVersion
        }
    }

    public var cellType: CellType {
        switch self {
        case .deleteOneVersion: .delete
        case .deleteMultipleVersions: .deleteColumn
        case .deleteFamily: .deleteFamily
        case .deleteFamilyVersion: .deleteFamilyVersion
        }
    }
}

/// What a `MutationProto` asks for.
public enum HBaseMutation: Sendable, Hashable {
    case put(Put)
    case delete(Delete)
    case increment(Increment)
    case append(Append)

    public var row: [UInt8] {
        switch self {
        case .put(let p): p.row
        case .delete(let d): d.row
        case .increment(let i): i.row
        case .append(let a): a.row
        }
    }
}

extension HBaseMutationProto {
    /// The attribute that turns off an increment's or append's returned values (`_rr_`, false).
    static let returnResultsAttribute = "_rr_"

    public init(_ m: Mutation) {
        switch m {
        case .put(let p): self.init(put: p)
        case .delete(let d): self.init(delete: d)
        }
    }

    public init(put p: Put) {
        self.init()
        row = Data(p.row)
        mutateType = .put
        if p.durability != .useDefault { durability = .init(p.durability) }
        columnValue = Self.group(p.cells.map { ($0.family, $0.qualifier, $0.value, $0.timestamp, nil) })
    }

    public init(delete d: Delete) {
        self.init()
        row = Data(d.row)
        mutateType = .delete
        if d.timestamp != Cell.latestTimestamp { timestamp = UInt64(bitPattern: d.timestamp) }
        if d.durability != .useDefault { durability = .init(d.durability) }
        columnValue = Self.group(d.markers.map { ($0.family, $0.qualifier, [], $0.timestamp, DeleteType($0.type)) })
    }

    public init(_ inc: Increment) {
        self.init()
        row = Data(inc.row)
        mutateType = .increment
        if inc.durability != .useDefault { durability = .init(inc.durability) }
        columnValue = Self.group(inc.columns.map { ($0.family, $0.qualifier, Bytes.fromInt64($0.amount), Cell.latestTimestamp, nil) })
    }

    public init(_ app: Append) {
        self.init()
        row = Data(app.row)
        mutateType = .append
        if app.durability != .useDefault { durability = .init(app.durability) }
        columnValue = Self.group(app.columns.map { ($0.family, $0.qualifier, $0.value, Cell.latestTimestamp, nil) })
    }

    /// Cells grouped by family, in order, as `ColumnValue`s.
    private static func group(_ cells: [([UInt8], [UInt8], [UInt8], Int64, DeleteType?)]) -> [ColumnValue] {
        var out: [ColumnValue] = []
        for (family, qualifier, value, ts, deleteType) in cells {
            var qv = ColumnValue.QualifierValue()
            qv.qualifier = Data(qualifier)
            if deleteType == nil || !value.isEmpty { qv.value = Data(value) }
            if ts != Cell.latestTimestamp { qv.timestamp = UInt64(bitPattern: ts) }
            if let deleteType { qv.deleteType = deleteType }
            if let last = out.last, last.family == Data(family) {
                out[out.count - 1].qualifierValue.append(qv)
            } else {
                var cv = ColumnValue()
                cv.family = Data(family)
                cv.qualifierValue = [qv]
                out.append(cv)
            }
        }
        return out
    }

    /// Whether an increment or append asks for its new values back (HBase's default: yes).
    public var returnsResults: Bool {
        guard let a = attribute.first(where: { $0.name == Self.returnResultsAttribute }) else { return true }
        return a.value.first.map { $0 != 0 } ?? true
    }

    /// The mutation, its cells from the message or, when `associated_cell_count` is set, from `blockCells`
    /// (this mutation's share of the call's cell block, in order).
    public func toMutation(blockCells: [Cell] = []) throws(ProtocolError) -> HBaseMutation {
        let r = Array(row)
        guard !r.isEmpty else { throw ProtocolError(.malformedRequest, "a \(mutateType) carries no row") }
        let defaultTs = hasTimestamp ? Int64(bitPattern: timestamp) : Cell.latestTimestamp
        // Every cell as (family, qualifier, value, timestamp, type); a delete's type comes from delete_type.
        var cells: [(family: [UInt8], qualifier: [UInt8], value: [UInt8], ts: Int64, type: CellType)] = []
        for cv in columnValue {
            for qv in cv.qualifierValue {
                let type: CellType = mutateType == .delete ? (qv.hasDeleteType ? qv.deleteType.cellType : .delete) : .put
                cells.append((Array(cv.family), Array(qv.qualifier), Array(qv.value), qv.hasTimestamp ? Int64(bitPattern: qv.timestamp) : defaultTs, type))
            }
        }
        for c in blockCells {
            guard c.row == r else {
                throw ProtocolError(.malformedRequest, "a cell of row '\(Bytes.toStringBinary(c.row))' came with a mutation of row '\(Bytes.toStringBinary(r))'")
            }
            cells.append((c.family, c.qualifier, c.value, c.timestamp, c.type))
        }
        let d = durability.durability
        switch mutateType {
        case .put:
            var p = Put(row: r, timestamp: defaultTs)
            p.durability = d
            for c in cells {
                guard c.type == .put else { throw ProtocolError(.malformedRequest, "a put carries a \(c.type) cell") }
                p.add(family: c.family, qualifier: c.qualifier, value: c.value, timestamp: c.ts)
            }
            return .put(p)
        case .delete:
            var del = Delete(row: r, timestamp: defaultTs)
            del.durability = d
            for c in cells {
                switch c.type {
                case .delete: del.addColumn(family: c.family, qualifier: c.qualifier, timestamp: c.ts)
                case .deleteColumn: del.addColumns(family: c.family, qualifier: c.qualifier, timestamp: c.ts)
                case .deleteFamily: del.addFamily(family: c.family, timestamp: c.ts)
                case .deleteFamilyVersion: del.addFamilyVersion(family: c.family, timestamp: c.ts)
                default: throw ProtocolError(.malformedRequest, "a delete carries a \(c.type) cell")
                }
            }
            return .delete(del)
        case .increment:
            var inc = Increment(row: r)
            inc.durability = d
            for c in cells {
                guard let amount = Bytes.toInt64(c.value) else {
                    throw ProtocolError(.malformedRequest, "an increment amount must be 8 bytes, got \(c.value.count) for \(Bytes.toStringBinary(c.family)):\(Bytes.toStringBinary(c.qualifier))")
                }
                inc.add(family: c.family, qualifier: c.qualifier, amount: amount)
            }
            return .increment(inc)
        case .append:
            var app = Append(row: r)
            app.durability = d
            for c in cells { app.add(family: c.family, qualifier: c.qualifier, value: c.value) }
            return .append(app)
        }
    }
}
