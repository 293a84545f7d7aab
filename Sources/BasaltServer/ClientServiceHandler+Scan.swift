import BasaltCore
import BasaltProtocol
import BasaltStorage

extension ClientServiceHandler {
    /// Bytes a scan call returns when the client sets no size limit (HBase's
    /// `hbase.client.scanner.max.result.size`, 2 MB).
    static let defaultMaxResultSize = 2 << 20

    /// Opens a scanner (no scanner id) or continues one, returning up to the call's row and size limits.
    /// The scanner stays open under its lease until the region has no more rows or the client closes it.
    static func scan(_ request: Basalt_ScanRequest, scanners: ScannerLeases, engine: StorageEngine) throws -> Basalt_ScanResponse {
        var response = Basalt_ScanResponse()
        response.ttlMs = UInt32(clamping: scanners.lease.inMilliseconds)
        let entry: ScannerLeases.Entry
        if request.scannerID == 0 {
            guard request.hasScan else { throw ServerError(.invalidArgument, "a scan request needs a scan or a scanner id") }
            let region = try RegionServer.region(request.region, in: engine)
            let scan = try request.scan.toScan()
            let scanner = try region.scanner(scan)
            let id = scanners.add(region: region, scanner: scanner, scan: scan)
            entry = try scanners.checkOut(id, callSeq: 0)
        } else if request.closeScanner && request.numberOfRows == 0 {
            scanners.remove(request.scannerID)
            response.scannerID = request.scannerID
            return response
        } else {
            entry = try scanners.checkOut(request.scannerID, callSeq: request.nextCallSeq)
        }
        response.scannerID = entry.id
        let rowLimit = request.numberOfRows == 0 ? Int.max : Int(request.numberOfRows)
        let sizeLimit = request.maxResultSize == 0 ? defaultMaxResultSize : Int(clamping: request.maxResultSize)
        var size = 0
        var exhausted = false
        do {
            while response.results.count < rowLimit && size < sizeLimit {
                guard let row = try entry.scanner.next() else {
                    exhausted = true
                    break
                }
                for c in row.cells { size += c.encodedLength }
                response.results.append(Basalt_Result(row))
            }
        } catch {
            scanners.checkIn(entry, close: true)
            throw error
        }
        scanners.checkIn(entry, close: exhausted || request.closeScanner)
        response.moreResultsInRegion = !exhausted
        response.moreResults = !exhausted
        return response
    }
}
