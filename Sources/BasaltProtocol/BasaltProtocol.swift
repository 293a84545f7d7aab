/// The wire protocol between Basalt's clients and servers: the messages and gRPC services generated from
/// `Protos/*.proto` (under `Generated/`), and the conversions between them and `BasaltCore`'s types.
public enum BasaltProtocol {
    /// The value a server answers in `MetaRegionServer.rpc_version`.
    public static let rpcVersion: UInt32 = 1
}
