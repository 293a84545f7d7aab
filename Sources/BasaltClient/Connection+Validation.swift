import BasaltCore

/// What the client checks before it sends, as HBase's client does: a row key must be non-empty and at
/// most 32,767 bytes, a put must hold a cell, and no cell may be larger than `hbase.client.keyvalue.maxsize`
/// (10 MB; 0 or less turns the check off), and no single mutation may make a request larger than
/// `hbase.ipc.max.request.size`. A failed check is an `IllegalArgumentException` (a
/// `RequestTooBigException` for the request size): nothing is sent, and a retry cannot help.
extension Connection {
    static func validate(row: [UInt8]) throws {
        guard !row.isEmpty else { throw ClientError.invalidArgument("row key is empty") }
        guard row.count <= Int(Int16.max) else { throw ClientError.invalidArgument("row key is \(row.count) bytes; the limit is \(Int16.max)") }
    }

    func validate(_ put: Put) throws {
        try Self.validate(row: put.row)
        guard !put.isEmpty else { throw ClientError.invalidArgument("no columns to insert for row '\(Bytes.toStringBinary(put.row))'") }
        var request = 64 + put.row.count
        for c in put.cells {
            try validate(cellSize: c.encodedLength, row: c.row, family: c.family, qualifier: c.qualifier)
            request += Self.requestBytes(cellSize: c.encodedLength, rowLength: c.row.count)
        }
        try validate(requestSize: request, row: put.row)
    }

    /// About what a cell takes in a request: its bytes, the row again, and the message's framing.
    static func requestBytes(cellSize: Int, rowLength: Int) -> Int { cellSize + rowLength + 48 }

    /// Requests are refused by the server above `hbase.ipc.max.request.size`: refuse them here instead.
    private func validate(requestSize: Int, row: [UInt8]) throws {
        guard requestSize + Self.requestMargin > limits.maxMessageSize else { return }
        throw ClientError(
            .requestTooBig,
            message: "a mutation of row '\(Bytes.toStringBinary(row.prefix(64)))' needs a request of about \(requestSize) bytes, over "
                + "hbase.ipc.max.request.size (\(limits.maxMessageSize))",
            retryable: false, exceptionName: "RequestTooBigException")
    }

    /// Room kept in every request for its headers and the region's name.
    static let requestMargin = 4096

    func validate(_ append: Append) throws {
        try Self.validate(row: append.row)
        guard !append.columns.isEmpty else { throw ClientError.invalidArgument("an append needs at least one column") }
        var request = 64 + append.row.count
        for c in append.columns {
            let size = EncodedCell.headerLength
                + EncodedCell.keyLength(rowLength: append.row.count, familyLength: c.family.count, qualifierLength: c.qualifier.count) + c.value.count
            try validate(cellSize: size, row: append.row, family: c.family, qualifier: c.qualifier)
            request += Self.requestBytes(cellSize: size, rowLength: append.row.count)
        }
        try validate(requestSize: request, row: append.row)
    }

    func validate(_ mutation: Mutation) throws {
        switch mutation {
        case .put(let p): try validate(p)
        case .delete(let d): try Self.validate(row: d.row)
        }
    }

    func validate(_ action: BatchAction) throws {
        switch action {
        case .put(let p): try validate(p)
        case .append(let a): try validate(a)
        default: try Self.validate(row: action.row)
        }
    }

    private func validate(cellSize: Int, row: [UInt8], family: [UInt8], qualifier: [UInt8]) throws {
        guard maxKeyValueSize > 0, cellSize > maxKeyValueSize else { return }
        throw ClientError.invalidArgument(
            "KeyValue size too large: the cell \(Bytes.toStringBinary(family)):\(Bytes.toStringBinary(qualifier.prefix(64))) of row "
                + "'\(Bytes.toStringBinary(row.prefix(64)))' is \(cellSize) bytes, over hbase.client.keyvalue.maxsize (\(maxKeyValueSize))")
    }
}
