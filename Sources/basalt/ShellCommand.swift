import ArgumentParser
import BasaltClient
import BasaltCore
import BasaltShell
import Foundation

/// `basalt shell`: the HBase shell against a running cluster. Interactive with line editing and
/// history on a terminal; `-n` (or piped stdin) reads commands from stdin, and with `-n` the first
/// failing command ends the run with status 1; `-e` runs commands given on the command line.
struct ShellCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shell", abstract: "The HBase shell: HBase's commands, syntax and output.")

    @Flag(name: [.customShort("n"), .customLong("noninteractive")], help: "Read commands from stdin; exit with status 1 at the first failing command.")
    var nonInteractive = false

    @Option(name: .customShort("e"), help: "Run these commands, then exit (status 1 if one fails). Repeatable.")
    var execute: [String] = []

    @Argument(help: "A script file of shell commands to run, then exit.")
    var script: String?

    @OptionGroup var conf: ConfigurationOptions

    func run() async throws {
        ClientLogging.bootstrapErrorsOnly()
        let configuration = try conf.load()
        let connection: Connection
        do {
            connection = try await Connection.connect(configuration)
        } catch {
            Self.writeError("ERROR: \(ClientError(error).message)\n")
            throw ExitCode(1)
        }
        let status = await session(connection, configuration: configuration)
        await connection.close()
        if status != 0 { throw ExitCode(status) }
    }

    private func session(_ connection: Connection, configuration: BasaltConfiguration) async -> Int32 {
        let interactive = execute.isEmpty && script == nil && !nonInteractive && LineEditor.isInteractive
        let editor = interactive ? LineEditor(historyFile: ProcessInfo.processInfo.environment["HOME"].map { $0 + "/.basalt_history" }) : nil
        let formatter = ShellFormatter(
            width: LineEditor.terminalWidth, epochTimestamps: configuration.string("hbase.shell.timestamp.format.epoch", default: "false") == "true")
        let output = Shell.Output(
            out: { s in Console.out(s) },
            err: { s in Console.err(s) })
        let answers = AnswerSource(editor: editor)
        let shell = Shell(connection: connection, formatter: formatter, output: output, readAnswer: { answers.next() })

        if !execute.isEmpty || script != nil {
            var texts = execute
            if let script {
                guard let text = try? String(contentsOfFile: script, encoding: .utf8) else {
                    Self.writeError("ERROR: cannot read the script file '\(script)'\n")
                    return 1
                }
                texts.append(text)
            }
            for text in texts {
                let ok = await shell.run(text, stopOnError: true)
                Console.flush()
                if let status = await shell.exitStatus { return status }
                if !ok { return 1 }
            }
            return 0
        }

        if let editor {
            Console.out("Basalt Shell\nUse \"help\" to get list of supported commands.\nUse \"exit\" to quit this interactive shell.\nVersion \(Shell.version)\n")
            Console.flush()
            var number = 1
            var buffer = ""
            while true {
                let prompt = buffer.isEmpty ? String(format: "basalt:%03d:0> ", number) : String(format: "basalt:%03d:1* ", number)
                guard let line = editor.readLine(prompt: prompt) else { break }
                buffer += buffer.isEmpty ? line : "\n" + line
                if ShellParser.isIncomplete(buffer) { continue }
                editor.remember(buffer.replacingOccurrences(of: "\n", with: " "))
                await shell.run(buffer)
                Console.flush()
                buffer = ""
                number += 1
                if let status = await shell.exitStatus { return status }
            }
            return 0
        }

        // Commands from stdin, one statement (possibly over several lines) at a time.
        var buffer = ""
        var failed = false
        while let line = answers.stdinLine() {
            buffer += buffer.isEmpty ? line : "\n" + line
            if ShellParser.isIncomplete(buffer) { continue }
            let ok = await shell.run(buffer, stopOnError: nonInteractive)
            Console.flush()
            buffer = ""
            if let status = await shell.exitStatus { return status }
            if !ok && nonInteractive { return 1 }
            failed = failed || !ok
        }
        if !buffer.isEmpty {
            let ok = await shell.run(buffer, stopOnError: nonInteractive)
            Console.flush()
            if !ok && nonInteractive { return 1 }
        }
        return 0
    }

    static func writeError(_ s: String) {
        Console.err(s)
    }
}

/// Where a shell's y/n answers and piped commands come from: the line editor on a terminal, stdin
/// otherwise. Reads happen one at a time (the shell waits for its answer), so a lock suffices.
final class AnswerSource: @unchecked Sendable {
    private let editor: LineEditor?
    private let lock = NSLock()

    init(editor: LineEditor?) { self.editor = editor }

    func next() -> String? {
        lock.lock()
        defer { lock.unlock() }
        if let editor { return editor.readLine(prompt: "") }
        return Swift.readLine()
    }

    func stdinLine() -> String? {
        lock.lock()
        defer { lock.unlock() }
        return Swift.readLine()
    }
}
