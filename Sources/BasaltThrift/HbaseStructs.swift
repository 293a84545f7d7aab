import BasaltClient
import BasaltCore

/// The `Hbase` IDL's structs as the gateway reads and writes them (field ids from the IDL).
enum HbaseStructs {
    static func columnName(_ cell: Cell) -> [UInt8] { cell.family + [UInt8(ascii: ":")] + cell.qualifier }

    static func cell(_ c: Cell) -> ThriftValue {
        .structure(ThriftStruct([1: .binary(c.value), 2: .i64(c.timestamp)]))
    }

    static func cells(_ cells: [Cell]) -> ThriftValue { .list(.structure, cells.map(cell)) }

    /// A `TRowResult`: `columns` keyed `family:qualifier`, or, when asked for sorted columns,
    /// `sortedColumns` in the cells' order.
    static func rowResult(row: [UInt8], cells: [Cell], sorted: Bool) -> ThriftValue {
        if sorted {
            let columns = cells.map { c in
                ThriftValue.structure(ThriftStruct([1: .binary(columnName(c)), 2: cell(c)]))
            }
            return .structure(ThriftStruct([1: .binary(row), 3: .list(.structure, columns)]))
        }
        var pairs: [ThriftPair] = []
        pairs.reserveCapacity(cells.count)
        var previous: Cell?
        for c in cells {
            // With several versions, a map keeps one per column: the newest, which comes first (cells
            // are in column order, so a column's versions are neighbours).
            if let p = previous, p.family == c.family, p.qualifier == c.qualifier { continue }
            pairs.append(ThriftPair(.binary(columnName(c)), cell(c)))
            previous = c
        }
        return .structure(ThriftStruct([1: .binary(row), 2: .map(key: .binary, value: .structure, pairs)]))
    }

    /// Rows as a `list<TRowResult>`, leaving out rows without cells (as HBase's gateway does).
    static func rowResults(_ rows: [RowResult], sorted: Bool = false) -> ThriftValue {
        .list(.structure, rows.filter { !$0.cells.isEmpty }.map { rowResult(row: $0.row, cells: $0.cells, sorted: sorted) })
    }

    static func columnDescriptor(_ f: ColumnFamilyDescriptor) -> ThriftValue {
        .structure(ThriftStruct([
            1: .binary(f.name + [UInt8(ascii: ":")]),
            2: .i32(Int32(clamping: f.maxVersions)),
            3: .string(f.compression),
            4: .bool(f.inMemory),
            5: .string(f.bloomFilter.rawValue),
            6: .i32(0),
            7: .i32(0),
            8: .bool(f.blockCache),
            9: .i32(f.timeToLive),
        ]))
    }

    static let compressions: Set<String> = ["NONE", "GZ", "LZO", "SNAPPY", "LZ4", "BZIP2", "ZSTD", "LZMA", "BROTLI"]

    /// A family from a `ColumnDescriptor`; unknown compression or bloom filter names are IllegalArgument.
    static func family(_ s: ThriftStruct) throws(ThriftError) -> ColumnFamilyDescriptor {
        guard let name = s.binary(1), !name.isEmpty else { throw .illegalArgument("a ColumnDescriptor needs a name") }
        let family = ColumnSelection.parse(column: name).family
        guard !family.isEmpty else { throw .illegalArgument("column family name '\(Bytes.toStringBinary(name))' is empty") }
        var f = ColumnFamilyDescriptor(name: family)
        f.maxVersions = Int(s.i32(2) ?? 3)
        guard f.maxVersions >= 1 else { throw .illegalArgument("maxVersions must be at least 1, got \(f.maxVersions)") }
        let compression = (s.string(3) ?? "NONE").uppercased()
        guard compressions.contains(compression) else {
            throw .illegalArgument("unknown compression '\(compression)': use one of \(compressions.sorted().joined(separator: ", "))")
        }
        f.compression = compression
        f.inMemory = s.bool(4) ?? false
        let bloom = (s.string(5) ?? "NONE").uppercased()
        guard let b = ColumnFamilyDescriptor.BloomType(rawValue: bloom) else {
            throw .illegalArgument("unknown bloom filter type '\(bloom)': use NONE, ROW or ROWCOL")
        }
        f.bloomFilter = b
        f.blockCache = s.bool(8) ?? true
        let ttl = s.i32(9) ?? -1
        f.timeToLive = ttl <= 0 ? ColumnFamilyDescriptor.forever : ttl
        do { try f.validate() } catch { throw ThriftError.wrapping(error) }
        return f
    }

    static func regionInfo(_ r: RegionInfo, server: ServerName?) -> ThriftValue {
        .structure(ThriftStruct([
            1: .binary(r.startKey),
            2: .binary(r.endKey),
            3: .i64(r.regionId),
            4: .binary(r.regionName),
            5: .byte(1),
            6: server.map { .string($0.host) },
            7: server.map { .i32(Int32($0.port)) },
        ]))
    }
}
