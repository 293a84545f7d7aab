import ArgumentParser
import BasaltCore

/// `basalt`: the one binary. Subcommands follow DESIGN.md §9.
@main
struct BasaltCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "basalt",
        abstract: "Basalt: an HBase-compatible wide-column store.",
        subcommands: [StartCommand.self, MasterCommand.self, RegionServerCommand.self, ShellCommand.self, ThriftCommand.self, ZooKeeperCommand.self, ZKCliCommand.self, WALCommand.self, HFileCommand.self, BenchCommand.self, CanaryCommand.self, HbckCommand.self]
    )
}

/// Flags every command shares: `-D key=value` and `--config FILE`.
struct ConfigurationOptions: ParsableArguments {
    @Option(name: .customShort("D"), help: "Set a configuration key (HBase's names), key=value. Repeatable.")
    var definitions: [String] = []

    @Option(name: .long, help: "A basalt-site.xml file (hbase-site.xml form).")
    var config: String?

    func load() throws -> BasaltConfiguration {
        var conf = BasaltConfiguration()
        if let config { try conf.load(xmlFile: config) }
        try conf.apply(definitions: definitions)
        return conf
    }
}
