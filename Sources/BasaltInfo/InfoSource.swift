import BasaltCore
import Foundation

/// What a server's info port shows: a master's or a region server's.
public protocol InfoSource: Sendable {
    /// "Master" or "RegionServer", as HBase names the process.
    var processName: String { get }
    /// The status page's HTML.
    func statusPage() async -> String
    /// Every metric in Prometheus's text format.
    func prometheus() async -> String
    /// HBase's JMX beans with their attributes.
    func jmxBeans() async -> [JMXBean]
    /// `/dump`: threads, regions, scanner leases, as plain text.
    func dump() async -> String
    /// The configuration the server runs with: keys set in hbase-site.xml or with -D, and the effective
    /// values of the server's settings.
    var configuration: [ConfigurationEntry] { get }
}

/// One `/conf` property.
public struct ConfigurationEntry: Sendable, Equatable {
    public var name: String
    public var value: String
    /// Where it came from: "set" (hbase-site.xml or -D) or "default".
    public var source: Source

    public enum Source: String, Sendable {
        case set = "hbase-site.xml or -D"
        case `default` = "default"
    }

    public init(name: String, value: String, source: Source) {
        self.name = name
        self.value = value
        self.source = source
    }

    /// The keys set in `conf`, then the effective defaults of the keys in `defaults` that were not set.
    public static func list(_ conf: BasaltConfiguration, defaults: [(String, String)]) -> [ConfigurationEntry] {
        var out = conf.values.sorted { $0.key < $1.key }.map { ConfigurationEntry(name: $0.key, value: $0.value, source: .set) }
        for (k, v) in defaults where conf[k] == nil { out.append(ConfigurationEntry(name: k, value: v, source: .default)) }
        return out.sorted { $0.name < $1.name }
    }
}

/// One JMX bean as Hadoop's `/jmx` servlet prints it: a name, and attributes whose values are numbers,
/// strings or booleans.
public struct JMXBean: Sendable {
    public var name: String
    public var attributes: [(String, JMXValue)]

    public init(name: String, attributes: [(String, JMXValue)]) {
        self.name = name
        self.attributes = attributes
    }
}

public enum JMXValue: Sendable {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
}
