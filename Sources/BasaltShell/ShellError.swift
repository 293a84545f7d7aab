import BasaltClient
import BasaltCore

/// Errors the shell raises: bad syntax, wrong arguments, and cluster failures reworded the way the HBase
/// shell words them (`Table t1 does not exist`). `showUsage` asks the shell to print the command's help
/// after the message, as HBase does for argument errors. A value type; `Sendable`.
public struct ShellError: BasaltError, Equatable {
    public enum Code: String, Sendable {
        /// The input is not valid shell syntax.
        case syntax = "SHELL_SYNTAX"
        /// The input stopped inside a string, bracket or argument list (more lines may complete it).
        case incomplete = "SHELL_INCOMPLETE"
        /// An unknown command or variable.
        case unknownName = "SHELL_UNKNOWN_NAME"
        /// Wrong number or kind of arguments for a command.
        case arguments = "SHELL_ARGUMENTS"
        /// The cluster refused or failed the request.
        case cluster = "SHELL_CLUSTER"
    }

    public let kind: Code
    public let message: String
    public let isRetryable: Bool
    /// Print the command's usage after the message.
    public let showUsage: Bool
    /// The first line as HBase prints it: `ERROR: ...`, or Ruby's `NameError: ...` for unknown names.
    public var headline: String { kind == .unknownName ? message : "ERROR: \(message)" }

    public init(_ kind: Code, _ message: String, retryable: Bool = false, showUsage: Bool = false) {
        self.kind = kind
        self.message = message
        self.isRetryable = retryable
        self.showUsage = showUsage
    }

    public var code: String { kind.rawValue }

    static func syntax(_ message: String) -> ShellError { ShellError(.syntax, message) }

    static func arguments(_ message: String) -> ShellError { ShellError(.arguments, message, showUsage: true) }

    static func wrongCount(given: Int, expected: String) -> ShellError {
        ShellError(.arguments, "wrong number of arguments (given \(given), expected \(expected))", showUsage: true)
    }

    /// The message of any error, without its code.
    static func reason(_ e: any Error) -> String { (e as? any BasaltError)?.message ?? "\(e)" }
}
