public import AWSProtocol
public import RampartCore
public import ServiceLifecycle

/// Everything the edge needs to serve one AWS service: how it is reached on the wire, its
/// model, what each operation is, who handles the calls, and what runs beside it.
///
/// A service module builds one from a `ServiceContext`; `RampartServer`'s service list holds
/// one line per service. The edge knows nothing else about a service: it routes on `wires`,
/// validates with `model`, authorizes and records with `operations`, and calls `handler`.
public struct ServiceDescriptor: Sendable {
    /// The SigV4 signing name, e.g. `kms`; also the service's name in the trail
    /// (`<signingName>.amazonaws.com`).
    public var signingName: String
    /// The wire formats the service speaks, on the same endpoint: one for most; SQS speaks AWS
    /// JSON 1.0 and its older Query protocol side by side. The edge picks one per request (a JSON
    /// format when `X-Amz-Target` is present, else the format that goes by the SigV4 scope) and
    /// the handler never learns which: it gets the same input and gives the same answer.
    public var wires: [WireFormat]
    /// The botocore model the requests are validated against.
    public var model: ServiceModel
    public var operations: OperationTable
    public var handler: any OperationHandler
    /// What the service adds to its records beyond the request and response (the resources a
    /// call acted on, members AWS's records carry); nil when the defaults say it all.
    public var auditing: (any CallAuditing)?
    /// Loops that run beside the server (sweeps, deliveries), started and stopped with it.
    public var backgroundServices: [any Service]
    /// The service's own schema steps, kept under its module name.
    public var migrations: [SchemaMigration]
    /// Plain GETs the service answers without SigV4, as AWS does for the links it hands out
    /// (SNS's signing certificate and SubscribeURL).
    public var anonymousRoutes: [AnonymousRoute]
    /// The largest request body the service takes, when AWS lets it take more than the server's
    /// limit (`serve --max-body-size`, 1 MiB): CloudWatch Logs' PutLogEvents carries 1 MB of
    /// events plus their JSON. Other services' requests stay within the server's limit.
    public var maxRequestBytes: Int?

    public init(
        signingName: String, wire: WireFormat..., model: ServiceModel, operations: OperationTable,
        handler: any OperationHandler, auditing: (any CallAuditing)? = nil, backgroundServices: [any Service] = [],
        migrations: [SchemaMigration] = [], anonymousRoutes: [AnonymousRoute] = [], maxRequestBytes: Int? = nil
    ) {
        precondition(!wire.isEmpty, "a service speaks at least one wire format")
        self.signingName = signingName
        self.wires = wire
        self.model = model
        self.operations = operations
        self.handler = handler
        self.auditing = auditing
        self.backgroundServices = backgroundServices
        self.migrations = migrations
        self.anonymousRoutes = anonymousRoutes
        self.maxRequestBytes = maxRequestBytes
    }
}

/// An unsigned `GET` a service answers itself: the edge sends it here only when the request
/// carries no SigV4 signature at all (no `Authorization` header, no `X-Amz-Signature`), its path
/// matches, and, when `action` is set, its query's `Action` is that. Nothing authenticates the
/// caller: the handler must decide from what the request holds (a token, say) and answer only
/// what anyone may see. Such calls are not recorded in the trail.
public struct AnonymousRoute: Sendable {
    /// The path, exactly; or, when `pathPrefix` is true, what the path starts with.
    public var path: String
    public var pathPrefix: Bool
    /// The Query `Action` the request must name, if any.
    public var action: String?
    /// The name the call is logged under, and the model operation whose output shape a `.json`
    /// answer is written with.
    public var operation: String
    public var handler: @Sendable (AnonymousRequest) async throws(AWSError) -> Reply

    public init(
        path: String, pathPrefix: Bool = false, action: String? = nil, operation: String,
        handler: @escaping @Sendable (AnonymousRequest) async throws(AWSError) -> Reply
    ) {
        self.path = path
        self.pathPrefix = pathPrefix
        self.action = action
        self.operation = operation
        self.handler = handler
    }

    public func matches(path requestPath: String, action requestAction: String?) -> Bool {
        guard pathPrefix ? requestPath.hasPrefix(path) : requestPath == path else { return false }
        return action == nil || action == requestAction
    }
}

/// What an anonymous GET carries: its path, its query parameters, and the endpoint the client
/// called (as `Invocation.endpoint` works it out).
public struct AnonymousRequest: Sendable {
    public var path: String
    public var parameters: [String: String]
    public var endpoint: String
    public var requestId: String

