import BasaltCore
import BasaltProtocol
import Foundation

/// The rows of a scan across a table's regions, fetched a call at a time (HBase's `ResultScanner`): it
/// opens a scanner on the region holding the start row, pages through it under its lease, then moves to
/// the next region (the previous one for a reversed scan) until the stop row, the limit, or the table's
/// end. Owned by one task; not thread-safe. Call `close()` when stopping early, or the server keeps the
/// scanner until its lease runs out.
public final class ResultScanner: AsyncSequence {
    public typealias Element = RowResult

    private let table: TableName
    private let connection: Connection
    private var scan: Scan
    /// Rows per call (0: as many as the size limit allows).
    private let caching: Int
    private var buffer: [RowResult] = []
    private var bufferIndex = 0
    private var current: RegionLocation?
    private var scannerId: UInt64 = 0
    private var nextCallSeq: UInt64 = 0
    private var regionDone = true
    private var finished = false
    private var rowsReturned = 0
    private var lastCall = ContinuousClock.now
    /// The last row handed out: a region reopened after a failure resumes after it.
    private var lastRow: [UInt8]?
    /// A reversed scan reopened at the last row returned drops that row when it comes again.
    private var skipRow: [UInt8]?

    init(table: TableName, connection: Connection, scan: Scan, caching: Int) {
        self.table = table
        self.connection = connection
        self.scan = scan
        self.caching = caching
    }

    /// The next row, or nil when the scan is done.
    public func next() async throws -> RowResult? {
        if scan.limit > 0 && rowsReturned >= scan.limit {
            await close()
            return nil
        }
        while bufferIndex >= buffer.count {
            buffer.removeAll(keepingCapacity: true)
            bufferIndex = 0
            if finished { return nil }
            try await fetch()
        }
        let row = buffer[bufferIndex]
        bufferIndex += 1
        rowsReturned += 1
        lastRow = row.row
        if scan.limit > 0 && rowsReturned >= scan.limit { await close() }
        return row
    }

    /// Every remaining row.
    public func all() async throws -> [RowResult] {
        var out: [RowResult] = []
        while let r = try await next() { out.append(r) }
        return out
    }

    /// Releases the server's scanner; the scan ends.
    public func close() async {
        finished = true
        guard scannerId != 0, let current else { return }
        var request = Basalt_ScanRequest()
        request.scannerID = scannerId
        request.closeScanner = true
        scannerId = 0
        _ = try? await connection.servers.data(current.server).scan(request)
    }

    public struct AsyncIterator: AsyncIteratorProtocol {
        let scanner: ResultScanner
        public mutating func next() async throws -> RowResult? { try await scanner.next() }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(scanner: self) }

    // MARK: - Calls

    /// One call: continues the open region scanner, or opens one on the next region.
    private func fetch() async throws {
        if regionDone {
            guard try await moveToNextRegion() else {
                finished = true
                return
            }
        }
        var request = Basalt_ScanRequest()
        request.numberOfRows = UInt32(clamping: caching)
        request.maxResultSize = UInt64(connection.scannerMaxResultSize)
        if scannerId == 0 {
            guard let current else { return }
            request.region.regionName = Data(current.region.regionName)
            request.scan = Basalt_Scan(regionScan())
        } else {
            request.scannerID = scannerId
            request.nextCallSeq = nextCallSeq
        }
        let response: Basalt_ScanResponse
        do {
            response = try await call(request)
        } catch let e as ClientError where e.errorCode == .unknownScanner {
            let idle = ContinuousClock.now - lastCall
            finished = true
            throw ClientError.scannerTimeout(
                "the scanner on \(current?.region.regionNameAsString ?? "?") is gone: \(idle.inMilliseconds) ms passed since the last call, and a scanner lives \(connection.scannerTimeoutMs) ms without one (hbase.client.scanner.timeout.period); the scan cannot continue")
        }
        lastCall = ContinuousClock.now
        // The opening call is number 0; each later call on the same scanner counts up from 1.
        nextCallSeq = scannerId == 0 ? 1 : nextCallSeq + 1
        scannerId = response.moreResultsInRegion ? response.scannerID : 0
        buffer = try response.results.map { try $0.toRowResult() }
        if let skip = skipRow, let first = buffer.first {
            if first.row == skip { buffer.removeFirst() }
            skipRow = nil
        }
        if !response.moreResultsInRegion { regionDone = true }
    }

