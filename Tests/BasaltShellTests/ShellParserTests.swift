import BasaltShell
import Testing

/// The shell's argument syntax: Ruby's literals as the HBase shell reads them.
@Suite struct ShellParserTests {
    static func parse(_ text: String, variables: [String: ShellValue] = [:]) throws -> [ShellStatement] {
        var parser = try ShellParser(text)
        var out: [ShellStatement] = []
        while let s = try parser.next(resolve: { name throws(ShellError) in
            guard let v = variables[name] else { throw ShellError(.unknownName, "undefined \(name)") }
            return v
        }) { out.append(s) }
        return out
    }

    static func b(_ s: String) -> ShellValue { .text(s) }

    @Test func quotesEscapesAndNumbers() throws {
        let s = try Self.parse(#"put 't1', "r\x00\xFF\n\t\"", 'f:\x41\'q', 42, -7, 0x1F, 1_000, 2.5, true, false, nil"#)
        #expect(s.count == 1)
        #expect(s[0].command == "put")
        #expect(s[0].arguments == [
            .string(Array("t1".utf8)), .string([UInt8(ascii: "r"), 0, 0xFF, 0x0A, 0x09, UInt8(ascii: "\"")]),
            .string(Array(#"f:\x41'q"#.utf8)), .integer(42), .integer(-7), .integer(31), .integer(1000), .float(2.5), .bool(true), .bool(false), .null,
        ])
    }

    @Test func octalUnicodeAndAdjacentLiterals() throws {
        let s = try Self.parse(#"put "\101\0", "\u00e9", 'a' "b" 'c'"#)
        #expect(s[0].arguments == [.string([0x41, 0]), .string([0xC3, 0xA9]), Self.b("abc")])
    }

    @Test func arraysHashesAndTrailingHash() throws {
        let s = try Self.parse("scan 't', {COLUMNS => ['f:a', 'g'], LIMIT => 10, REVERSED => true}")
        guard case .hash(let h) = s[0].arguments[1] else {
            Issue.record("no hash")
            return
        }
        #expect(h.keys == ["COLUMNS", "LIMIT", "REVERSED"])
        #expect(h["COLUMNS"] == .array([Self.b("f:a"), Self.b("g")]))
        #expect(h["LIMIT"] == .integer(10))

        let t = try Self.parse("alter 't1', NAME => 'f1', VERSIONS => 5")
        #expect(t[0].arguments.count == 2)
        #expect(t[0].arguments[1] == .hash(ShellHash([(Self.b("NAME"), Self.b("f1")), (Self.b("VERSIONS"), .integer(5))])))
        // A string key works like the constant.
        let d = try Self.parse("alter 't1', 'delete' => 'f2'")
        #expect(d[0].arguments[1].asHashValue?["delete"] == Self.b("f2"))
    }

    @Test func statementsParenthesesAssignmentAndMethods() throws {
        let s = try Self.parse("list; exists('t1')\n  # a comment\nt = get_table 't1'\nt.scan {LIMIT => 1}", variables: [:])
        #expect(s.map(\.command) == ["list", "exists", "get_table", "scan"])
        #expect(s[1].arguments == [Self.b("t1")])
        #expect(s[2].assignTo == "t")
        #expect(s[3].receiver == "t")
        #expect(s[3].arguments.count == 1)
        // Newlines inside brackets and after commas continue the statement.
        let m = try Self.parse("put 't',\n 'r',\n 'f:a', [1,\n 2]")
        #expect(m.count == 1 && m[0].arguments.count == 4)
        let v = try Self.parse("get t, 'r'", variables: ["t": .text("x")])
        #expect(v[0].arguments.first == .text("x"))
    }

    @Test func incompleteInputAsksForMore() {
        #expect(ShellParser.isIncomplete("put 't', 'r',"))
        #expect(ShellParser.isIncomplete("scan 't', {LIMIT => 1,"))
        #expect(ShellParser.isIncomplete("put 't', 'unterminated"))
        #expect(ShellParser.isIncomplete("create 't', ['a', 'b'"))
        #expect(!ShellParser.isIncomplete("list"))
        #expect(!ShellParser.isIncomplete("scan 't', {LIMIT => }"))  // an error, not a continuation
    }

    @Test func syntaxErrorsNameTheProblem() {
        #expect(throws: ShellError.self) { try Self.parse("scan 't', {LIMIT => }") }
        #expect(throws: ShellError.self) { try Self.parse("put 't', @") }
        #expect(throws: ShellError.self) { try Self.parse("put 't', 'a' 'b' => 1, 'c'") }
        #expect(throws: ShellError.self) { try Self.parse("get undefined_var") }
        do {
            _ = try Self.parse("scan 't', {LIMIT 1}")
            Issue.record("no error")
        } catch {
            #expect((error as? ShellError)?.message.contains("expecting '=>'") == true)
        }
    }

    @Test func inspectMatchesRuby() {
        #expect(ShellValue.array([.text("t1"), .string([0x80, 0x22])]).description == #"["t1", "\x80\""]"#)
        #expect(ShellValue.bool(true).description == "true")
        #expect(ShellValue.integer(3).description == "3")
    }
}

extension ShellValue {
    var asHashValue: ShellHash? {
        if case .hash(let h) = self { return h }
        return nil
    }
}
