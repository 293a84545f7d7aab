import BasaltClient
import BasaltCore
import Foundation

/// The HBase shell's evaluator: runs commands written in its syntax against a cluster through one
/// `Connection`, and writes what HBase's shell would print. Without a terminal (tests, `-n`, pipes)
/// output is unpadded, as HBase's is. Keeps variables (`t = get_table 't1'`) between calls.
/// An actor: one shell session; calls run one after another.
public actor Shell {
    /// Where output goes: `out` for results, `err` for error blocks (the same stream in most uses).
    public struct Output: Sendable {
        public var out: @Sendable (String) -> Void
        public var err: @Sendable (String) -> Void

        public init(out: @escaping @Sendable (String) -> Void, err: @escaping @Sendable (String) -> Void) {
            self.out = out
            self.err = err
        }
    }

    /// The version `version` reports.
    public static let version = BasaltVersion.current

    let connection: Connection
    let output: Output
    /// Answers for commands that ask (`disable_all`); nil at the end of input, which counts as "no".
    let readAnswer: @Sendable () -> String?
    public var formatter: ShellFormatter
    var variables: [String: ShellValue] = [:]
    /// Set by `exit`: the status the session should end with.
    public private(set) var exitStatus: Int32?

    public init(
        connection: Connection, formatter: ShellFormatter = ShellFormatter(), output: Output,
        readAnswer: @escaping @Sendable () -> String? = { nil }
    ) {
        self.connection = connection
        self.formatter = formatter
        self.output = output
        self.readAnswer = readAnswer
    }

    func write(_ s: String) { output.out(s) }

    /// Runs every statement in `text` (one line, or several). With `stopOnError` the first failure ends
    /// the run. Returns false when anything failed.
    @discardableResult
    public func run(_ text: String, stopOnError: Bool = false) async -> Bool {
        var parser: ShellParser
        do {
            parser = try ShellParser(text)
        } catch {
            reportSyntax(error)
            return false
        }
        var ok = true
        while exitStatus == nil {
            let statement: ShellStatement?
            do {
                statement = try parser.next { name throws(ShellError) in try self.variable(name) }
            } catch {
                reportSyntax(error)
                return false
            }
            guard let statement else { break }
            if !(await execute(statement)) {
                ok = false
                if stopOnError { return false }
            }
        }
        return ok
    }

    private func variable(_ name: String) throws(ShellError) -> ShellValue {
        if let v = variables[name] { return v }
        throw ShellError(.unknownName, "NameError (undefined local variable or method `\(name)' for main:Object)")
    }

    private func reportSyntax(_ e: ShellError) {
        output.err("SyntaxError: \(e.message)\n")
    }

    /// Commands that can be called on a table reference (`t.scan`).
    static let tableMethods: Set<String> = [
        "put", "get", "scan", "delete", "deleteall", "count", "incr", "get_counter", "append", "get_splits", "describe", "disable",
        "enable", "drop", "exists", "is_enabled", "is_disabled", "flush", "truncate", "truncate_preserve", "compact", "major_compact",
        "split", "locate_region", "list_regions", "alter",
    ]

    /// Runs one statement: its output, `Took`, and `=> value` when it returns one. False on failure.
    func execute(_ statement: ShellStatement) async -> Bool {
        var args = statement.arguments
        let name = ShellCommands.aliases[statement.command] ?? statement.command
        if let receiver = statement.receiver {
            guard let value = variables[receiver] else {
                output.err("NameError (undefined local variable or method `\(receiver)' for main:Object)\n")
                return false
            }
            guard case .table(let t) = value, Self.tableMethods.contains(name) else {
                output.err("NoMethodError (undefined method `\(statement.command)' for \(value))\n")
                return false
            }
            args.insert(.table(t), at: 0)
        }
        switch name {
        case "help":
            help(args)
            return true
        case "exit":
            exitStatus = Int32(clamping: (try? args.first?.asInt("exit status")) ?? 0)
            return true
        default: break
        }
        guard let info = ShellCommands.info(name) else {
            if args.isEmpty {
                output.err("NameError (undefined local variable or method `\(statement.command)' for main:Object)\n")
            } else {
                output.err("NoMethodError (undefined method `\(statement.command)' for main:Object)\n")
            }
            return false
        }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let result = try await dispatch(name, args)
            write(ShellFormatter.took(clock.now - start))
            if let result { write("=> \(result)\n") }
            if let target = statement.assignTo { variables[target] = result ?? .null }
            return true
        } catch {
            let e = await reword(error, command: name, args: args)
            var block = "\nERROR: \(e.message)\n\n"
            if e.showUsage {
                block += "Here is some help for this command:\n\(info.help)\n"
            } else {
                block += "For usage try 'help \"\(name)\"'\n"
            }
            output.err(block + "\n")
            write(ShellFormatter.took(clock.now - start))
            return false
        }
    }

    /// Routes a command to its implementation.
    func dispatch(_ name: String, _ a: [ShellValue]) async throws -> ShellValue? {
        switch name {
        case "status": return try await status(a)
        case "version": return try version(a)
        case "whoami": return try whoami(a)
        case "table_help": return tableHelp()
        case "create": return try await create(a)
        case "alter": return try await alter(a)
        case "describe": return try await describe(a)
        case "disable": return try await setEnabled(a, false)
        case "enable": return try await setEnabled(a, true)
        case "drop": return try await drop(a)
        case "exists": return try await exists(a)
        case "is_enabled": return try await isEnabled(a, enabled: true)
        case "is_disabled": return try await isEnabled(a, enabled: false)
        case "list": return try await list(a)
        case "disable_all": return try await forAll(a, verb: "disable")
        case "enable_all": return try await forAll(a, verb: "enable")
        case "drop_all": return try await forAll(a, verb: "drop")
        case "locate_region": return try await locateRegion(a)
        case "list_regions": return try await listRegions(a)
        case "get_table": return try await getTable(a)
        case "put": return try await put(a)
        case "get": return try await get(a)
        case "scan": return try await scan(a)
        case "delete": return try await delete(a, all: false)
        case "deleteall": return try await delete(a, all: true)
        case "count": return try await count(a)
        case "incr": return try await incr(a)
        case "get_counter": return try await getCounter(a)
        case "append": return try await append(a)
        case "get_splits": return try await getSplits(a)
        case "truncate": return try await truncate(a, preserve: false)
        case "truncate_preserve": return try await truncate(a, preserve: true)
        case "flush": return try await flush(a)
        case "compact": return try await compact(a, major: false)
        case "major_compact": return try await compact(a, major: true)
        case "split": return try await split(a)
        case "merge_region": return try await mergeRegion(a)
        case "move": return try await move(a)
        case "balancer": return try await balancer(a)
        case "balance_switch": return try await balanceSwitch(a)
        case "create_namespace": return try await createNamespace(a)
        case "alter_namespace": return try await alterNamespace(a)
        case "drop_namespace": return try await dropNamespace(a)
        case "describe_namespace": return try await describeNamespace(a)
        case "list_namespace": return try await listNamespace(a)
        case "list_namespace_tables": return try await listNamespaceTables(a)
        case "zk_dump": return try await zkDump(a)
        case "wal_roll": return try await walRoll(a)
        default: throw ShellError(.unknownName, "NoMethodError (undefined method `\(name)' for main:Object)")
        }
    }

    /// Checks the argument count against `range`, with Ruby's wording.
    func expect(_ a: [ShellValue], _ range: ClosedRange<Int>) throws(ShellError) {
        guard range.contains(a.count) else {
            let expected = range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)..\(range.upperBound)"
            throw ShellError.wrongCount(given: a.count, expected: expected)
        }
    }

    /// Any failure, worded as the HBase shell words it for this command.
    func reword(_ error: any Error, command: String, args: [ShellValue]) async -> ShellError {
        if let e = error as? ShellError { return e }
        let e = ClientError(error)
        let table = try? args.first?.tableName()
        let name = table?.nameAsString ?? "?"
        switch e.errorCode {
        case .tableNotFound:
            let admin: Set<String> = ["describe", "disable", "enable", "drop", "alter"]
            return ShellError(.cluster, admin.contains(command) ? "Table \(name) does not exist." : "Unknown table \(name)!")
        case .tableExists:
            return ShellError(.cluster, "Table already exists: \(name)!")
        case .tableNotEnabled:
            return ShellError(.cluster, "Table \(name) is disabled!")
        case .tableNotDisabled:
            if command == "drop" { return ShellError(.cluster, "Table \(name) is enabled. Disable it first.") }
            return ShellError(.cluster, "Table \(name) should be disabled!")
        case .noSuchColumnFamily:
            if let table, let families = try? await connection.admin().describe(table).descriptor.families {
                return ShellError(.cluster, "Unknown column family! Valid column names: " + families.map { $0.nameAsString + ":*" }.joined(separator: ", "))
            }
        case .invalidArgument:
            return ShellError(.cluster, "IllegalArgumentException: \(e.message)")
        case .namespaceNotFound:
            let namespace = args.first?.bytes.map { String(decoding: $0, as: UTF8.self) }.map { $0.split(separator: ":").first.map(String.init) ?? $0 }
            return ShellError(.cluster, "Unknown namespace \(namespace ?? "?")!")
        default: break
        }
        return ShellError(.cluster, "\(e.exceptionName): \(e.message)", retryable: e.isRetryable)
    }
}
