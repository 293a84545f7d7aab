import Foundation

// Data-driven tests in the style of Pebble's `datadriven` package: a text file of cases, each a command
// line, optional input lines, a `----` line and the output the command is expected to print, ended by a
// blank line. An output that holds blank lines is written between two `----` lines and two more:
//
//     command arg key=value list=(a,b)
//     input line
//     ----
//     ----
//     output line
//
//     more output
//     ----
//     ----
//
// Blank lines and lines starting with `#` between cases are comments. With BASALT_REWRITE=1 the runner
// writes each case's actual output back into the file, leaving everything else as it was. For tests only.

/// One argument of a command line: a bare `word`, `key=value`, `key="a value with spaces"` or
/// `key=(a,b,c)` (a list; `()` is an empty list, `(,m)` holds an empty string and `m`).
public struct DataDrivenArgument: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    /// Nothing for a bare word, one value for `key=value`, the items for `key=(...)`.
    public let values: [String]
    /// Whether the argument was a bare word (no `=`).
    public let isBare: Bool

    public init(key: String, values: [String] = [], isBare: Bool = false) {
        self.key = key
        self.values = values
        self.isBare = isBare
    }

    public var description: String {
        if isBare { return key }
        if values.count == 1 { return "\(key)=\(values[0])" }
        return "\(key)=(\(values.joined(separator: ",")))"
    }
}

/// A problem with a test file, an argument, or a test's own script; its text is the whole message.
public struct DataDrivenError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What can read typed values out of a list of arguments: a case's command line, or an input line a test
/// parses with `DataDrivenLine`.
public protocol DataDrivenArguments {
    var arguments: [DataDrivenArgument] { get }
}

extension DataDrivenArguments {
    /// The first argument named `key`.
    public func argument(_ key: String) -> DataDrivenArgument? { arguments.first { $0.key == key } }

    public func has(_ key: String) -> Bool { argument(key) != nil }

    /// The bare words, in order (`name a b` gives `a` and `b`).
    public var words: [String] { arguments.filter(\.isBare).map(\.key) }

    /// The values of `key` (a list or a single value); nil when absent.
    public func strings(_ key: String) -> [String]? { argument(key)?.values }

    /// The single value of `key`; nil when absent.
    public func string(_ key: String) throws -> String? {
        guard let a = argument(key) else { return nil }
        guard !a.isBare, a.values.count == 1 else {
            throw DataDrivenError("argument '\(key)' takes exactly one value, got '\(a)'")
        }
        return a.values[0]
    }

    public func string(_ key: String, default d: String) throws -> String { try string(key) ?? d }

    /// The value of `key` as a whole number (`_` may group digits); nil when absent.
    public func int(_ key: String) throws -> Int? {
        guard let s = try string(key) else { return nil }
        guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
            throw DataDrivenError("argument '\(key)' must be a whole number, got '\(s)'")
        }
        return v
    }

    public func int(_ key: String, default d: Int) throws -> Int { try int(key) ?? d }

    public func int64(_ key: String) throws -> Int64? { try int(key).map(Int64.init) }

    public func double(_ key: String) throws -> Double? {
        guard let s = try string(key) else { return nil }
        guard let v = Double(s) else { throw DataDrivenError("argument '\(key)' must be a number, got '\(s)'") }
        return v
    }

    /// The values of a list argument as whole numbers; nil when absent.
    public func ints(_ key: String) throws -> [Int]? {
        try strings(key)?.map { s in
            guard let v = Int(s.replacingOccurrences(of: "_", with: "")) else {
                throw DataDrivenError("argument '\(key)' must hold whole numbers, got '\(s)'")
            }
            return v
        }
    }
}

/// A line parsed as a command and its arguments. Tests use it for their input lines too.
public struct DataDrivenLine: Sendable, Equatable, DataDrivenArguments {
    public let command: String
    public let arguments: [DataDrivenArgument]

    public init(command: String, arguments: [DataDrivenArgument]) {
        self.command = command
        self.arguments = arguments
    }

