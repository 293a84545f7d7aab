import BasaltCore

/// HBase's pre-split algorithms (`NUMREGIONS` with `SPLITALGO`): the split keys that cut a key space into
/// `n` equal ranges. Stateless.
public enum SplitAlgorithm: String, Sendable, CaseIterable {
    /// Row keys are 8 lowercase hex digits, `00000000` to `ffffffff`.
    case hexString = "HexStringSplit"
    /// Row keys are uniformly random bytes: 8-byte keys over the whole byte range.
    case uniform = "UniformSplit"

    public init(name: String) throws {
        let last = name.split(separator: ".").last.map(String.init) ?? name
        guard let a = SplitAlgorithm(rawValue: last) else {
            throw ClientError.invalidArgument("unknown split algorithm '\(name)'; use HexStringSplit or UniformSplit")
        }
        self = a
    }

    /// The `regions - 1` split keys, in order.
    public func splitKeys(regions: Int) throws -> [[UInt8]] {
        guard regions >= 2 else { throw ClientError.invalidArgument("NUMREGIONS must be at least 2, got \(regions)") }
        switch self {
        case .hexString:
            let size = (UInt64(1) << 32) / UInt64(regions)
            return (1..<regions).map { i in
                let hex = String(size * UInt64(i), radix: 16)
                return Array((String(repeating: "0", count: max(0, 8 - hex.count)) + hex).utf8)
            }
        case .uniform:
            let size = (UInt128(1) << 64) / UInt128(regions)
            return (1..<regions).map { i in Bytes.fromInt64(Int64(bitPattern: UInt64(size * UInt128(i)))) }
        }
    }
}
