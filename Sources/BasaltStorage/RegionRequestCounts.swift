import Synchronization

/// The kinds of request a region counts (HBase's per-region `getCount`, `scanCount`, `putCount`, ...).
package enum RegionOperation: String, CaseIterable, Sendable {
    case get
    case scan
    case put
    case delete
    case increment
    case append
    case checkAndMutate = "check_and_mutate"
    /// Mutations of several rows applied together (`mutateRows`).
    case batch

    package var isRead: Bool { self == .get || self == .scan }
}

/// A region's request counts by operation: one relaxed atomic add per request.
final class RegionRequestCounts: Sendable {
    private let get = Atomic<Int>(0)
    private let scan = Atomic<Int>(0)
    private let put = Atomic<Int>(0)
    private let delete = Atomic<Int>(0)
    private let increment = Atomic<Int>(0)
    private let append = Atomic<Int>(0)
    private let checkAndMutate = Atomic<Int>(0)
    private let batch = Atomic<Int>(0)

    @inline(__always)
    func count(_ op: RegionOperation) {
        switch op {
        case .get: get.add(1, ordering: .relaxed)
        case .scan: scan.add(1, ordering: .relaxed)
        case .put: put.add(1, ordering: .relaxed)
        case .delete: delete.add(1, ordering: .relaxed)
        case .increment: increment.add(1, ordering: .relaxed)
        case .append: append.add(1, ordering: .relaxed)
        case .checkAndMutate: checkAndMutate.add(1, ordering: .relaxed)
        case .batch: batch.add(1, ordering: .relaxed)
        }
    }

    func value(_ op: RegionOperation) -> Int {
        switch op {
        case .get: get.load(ordering: .relaxed)
        case .scan: scan.load(ordering: .relaxed)
        case .put: put.load(ordering: .relaxed)
        case .delete: delete.load(ordering: .relaxed)
        case .increment: increment.load(ordering: .relaxed)
        case .append: append.load(ordering: .relaxed)
        case .checkAndMutate: checkAndMutate.load(ordering: .relaxed)
        case .batch: batch.load(ordering: .relaxed)
        }
    }
}
