public import AWSProtocol
public import Identity

/// One call, validated and authenticated, as a service's handler sees it.
public struct Invocation: Sendable {
    public var operation: String
    public var input: RequestInput
    public var caller: Caller
    public var requestId: String
    /// Members bound from the URI path (REST-JSON), by the model's `locationName`.
    public var pathParameters: [String: String]
    /// The endpoint the client called, as `http(s)://host[:port]`, for answers that name a URL
    /// of the service (SQS queue URLs); the handler sees no other part of the HTTP request.
    public var endpoint: String

    public init(
        operation: String, input: RequestInput, caller: Caller, requestId: String, pathParameters: [String: String] = [:],
        endpoint: String = "http://localhost"
    ) {
        self.operation = operation
        self.input = input
        self.caller = caller
        self.requestId = requestId
        self.pathParameters = pathParameters
        self.endpoint = endpoint
    }
}

/// A handler's answer, in its protocol's form. The edge adds the status, headers and request id.
public enum Reply: Sendable {
    /// A JSON body (JSON 1.0, 1.1 and REST-JSON).
    case json(JSONValue)
    /// A whole XML document (Query and EC2), written with `QueryReply`.
    case xml([UInt8])
    /// A REST-JSON answer with a status and headers of its own, and a raw or JSON body.
    case rest(status: Int, headers: [(String, String)], body: [UInt8], contentType: String)
}

/// Query-protocol answers: `<XResponse><XResult>…</XResult><ResponseMetadata>`.
public enum QueryReply {
    public static func make(action: String, xmlns: String, requestId: String, result: (inout XMLWriter) -> Void) -> Reply {
        var w = XMLWriter()
        w.open("\(action)Response", xmlns: xmlns)
        w.element("\(action)Result", result)
        w.element("ResponseMetadata") { $0.element("RequestId", requestId) }
        w.close("\(action)Response")
        return .xml(Array(w.text.utf8))
    }
}
