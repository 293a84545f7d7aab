/// `Multi` as Basalt's client sends it: the actions already encoded, each once for all its attempts
/// (`Protos/client.proto`, `EncodedMultiRequest`). The server reads the request as a `MultiRequest`.
extension BasaltClientServiceCalls {
    public func multi(_ request: Basalt_EncodedMultiRequest) async throws -> Basalt_MultiResponse {
        try await connection.call(BasaltClientServiceMethod.multi.rawValue, request, returning: Basalt_MultiResponse.self)
    }
}
