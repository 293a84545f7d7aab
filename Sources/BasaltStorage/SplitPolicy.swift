import BasaltCore

/// When a region asks to be split (HBase's `hbase.regionserver.region.split.policy`), as a pure decision
/// over sizes and counts. The default, `SteppingSplitPolicy`, splits a table's only region on a server
/// early, at 2 × the flush size, so a new table spreads out quickly, and every other region at
/// `hbase.hregion.max.filesize`. A value type.
public struct SplitPolicy: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case stepping = "SteppingSplitPolicy"
        case constantSize = "ConstantSizeRegionSplitPolicy"
        case disabled = "DisabledRegionSplitPolicy"
    }

    public var kind = Kind.stepping
    /// `hbase.hregion.max.filesize`: a store larger than this splits its region (10 GB).
    public var maxFileSize = 10 << 30
    /// `hbase.hregion.memstore.flush.size`: the stepping policy's first split comes at twice this.
    public var flushSize = FlushPolicy.defaultFlushSize

    public init() {}


    /// The store size at which a region splits, given how many regions of its table the server holds.
    public func sizeToCheck(tableRegionsOnServer: Int) -> Int {
        switch kind {
        case .stepping: tableRegionsOnServer == 1 ? min(2 * flushSize, maxFileSize) : maxFileSize
        case .constantSize, .disabled: maxFileSize
        }
    }

    /// Whether a region whose largest store holds `largestStore` bytes should split.
    public func shouldSplit(largestStore: Int, tableRegionsOnServer: Int) -> Bool {
        kind != .disabled && largestStore > sizeToCheck(tableRegionsOnServer: tableRegionsOnServer)
    }
}
