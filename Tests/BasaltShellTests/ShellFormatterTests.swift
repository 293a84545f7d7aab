import BasaltCore
import BasaltShell
import Foundation
import Testing

/// Output layout as HBase 2.x prints it.
@Suite struct ShellFormatterTests {
    let utc = ShellFormatter(width: 0, timeZone: TimeZone(identifier: "UTC") ?? .current)

    @Test func timestampsDropZeroParts() {
        #expect(utc.timestamp(1_500_000_000_123) == "2017-07-14T02:40:00.123")
        #expect(utc.timestamp(1_500_000_000_100) == "2017-07-14T02:40:00.100")
        #expect(utc.timestamp(1_500_000_001_000) == "2017-07-14T02:40:01")
        #expect(utc.timestamp(1_500_000_000_000) == "2017-07-14T02:40")
        #expect(utc.timestamp(0) == "1970-01-01T00:00")
        #expect(utc.timestamp(-1) == "1969-12-31T23:59:59.999")
        let tokyo = ShellFormatter(width: 0, timeZone: TimeZone(identifier: "Asia/Tokyo") ?? .current)
        #expect(tokyo.timestamp(1_500_000_000_000) == "2017-07-14T11:40")
        let epoch = ShellFormatter(width: 0, epochTimestamps: true)
        #expect(epoch.timestamp(1_500_000_000_000) == "1500000000000")
    }

    @Test func rowsWithoutATerminalAreUnpadded() {
        #expect(utc.header("ROW", "COLUMN+CELL") == "ROW  COLUMN+CELL\n")
        #expect(utc.row("r1", "column=f:a, x") == " r1 column=f:a, x\n")
        #expect(utc.footer(2) == "2 row(s)\n")
        var cell = Cell(row: [1], family: Array("f".utf8), qualifier: Array("q\u{1}".utf8), timestamp: 1_500_000_000_000, type: .put, value: [0, 0x5C, 0x41])
        #expect(ShellFormatter.column(cell) == #"f:q\x01"#)
        #expect(utc.cellText(cell) == #"timestamp=2017-07-14T02:40, value=\x00\x5CA"#)
        cell.type = .deleteColumn
        #expect(utc.cellText(cell) == "timestamp=2017-07-14T02:40, type=DeleteColumn")
    }

    @Test func aTerminalPadsAndWraps() {
        let wide = ShellFormatter(width: 40, timeZone: utc.timeZone)
        // First column a quarter of the width, the second the rest less two; it wraps under itself.
        let text = wide.row("r1", String(repeating: "x", count: 45))
        let lines = text.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[0] == " r1" + String(repeating: " ", count: 8) + " " + String(repeating: "x", count: 28))
        #expect(lines[1] == " " + String(repeating: " ", count: 10) + " " + String(repeating: "x", count: 17))
    }

    @Test func tookHasFourDecimals() {
        #expect(ShellFormatter.took(.milliseconds(12)) == "Took 0.0120 seconds\n")
        #expect(ShellFormatter.took(.seconds(2)) == "Took 2.0000 seconds\n")
    }
}
