import NIOCore

/// A `TaskExecutor` that runs jobs on one NIO event loop. A task that prefers it (`withTaskExecutorPreference`)
/// runs where its connections' answers arrive: a call is written and its answer resumes the task on that
/// one thread, with no hand-off to Swift's cooperative pool and back (two thread wake-ups per call). Work
/// run this way must not block: it holds up every connection of the loop.
public final class EventLoopTaskExecutor: TaskExecutor, Sendable {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