    /// The parameters as an operation's input members, for the service's typed input shapes.
    public var members: [String: JSONValue] { parameters.mapValues { .string($0) } }

    public init(path: String, parameters: [String: String], endpoint: String, requestId: String) {
        self.path = path
        self.parameters = parameters
        self.endpoint = endpoint
        self.requestId = requestId
    }
}

/// How a service is reached and how its answers are written.
public enum WireFormat: Sendable {
    /// AWS JSON (1.1 unless `version` says 1.0): `POST /` with
    /// `X-Amz-Target: <targetPrefix>.<Operation>`. A service that moved from Query to JSON
    /// (`awsQueryCompatible` in its model, as SQS) names its errors' Query codes in `queryErrors`:
    /// each error then also carries `x-amzn-query-error: <QueryCode>;Sender|Receiver`, the code
    /// SDKs show their callers.
    case json(targetPrefix: String, version: JSONVersion = .version11, queryErrors: QueryErrorCodes? = nil)
    /// AWS Query: form-encoded `Action` and `Version` (body, or query string of a GET), XML
    /// answers in `xmlns`; `dialect` says where a service's Query differs from IAM's and STS's.
    case query(xmlns: String, version: String, dialect: QueryDialect = QueryDialect())
    /// REST-JSON: the operation is found by method and path (Lambda, the EBS direct APIs).
    case restJSON(routes: [RESTRoute])
    /// EC2's own query dialect: `Action` and `Version`, XML answers and `<Response><Errors>`.
    case ec2(xmlns: String, version: String)
}

/// Where a service's AWS Query protocol differs from the plain one IAM, STS and SNS speak.
public struct QueryDialect: Sendable {
    /// The Query codes (and statuses) of the service's errors, for a service whose handler throws
    /// its JSON protocol's codes (SQS: `QueueDoesNotExist` is `AWS.SimpleQueueService.NonExistentQueue`
    /// in Query). With them, validation failures keep their JSON code for this map to name
    /// (rather than becoming IAM's `ValidationError`).
    public var errorCodes: QueryErrorCodes?
    /// The input member the request's path stands for when the parameters leave it out: SQS's
    /// older clients post to the queue's URL (`/<account>/<queue>`) and send no `QueueUrl`. It is
    /// the endpoint the client called followed by the path.
    public var pathMember: String?
    /// Errors carry an empty `<Detail/>` after the message, as SQS's do.
    public var errorDetail: Bool

    public init(errorCodes: QueryErrorCodes? = nil, pathMember: String? = nil, errorDetail: Bool = false) {
        self.errorCodes = errorCodes
        self.pathMember = pathMember
        self.errorDetail = errorDetail
    }
}

/// Handles a service's validated calls. It knows nothing of HTTP: it gets the request's
/// members and the authenticated caller and returns the answer's body, or an AWS error.
public protocol OperationHandler: Sendable {
    func handle(_ call: Invocation) async throws(AWSError) -> Reply
}

/// The AWS JSON protocol's version: it names the `Content-Type` of requests and answers.
public enum JSONVersion: String, Sendable {
    case version10 = "1.0"
    case version11 = "1.1"

    public var contentType: String { "application/x-amz-json-\(rawValue)" }
}

/// The Query error codes of a JSON service that was a Query service first, by the JSON error
/// code (`__type`); a code not named is its own Query code.
public struct QueryErrorCodes: Sendable {
    public var codes: [String: String]
    /// The HTTP status of a Query answer, by JSON code, where it is not the error's own (the
    /// Query model's `httpStatusCode`: SQS's `OverLimit` is 403 there, 400 in JSON).
    public var queryStatuses: [String: Int]

    public init(_ codes: [String: String], queryStatuses: [String: Int] = [:]) {
        self.codes = codes
        self.queryStatuses = queryStatuses
    }

    /// The error as a Query answer names it.
    public func queryError(_ error: AWSError) -> AWSError {
        AWSError(
            code: codes[error.code] ?? error.code, message: error.message,
            httpStatus: queryStatuses[error.code] ?? error.httpStatus)
    }

    /// The `x-amzn-query-error` header's value for an error.
    public func header(code: String, httpStatus: Int) -> String {
        "\(codes[code] ?? code);\(httpStatus < 500 ? "Sender" : "Receiver")"
    }
}
