/// Where ZooKeeper's clients connect by default: HBase's key and ZooKeeper's own port, declared once.
public enum ZooKeeperDefaults {
    /// The port for quorum entries that name none, and the embedded server's port.
    public static let clientPortKey = "hbase.zookeeper.property.clientPort"
    public static let clientPort = 2181
}
