/// The wire protocol between Basalt's clients and servers: HBase's native RPC (`RPC/`), the messages generated
/// from `Protos/*.proto` and `Protos/hbase/*.proto` (under `Generated/`), and the conversions between them and
/// `BasaltCore`'s types.
public enum BasaltProtocol {
    /// The value a server answers in `MetaRegionServer.rpc_version`.
    public static let rpcVersion: UInt32 = 1
}
