import Logging

/// How the client-side commands (shell, canary, hbck, startup bench) log: errors only, to standard error,
/// so their own output stays readable.
enum ClientLogging {
    static func bootstrapErrorsOnly() {
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = .error
            return h
        }
    }
}
