public import AWSProtocol
public import RampartCore
public import ServiceLifecycle

/// Everything the edge needs to serve one AWS service: how it is reached on the wire, its
/// model, what each operation is, who handles the calls, and what runs beside it.
///
/// A service module builds one from a `ServiceContext`; `RampartServer`'s service list holds
/// one line per service. The edge knows nothing else about a service: it routes on `wire`,
/// validates with `model`, authorizes and records with `operations`, and calls `handler`.
public struct ServiceDescriptor: Sendable {
    /// The SigV4 signing name, e.g. `kms`; also the service's name in the trail
    /// (`<signingName>.amazonaws.com`).
    public var signingName: String
    public var wire: WireFormat
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

    public init(
        signingName: String, wire: WireFormat, model: ServiceModel, operations: OperationTable,
        handler: any OperationHandler, auditing: (any CallAuditing)? = nil, backgroundServices: [any Service] = [],
        migrations: [SchemaMigration] = []
    ) {
        self.signingName = signingName
        self.wire = wire
        self.model = model
        self.operations = operations
        self.handler = handler
        self.auditing = auditing
        self.backgroundServices = backgroundServices
        self.migrations = migrations
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
    /// AWS Query: form-encoded `Action` and `Version`, XML answers in `xmlns`.
    case query(xmlns: String, version: String)
    /// REST-JSON: the operation is found by method and path (Lambda, the EBS direct APIs).
    case restJSON(routes: [RESTRoute])
    /// EC2's own query dialect: `Action` and `Version`, XML answers and `<Response><Errors>`.
    case ec2(xmlns: String, version: String)
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

    public init(_ codes: [String: String]) {
        self.codes = codes
    }

    /// The `x-amzn-query-error` header's value for an error.
    public func header(code: String, httpStatus: Int) -> String {
        "\(codes[code] ?? code);\(httpStatus < 500 ? "Sender" : "Receiver")"
    }
}
