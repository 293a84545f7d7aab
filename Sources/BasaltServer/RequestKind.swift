/// The kinds of client request a region server counts and times, each with its name in Prometheus
/// (`kind` label) and in HBase's JMX beans (`<Name>_num_ops`, `<Name>_mean`, ...).
package enum RequestKind: String, CaseIterable, Sendable {
    case get
    case put
    case delete
    case increment
    case append
    case checkAndMutate = "check_and_mutate"
    case multi
    case scanNext = "scan_next"

    /// HBase's name for the operation in the `RegionServer,sub=Server` bean.
    package var jmxName: String {
        switch self {
        case .get: "Get"
        case .put: "Put"
        case .delete: "Delete"
        case .increment: "Increment"
        case .append: "Append"
        case .checkAndMutate: "CheckAndMutate"
        case .multi: "Multi"
        case .scanNext: "ScanTime"
        }
    }

    /// Whether the request reads (HBase's `readRequestCount`) rather than writes.
    package var isRead: Bool { self == .get || self == .scanNext }
}
