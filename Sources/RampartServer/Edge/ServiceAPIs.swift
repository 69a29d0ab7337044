import AWSProtocol
import Hummingbird
import Identity

/// A service that speaks AWS JSON 1.1.
protocol JSONServiceAPI: Sendable {
    /// The SigV4 signing name, e.g. `kms`.
    var signingName: String { get }
    /// The `X-Amz-Target` prefix, e.g. `TrentService`.
    var targetPrefix: String { get }
    var validator: RequestValidator { get }
    func handle(operation: String, input: RequestInput, caller: Caller, requestId: String) async throws(AWSError) -> JSONValue
}

/// A service that speaks AWS Query with XML answers.
protocol QueryServiceAPI: Sendable {
    var signingName: String { get }
    var xmlns: String { get }
    var version: String { get }
    /// The service's model, for validation and for recording request parameters.
    var model: ServiceModel { get }
    func handle(action: String, request: QueryRequest, caller: Caller, requestId: String) async throws(AWSError) -> Response
}