    /// Sends a scan call. When the region moved or its server failed, relocates and reopens the scanner
    /// after the last row returned, within the retry budget.
    private func call(_ request: Basalt_ScanRequest) async throws -> Basalt_ScanResponse {
        var request = request
        var attempt = 0
        var relocate = false
        while true {
            do {
                if relocate {
                    // The relocation itself may meet a region still in transition (a merge or split
                    // not yet open): that counts as one more attempt, not a failure of the scan.
                    try await resumeAfterLastRow()
                    relocate = false
                    request = Basalt_ScanRequest()
                    request.numberOfRows = UInt32(clamping: caching)
                    request.maxResultSize = UInt64(connection.scannerMaxResultSize)
                    request.region.regionName = Data(current?.region.regionName ?? [])
                    request.scan = Basalt_Scan(regionScan())
                }
                guard let current else { throw ClientError.regionInTransition("no region to scan") }
                return try await connection.servers.data(current.server).scan(request)
            } catch {
                let e = ClientError(error)
                guard e.isRetryable, relocate || e.invalidatesLocation else { throw e }
                attempt += 1
                if attempt >= connection.retry.attempts { throw ClientError.retriesExhausted(attempt, last: e) }
                if let failed = current { connection.invalidate(failed, because: e) }
                try await connection.pause(beforeAttempt: attempt, after: e)
                relocate = true
            }
        }
    }

    /// Points the scan just past the last row returned and finds the region holding that point.
    private func resumeAfterLastRow() async throws {
        if let lastRow {
            if scan.reversed {
                scan.startRow = lastRow
                skipRow = lastRow
            } else {
                scan.startRow = lastRow + [0]
            }
        }
        scannerId = 0
        regionDone = false
        current = nil
        current = scan.reversed && scan.startRow.isEmpty
            ? try await connection.locateLast(table) : try await connection.locate(table, row: scan.startRow, reload: true)
    }

    /// The next region to scan, or false when the scan has covered its range.
    private func moveToNextRegion() async throws -> Bool {
        if scan.limit > 0 && rowsReturned >= scan.limit { return false }
        let next: RegionLocation?
        if let region = current?.region {
            // Everything on the far side of the finished region's boundary has been returned: the scan
            // goes on from the boundary, so a region that since merged with the finished one (and so
            // reaches back over it) is not read twice.
            if scan.reversed {
                if region.startKey.isEmpty { return false }
                if !scan.stopRow.isEmpty && CellComparator.compareBytes(scan.stopRow, region.startKey) >= 0 { return false }
                scan.startRow = region.startKey
                skipRow = region.startKey
                next = try await connection.retrying { try await connection.locate(table, before: region.startKey) }
            } else {
                if region.endKey.isEmpty { return false }
                if !scan.stopRow.isEmpty && CellComparator.compareBytes(scan.stopRow, region.endKey) <= 0 { return false }
                scan.startRow = region.endKey
                next = try await connection.retrying { try await connection.locate(table, row: region.endKey) }
            }
        } else if scan.reversed && scan.startRow.isEmpty {
            next = try await connection.retrying { try await connection.locateLast(table) }
        } else {
            next = try await connection.retrying { try await connection.locate(table, row: scan.startRow) }
        }
        guard let next else { return false }
        current = next
        scannerId = 0
        regionDone = false
        return true
    }

    /// The scan as sent to one region: the rows still wanted (the server clips to the region itself).
    private func regionScan() -> Scan {
        var s = scan
        if s.limit > 0 { s.limit = Swift.max(1, s.limit - rowsReturned + (skipRow == nil ? 0 : 1)) }
        return s
    }
}
