import Foundation

/// Polls `condition` every 20 ms for up to `seconds`; returns how long it took to hold, or nil if it never
/// did. For tests that wait on something asynchronous (a server closing, regions reopening).
public func pollUntil(_ seconds: Double, _ condition: () async -> Bool) async -> Duration? {
    let start = ContinuousClock.now
    while ContinuousClock.now - start < .seconds(seconds) {
        if await condition() { return ContinuousClock.now - start }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition() ? ContinuousClock.now - start : nil
}
