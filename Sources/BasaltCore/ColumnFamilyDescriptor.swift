/// The settings of one column family, with HBase's names and defaults. A value type; `Sendable`.
public struct ColumnFamilyDescriptor: Sendable, Hashable {
    public enum BloomType: String, Sendable, CaseIterable { case none = "NONE", row = "ROW", rowcol = "ROWCOL" }
    public enum KeepDeletedCells: String, Sendable, CaseIterable { case `false` = "FALSE", `true` = "TRUE", ttl = "TTL" }

    /// TTL meaning "forever" (HBase's `HConstants.FOREVER`).
    public static let forever: Int32 = .max

    public var name: [UInt8]
    public var maxVersions: Int = 1
    public var minVersions: Int = 0
    /// Seconds a cell lives after its timestamp.
    public var timeToLive: Int32 = ColumnFamilyDescriptor.forever
    public var keepDeletedCells: KeepDeletedCells = .false
    public var bloomFilter: BloomType = .row
    public var blockSize: Int = 65_536
    public var inMemory = false
    public var blockCache = true
    public var compression = "NONE"
    /// Attributes Basalt does not interpret (HBase clients send many: `DATA_BLOCK_ENCODING`,
    /// `REPLICATION_SCOPE`, their own keys): kept as given and handed back, never validated.
    public var otherAttributes: [[UInt8]: [UInt8]] = [:]
    /// The family's configuration overrides (HBase's `ColumnFamilySchema.configuration`), kept as given.
    public var configuration: [String: String] = [:]

    public init(name: [UInt8]) { self.name = name }

    public init(_ name: String) { self.name = Array(name.utf8) }

    public var nameAsString: String { Bytes.toStringBinary(name) }

    /// Checks the settings a person could get wrong.
    public func validate() throws {
        guard !name.isEmpty else { throw CoreError(.invalidArgument, "column family name must not be empty") }
        guard name.count <= 255 else { throw CoreError(.invalidArgument, "column family name is \(name.count) bytes; at most 255") }
        if name.contains(UInt8(ascii: ":")) { throw CoreError(.invalidArgument, "column family name '\(nameAsString)' must not contain ':'") }
        if name.first == UInt8(ascii: ".") { throw CoreError(.invalidArgument, "column family name '\(nameAsString)' must not start with '.'") }
        guard maxVersions >= 1 else { throw CoreError(.invalidArgument, "VERSIONS of family '\(nameAsString)' must be at least 1, got \(maxVersions)") }
        guard minVersions >= 0, minVersions <= maxVersions else {
            throw CoreError(.invalidArgument, "MIN_VERSIONS of family '\(nameAsString)' must be between 0 and VERSIONS (\(maxVersions)), got \(minVersions)")
        }
        guard timeToLive > 0 else { throw CoreError(.invalidArgument, "TTL of family '\(nameAsString)' must be positive, got \(timeToLive)") }
        guard blockSize >= 1024, blockSize <= 16 * 1024 * 1024 else {
            throw CoreError(.invalidArgument, "BLOCKSIZE of family '\(nameAsString)' must be between 1 KB and 16 MB, got \(blockSize)")
        }
    }
}
