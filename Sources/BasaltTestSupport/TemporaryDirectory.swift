import Foundation

/// A fresh folder under the system's temporary folder, removed by `remove()`. For tests only.
public struct TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "basalt-test") throws {
        let base = FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
