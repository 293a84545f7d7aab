import BasaltClient
import BasaltCore

/// The namespace commands and `balance_switch`, as HBase's shell has them.
extension Shell {
    /// `create_namespace 'ns'` or `create_namespace 'ns', {'key' => 'value', ...}`.
    func createNamespace(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...2)
        let name = String(decoding: try a[0].asBytes("namespace name"), as: UTF8.self)
        var configuration: [String: String] = [:]
        if a.count == 2 {
            guard case .hash(let h) = a[1] else { throw ShellError.arguments("the namespace's configuration must be a Hash, not \(a[1].kindName)") }
            for (k, v) in h.pairs {
                configuration[String(decoding: try k.asBytes("configuration key"), as: UTF8.self)] =
                    String(decoding: try v.asBytes("configuration value"), as: UTF8.self)
            }
        }
        try await connection.admin().createNamespace(try namespace(name, configuration))
        return nil
    }

    /// `alter_namespace 'ns', {METHOD => 'set', 'key' => 'value'}` or `{METHOD => 'unset', NAME => 'key'}`.
    func alterNamespace(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 2...2)
        let name = String(decoding: try a[0].asBytes("namespace name"), as: UTF8.self)
        guard case .hash(let h) = a[1] else { throw ShellError.arguments("alter_namespace takes a Hash with METHOD => 'set' or 'unset'") }
        let admin = connection.admin()
        var d = try await admin.namespace(name)
        let method = try h["METHOD"].map { String(decoding: try $0.asBytes("METHOD"), as: UTF8.self).lowercased() }
        switch method {
        case "set":
            for (k, v) in h.pairs {
                let key = String(decoding: try k.asBytes("configuration key"), as: UTF8.self)
                guard key != "METHOD" else { continue }
                d.configuration[key] = String(decoding: try v.asBytes("configuration value"), as: UTF8.self)
            }
        case "unset":
            guard let key = h["NAME"] else { throw ShellError.arguments("alter_namespace with METHOD => 'unset' needs NAME => 'key'") }
            d.configuration[String(decoding: try key.asBytes("NAME"), as: UTF8.self)] = nil
        default:
            throw ShellError.arguments("alter_namespace's METHOD is 'set' or 'unset'")
        }
        try await admin.modifyNamespace(d)
        return nil
    }

    func dropNamespace(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        try await connection.admin().deleteNamespace(String(decoding: try a[0].asBytes("namespace name"), as: UTF8.self))
        return nil
    }

    /// `describe_namespace 'ns'`: `{NAME => 'ns', key => 'value'}`.
    func describeNamespace(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let d = try await connection.admin().namespace(String(decoding: try a[0].asBytes("namespace name"), as: UTF8.self))
        let settings = ["NAME => '\(d.name)'"] + d.configuration.sorted { $0.key < $1.key }.map { "\($0.key) => '\($0.value)'" }
        let text = "{" + settings.joined(separator: ", ") + "}"
        write("DESCRIPTION\n\(text)\n")
        return .text(text)
    }

    /// `list_namespace` or `list_namespace 'regex'`.
    func listNamespace(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 0...1)
        let regex = try a.first.map { String(decoding: try $0.asBytes("regex"), as: UTF8.self) } ?? ".*"
        let pattern: Regex<AnyRegexOutput>
        do { pattern = try Regex(regex) } catch { throw ShellError.arguments("'\(regex)' is not a regular expression") }
        let names = try await connection.admin().listNamespaces().map(\.name).filter { $0.wholeMatch(of: pattern) != nil }
        write("NAMESPACE\n")
        for n in names { write(n + "\n") }
        write(formatter.footer(names.count))
        return .array(names.map { .text($0) })
    }

    func listNamespaceTables(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let names = try await connection.admin().listTableNames(inNamespace: String(decoding: try a[0].asBytes("namespace name"), as: UTF8.self))
        write("TABLE\n")
        for n in names { write(n.qualifier + "\n") }
        write(formatter.footer(names.count))
        return .array(names.map { .text($0.qualifier) })
    }

    /// `balance_switch true|false`: sets the balancer switch, printing and returning what it was.
    func balanceSwitch(_ a: [ShellValue]) async throws -> ShellValue? {
        try expect(a, 1...1)
        let previous = try await connection.admin().setBalancer(on: try a[0].asBool("balance_switch's argument"))
        write("Previous balancer state : \(previous)\n")
        return .bool(previous)
    }

    private func namespace(_ name: String, _ configuration: [String: String]) throws -> NamespaceDescriptor {
        do {
            return try NamespaceDescriptor(name: name, configuration: configuration)
        } catch {
            throw ShellError(.arguments, "Illegal namespace name '\(name)': \(ShellError.reason(error))")
        }
    }
}