    /// Parses `command arg key=value key="quoted value" key=(a,b)`; words are split by spaces and tabs.
    public init(parsing text: String) throws {
        let chars = Array(text)
        var i = 0
        func isSpace(_ c: Character) -> Bool { c == " " || c == "\t" }
        func skipSpaces() { while i < chars.count, isSpace(chars[i]) { i += 1 } }
        func word(stoppingAt stops: Set<Character>) -> String {
            let start = i
            while i < chars.count, !isSpace(chars[i]), !stops.contains(chars[i]) { i += 1 }
            return String(chars[start..<i])
        }
        func read(until close: Character, what: String) throws -> String {
            let start = i
            while i < chars.count, chars[i] != close { i += 1 }
            guard i < chars.count else { throw DataDrivenError("\(what) is not closed with \(close) in '\(text)'") }
            defer { i += 1 }
            return String(chars[start..<i])
        }
        skipSpaces()
        let command = word(stoppingAt: [])
        guard !command.isEmpty else { throw DataDrivenError("the line has no command") }
        var arguments: [DataDrivenArgument] = []
        while true {
            skipSpaces()
            if i == chars.count { break }
            let key = word(stoppingAt: ["="])
            guard !key.isEmpty else { throw DataDrivenError("an argument has no name in '\(text)'") }
            guard i < chars.count, chars[i] == "=" else {
                arguments.append(DataDrivenArgument(key: key, isBare: true))
                continue
            }
            i += 1
            let values: [String]
            if i < chars.count, chars[i] == "(" {
                i += 1
                let inner = try read(until: ")", what: "the list of '\(key)'")
                values = inner.isEmpty ? [] : inner.split(separator: ",", omittingEmptySubsequences: false).map {
                    $0.trimmingCharacters(in: .whitespaces)
                }
            } else if i < chars.count, chars[i] == "\"" {
                i += 1
                values = [try read(until: "\"", what: "the value of '\(key)'")]
            } else {
                values = [word(stoppingAt: [])]
            }
            guard i == chars.count || isSpace(chars[i]) else {
                throw DataDrivenError("unexpected '\(chars[i])' after argument '\(key)' in '\(text)'")
            }
            arguments.append(DataDrivenArgument(key: key, values: values))
        }
        self.init(command: command, arguments: arguments)
    }
}

/// One case of a test file, as handed to the test's handler.
public struct DataDrivenCase: Sendable, DataDrivenArguments {
    public let file: String
    /// The command line's number in the file (from 1).
    public let line: Int
    /// The command line as written.
    public let text: String
    public let command: String
    public let arguments: [DataDrivenArgument]
    public let input: [String]
    /// The output the file records, lines joined with newlines.
    public let expected: String
    /// The file's lines of the expected-output block (from the first `----` to before the blank line
    /// that ends the case), which a rewrite replaces.
    let block: Range<Int>

    /// Each input line parsed as a command and arguments.
    public func parsedInput() throws -> [DataDrivenLine] {
        try input.map { try DataDrivenLine(parsing: $0) }
    }
}

/// A case whose actual output differs from what the file records.
public struct DataDrivenMismatch: Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let command: String
    public let expected: String
    public let actual: String

    /// Where, what, and a line diff: `-` lines only expected, `+` lines only actual.
    public var description: String {
        let name = URL(fileURLWithPath: file).lastPathComponent
        return "\(name):\(line): \(command)\n" + DataDriven.diff(expected: expected, actual: actual)
    }
}

/// Runs the cases of a data-driven test file.
public enum DataDriven {
    /// The environment variable that turns rewriting on (value `1`).
    public static let rewriteVariable = "BASALT_REWRITE"

    public static var rewriteRequested: Bool { ProcessInfo.processInfo.environment[rewriteVariable] == "1" }

    /// Runs every case of `file` through `handler`, in order, and returns the cases whose output differs
    /// from the file's. A handler's error becomes the output `error: <description>`. With `rewrite`
    /// (BASALT_REWRITE=1 by default) the file gets the actual outputs instead and nothing is returned.
    @discardableResult
    public static func run(
        file: String, rewrite: Bool = DataDriven.rewriteRequested, _ handler: (DataDrivenCase) throws -> String
    ) throws -> [DataDrivenMismatch] {
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let (mismatches, rewritten) = try run(text: text, file: file, handler)
        if rewrite {
            if rewritten != text { try rewritten.write(toFile: file, atomically: true, encoding: .utf8) }
            return []
        }
        return mismatches
    }

    /// Runs the cases of `text` (named `file` in messages); returns the mismatches and the text as a
    /// rewrite would leave it.
    public static func run(
        text: String, file: String = "<text>", _ handler: (DataDrivenCase) throws -> String
    ) throws -> (mismatches: [DataDrivenMismatch], rewritten: String) {
        let lines = text.components(separatedBy: "\n")
        let cases = try parse(lines: lines, file: file)
        var mismatches: [DataDrivenMismatch] = []
        var out: [String] = []
        var next = 0
        for c in cases {
            var actual: String
            do { actual = try handler(c) } catch { actual = "error: \(error)" }
            while actual.hasSuffix("\n") { actual.removeLast() }
            if actual != c.expected {
                mismatches.append(DataDrivenMismatch(file: file, line: c.line, command: c.text, expected: c.expected, actual: actual))
            }
            out.append(contentsOf: lines[next..<c.block.lowerBound])
            out.append(contentsOf: block(for: actual))
            next = c.block.upperBound
        }
        out.append(contentsOf: lines[next...])
        var rewritten = out.joined(separator: "\n")
        if !rewritten.hasSuffix("\n") { rewritten += "\n" }
        return (mismatches, rewritten)
    }

