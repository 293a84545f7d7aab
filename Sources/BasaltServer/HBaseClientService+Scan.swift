import BasaltCore
import BasaltProtocol
import BasaltStorage
import NIOCore

extension HBaseClientService {
    /// HBase 2's scanner protocol. A call without a scanner id opens one (answering with the id alone when
    /// it asks to `renew` or for no rows); a call with one continues it, renews its lease, or closes it.
    /// Each call returns up to `number_of_rows` rows and about `max_result_size` bytes. The server closes the
    /// scanner itself once the region has no more rows; a late call for a closed scanner gets an empty
    /// answer, one for an expired scanner `UnknownScannerException`.
    static func scan(
        _ request: HBaseScanRequest, scanners: ScannerLeases, cellBlocks: ByteBuffer?, engine: StorageEngine
    ) throws -> (HBaseScanResponse, ByteBuffer?) {
        var response = HBaseScanResponse()
        response.ttl = UInt32(clamping: scanners.lease.inMilliseconds)
        let entry: ScannerLeases.Entry
        if request.hasScannerID {
            let id = request.scannerID
            response.scannerID = id
            if request.renew {
                guard scanners.renew(id) || scanners.wasClosed(id) else {
                    throw ServerError(.unknownScanner, "unknown scanner \(id): it expired, or was never opened here")
                }
                return (response, nil)
            }
            if request.closeScanner && request.numberOfRows == 0 {
                scanners.remove(id)
                response.moreResults = false
                return (response, nil)
            }
            do {
                entry = try scanners.checkOut(id, callSeq: request.hasNextCallSeq ? request.nextCallSeq : nil)
            } catch let e as ServerError where e.kind == .unknownScanner && scanners.wasClosed(id) {
                response.moreResults = false
                response.moreResultsInRegion = false
                return (response, nil)
            }
        } else {
            guard request.hasScan else { throw ServerError(.invalidArgument, "a scan request needs a scan or a scanner id") }
            let region = try region(request.region, in: engine)
            var scan = try request.scan.toScan()
            if request.limitOfRows > 0 { scan.limit = Int(request.limitOfRows) }
            let scanner = try region.scanner(scan)
            let id = scanners.add(
                region: region, scanner: scanner, scan: scan, maxResultSize: Int(clamping: request.scan.maxResultSize),
                batch: Int(request.scan.batchSize))
            response.scannerID = id
            if request.renew || (request.hasNumberOfRows && request.numberOfRows == 0 && !request.closeScanner) {
                return (response, nil)
            }
            entry = try scanners.checkOut(id, callSeq: nil)
        }
        // HBase: a call without number_of_rows asks for one row (none when it closes).
        let rowLimit = request.hasNumberOfRows ? Int(request.numberOfRows) : (request.closeScanner ? 0 : 1)
        let sizeLimit = entry.maxResultSize > 0 ? entry.maxResultSize : ClientServiceHandler.defaultMaxResultSize
        var block = cellBlocks
        var rows = 0
        var size = 0
        var exhausted = false
        do {
            while rows < rowLimit && size < sizeLimit {
                guard let row = try entry.scanner.next() else {
                    exhausted = true
                    break
                }
                rows += 1
                for c in row.cells { size += c.encodedLength }
                // With a batch size, a wide row goes out as several results of at most that many cells.
                let step = entry.batch > 0 ? entry.batch : max(1, row.cells.count)
                var start = 0
                repeat {
                    let part = RowResult(row: row.row, cells: Array(row.cells[start..<min(start + step, row.cells.count)]))
                    if block != nil {
                        response.cellsPerResult.append(UInt32(part.cells.count))
                        response.partialFlagPerResult.append(false)
                        for c in part.cells { KeyValueCodec.write(c, into: &block!) }
                    } else {
                        response.results.append(HBaseResult(part))
                    }
                    start += step
                } while start < row.cells.count
            }
        } catch {
            scanners.checkIn(entry, close: true)
            throw error
        }
        scanners.checkIn(entry, close: exhausted || request.closeScanner)
        response.moreResultsInRegion = !exhausted
        response.moreResults = !(exhausted && endsInRegion(entry.scan, entry.region.info))
        return (response, block)
    }

    /// Whether a scan's range ends inside a region, so no later region has rows for it.
    static func endsInRegion(_ scan: Scan, _ region: RegionInfo) -> Bool {
        if scan.reversed {
            if region.startKey.isEmpty { return true }
            return !scan.stopRow.isEmpty && !scan.stopRow.lexicographicallyPrecedes(region.startKey)
        }
        if region.endKey.isEmpty { return true }
        guard !scan.stopRow.isEmpty else { return false }
        // An included stop row equal to the end key lives in the next region.
        return scan.includeStopRow ? scan.stopRow.lexicographicallyPrecedes(region.endKey) : !region.endKey.lexicographicallyPrecedes(scan.stopRow)
    }
}
