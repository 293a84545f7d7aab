import Foundation

/// A small line editor for the interactive shell: the terminal in raw mode, cursor movement (arrows,
/// Home/End, Ctrl-A/E/B/F), deletion (Backspace, Delete, Ctrl-K/U/W), history (Up/Down, kept in a
/// file between sessions), Ctrl-C to drop the line, Ctrl-D on an empty line to quit. No Swift package
/// on this machine does line editing, and readline would add a system library every build needs, so
/// this is ours. One per terminal session; not shared across tasks.
final class LineEditor {
    private var history: [String] = []
    private let historyFile: String?
    private let limit = 500

    init(historyFile: String?) {
        self.historyFile = historyFile
        if let historyFile, let text = try? String(contentsOfFile: historyFile, encoding: .utf8) {
            history = text.split(separator: "\n").map(String.init).suffix(limit).map { $0 }
        }
    }

    /// Whether both stdin and stdout are terminals (line editing needs both).
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    /// The terminal's width in columns, or 0 when stdout is not a terminal.
    static var terminalWidth: Int {
        guard isatty(STDOUT_FILENO) == 1 else { return 0 }
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Records a line in the history (and its file).
    func remember(_ line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, history.last != trimmed else { return }
        history.append(trimmed)
        if history.count > limit { history.removeFirst(history.count - limit) }
        if let historyFile {
            try? (history.joined(separator: "\n") + "\n").write(toFile: historyFile, atomically: true, encoding: .utf8)
        }
    }

    /// Reads one line with editing; nil at end of input (Ctrl-D on an empty line).
    func readLine(prompt: String) -> String? {
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else {
            write(prompt)
            return Swift.readLine()
        }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        tcsetattr(STDIN_FILENO, TCSADRAIN, &raw)
        defer { tcsetattr(STDIN_FILENO, TCSADRAIN, &original) }

        var line: [Character] = []
        var cursor = 0
        var index = history.count
        var draft: [Character] = []
        func redraw() {
            let text = String(line)
            let back = line.count - cursor
            write("\r" + prompt + text + "\u{1B}[K" + (back > 0 ? "\u{1B}[\(back)D" : ""))
        }
        write(prompt)
        while true {
            guard let byte = readByte() else { return line.isEmpty ? nil : String(line) }
            switch byte {
            case 13, 10:
                write("\r\n")
                return String(line)
            case 4:  // Ctrl-D
                if line.isEmpty {
                    write("\r\n")
                    return nil
                }
                if cursor < line.count { line.remove(at: cursor) }
            case 3:  // Ctrl-C
                write("^C\r\n")
                return ""
            case 1: cursor = 0
            case 5: cursor = line.count
            case 2: cursor = max(0, cursor - 1)
            case 6: cursor = min(line.count, cursor + 1)
            case 11: line.removeSubrange(cursor...)
            case 21:
                line.removeSubrange(..<cursor)
                cursor = 0
            case 23:
                var start = cursor
                while start > 0 && line[start - 1] == " " { start -= 1 }
                while start > 0 && line[start - 1] != " " { start -= 1 }
                line.removeSubrange(start..<cursor)
                cursor = start
            case 12: write("\u{1B}[H\u{1B}[2J")
            case 127, 8:
                if cursor > 0 {
                    line.remove(at: cursor - 1)
                    cursor -= 1
                }
            case 27:
                guard let b1 = readByte() else { continue }
                guard b1 == UInt8(ascii: "[") || b1 == UInt8(ascii: "O"), let b2 = readByte() else { continue }
                switch b2 {
                case UInt8(ascii: "A"), UInt8(ascii: "B"):
                    guard !history.isEmpty else { break }
                    if index == history.count { draft = line }
                    index = b2 == UInt8(ascii: "A") ? max(0, index - 1) : min(history.count, index + 1)
                    line = index == history.count ? draft : Array(history[index])
                    cursor = line.count
                case UInt8(ascii: "C"): cursor = min(line.count, cursor + 1)
                case UInt8(ascii: "D"): cursor = max(0, cursor - 1)
                case UInt8(ascii: "H"): cursor = 0
                case UInt8(ascii: "F"): cursor = line.count
                case UInt8(ascii: "0")...UInt8(ascii: "9"):
                    // ESC [ n ~ : 1/7 Home, 4/8 End, 3 Delete
                    var code = Int(b2 - UInt8(ascii: "0"))
                    while let b = readByte(), b != UInt8(ascii: "~") {
                        guard b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") else { break }
                        code = code * 10 + Int(b - UInt8(ascii: "0"))
                    }
                    switch code {
                    case 1, 7: cursor = 0
                    case 4, 8: cursor = line.count
                    case 3: if cursor < line.count { line.remove(at: cursor) }
                    default: break
                    }
                default: break
                }
            default:
                guard byte >= 32 else { continue }
                var bytes = [byte]
                let extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : byte >= 0xC0 ? 1 : 0
                for _ in 0..<extra { if let b = readByte() { bytes.append(b) } }
                for c in String(decoding: bytes, as: UTF8.self) {
                    line.insert(c, at: cursor)
                    cursor += 1
                }
            }
            redraw()
        }
    }

    private func readByte() -> UInt8? {
        var b: UInt8 = 0
        while true {
            let n = read(STDIN_FILENO, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    private func write(_ s: String) { Console.write(STDOUT_FILENO, Array(s.utf8)) }
}