    /// The cases of a test file's text.
    public static func parse(text: String, file: String = "<text>") throws -> [DataDrivenCase] {
        try parse(lines: text.components(separatedBy: "\n"), file: file)
    }

    /// The case file `name` in the `testdata` folder beside the calling test's source file.
    public static func testData(_ name: String, besides filePath: String = #filePath) -> String {
        URL(fileURLWithPath: filePath).deletingLastPathComponent().appendingPathComponent("testdata/\(name)").path
    }

    /// Every mismatch, one after another, with a hint on how to accept the new outputs.
    public static func report(_ mismatches: [DataDrivenMismatch]) -> String {
        guard !mismatches.isEmpty else { return "" }
        return mismatches.map(\.description).joined(separator: "\n")
            + "\n(run with \(rewriteVariable)=1 to write the actual outputs into the file)"
    }

    static func isBlank(_ line: String) -> Bool { line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" } }

    private static func parse(lines: [String], file: String) throws -> [DataDrivenCase] {
        let name = URL(fileURLWithPath: file).lastPathComponent
        func fail(_ index: Int, _ message: String) -> DataDrivenError { DataDrivenError("\(name):\(index + 1): \(message)") }
        var cases: [DataDrivenCase] = []
        var i = 0
        while i < lines.count {
            if isBlank(lines[i]) || lines[i].hasPrefix("#") {
                i += 1
                continue
            }
            let commandIndex = i
            let parsed: DataDrivenLine
            do { parsed = try DataDrivenLine(parsing: lines[i]) } catch { throw fail(i, "\(error)") }
            i += 1
            var input: [String] = []
            while true {
                guard i < lines.count, !isBlank(lines[i]) else { throw fail(commandIndex, "the case has no ---- line") }
                if lines[i] == "----" { break }
                input.append(lines[i])
                i += 1
            }
            let separator = i
            i += 1
            var expected: [String] = []
            if i < lines.count, lines[i] == "----" {
                // The double-separator form: everything up to the next `----` `----` pair, blank lines too.
                i += 1
                while true {
                    guard i < lines.count else { throw fail(separator, "the output is not closed with two ---- lines") }
                    if lines[i] == "----", i + 1 < lines.count, lines[i + 1] == "----" { break }
                    expected.append(lines[i])
                    i += 1
                }
                i += 2
                if i < lines.count, !isBlank(lines[i]) { throw fail(i, "a blank line must follow the closing ---- lines") }
            } else {
                while i < lines.count, !isBlank(lines[i]) {
                    expected.append(lines[i])
                    i += 1
                }
            }
            cases.append(DataDrivenCase(
                file: file, line: commandIndex + 1, text: lines[commandIndex], command: parsed.command, arguments: parsed.arguments,
                input: input, expected: expected.joined(separator: "\n"), block: separator..<i))
        }
        return cases
    }

    /// The lines that record `output` after a case's input.
    private static func block(for output: String) -> [String] {
        if output.isEmpty { return ["----"] }
        let lines = output.components(separatedBy: "\n")
        if lines.contains(where: isBlank) || lines.first == "----" { return ["----", "----"] + lines + ["----", "----"] }
        return ["----"] + lines
    }

    /// A line diff of two outputs: lines in both as `  `, only expected as `- `, only actual as `+ `.
    static func diff(expected: String, actual: String) -> String {
        let a = expected.isEmpty ? [] : expected.components(separatedBy: "\n")
        let b = actual.isEmpty ? [] : actual.components(separatedBy: "\n")
        // The longest common subsequence, by lengths of the suffixes.
        var common = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                common[i][j] = a[i] == b[j] ? common[i + 1][j + 1] + 1 : max(common[i + 1][j], common[i][j + 1])
            }
        }
        var out: [String] = []
        var i = 0, j = 0
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                out.append("  " + a[i])
                i += 1
                j += 1
            } else if j < b.count, i == a.count || common[i][j + 1] >= common[i + 1][j] {
                out.append("+ " + b[j])
                j += 1
            } else {
                out.append("- " + a[i])
                i += 1
            }
        }
        return out.joined(separator: "\n")
    }
}
