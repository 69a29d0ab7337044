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
    /// The Host the client called, as it sent it, and whether it called over TLS: read only
    /// through `endpoint`, so calls whose answers name no URL pay nothing for it.
    public var host: String?
    public var secure: Bool

    public init(
        operation: String, input: RequestInput, caller: Caller, requestId: String, pathParameters: [String: String] = [:],
        host: String? = nil, secure: Bool = false
    ) {
        self.operation = operation
        self.input = input
        self.caller = caller
        self.requestId = requestId
        self.pathParameters = pathParameters
        self.host = host
        self.secure = secure
    }

    /// The endpoint the client called, as `http(s)://host[:port]`, for answers that name a URL
    /// of the service (SQS queue URLs); the handler sees no other part of the HTTP request. The
    /// Host is used only when it is a plain host name or address with an optional port (anything
    /// else a caller could put there is not echoed back): `localhost` otherwise.
    public var endpoint: String { Self.endpoint(host: host, secure: secure) }

    /// `endpoint`'s rule, for requests that are not invocations (anonymous GETs).
    public static func endpoint(host: String?, secure: Bool) -> String {
        let scheme = secure ? "https" : "http"
        guard let host, !host.isEmpty, host.utf8.count <= 255,
            host.unicodeScalars.allSatisfy({
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                    || ".-:[]_".unicodeScalars.contains($0)
            })
        else { return "\(scheme)://localhost" }
        return "\(scheme)://\(host)"
    }
}

/// A handler's answer, in its protocol's form. The edge adds the status, headers and request id.
public enum Reply: Sendable {
    /// The operation's result, shaped like its output shape in the model (members by their
    /// model names). The edge writes it in the service's protocol: a JSON body (JSON 1.0, 1.1,
    /// REST-JSON) or AWS Query XML from the output shape; the trail records its members.
    case json(JSONValue)
    /// A whole XML document written by the service itself (EC2's dialect), with `QueryReply`.
    case xml([UInt8])
    /// A REST-JSON answer with a status and headers of its own, and a raw or JSON body.
    case rest(status: Int, headers: [(String, String)], body: [UInt8], contentType: String)
}

extension Reply {
    /// An operation's result as its generated output shape (`<Service>Shapes.<Output>`), whose
    /// members the compiler checks; encoded as `.json` is.
    @inlinable
    public static func output(_ shape: some OutputShape) -> Reply { .json(shape.jsonValue) }
}

/// Hand-written XML answers: `<XResponse><XResult>…</XResult><ResponseMetadata>`. Query
/// services answer `.json` instead, which the edge writes from the model and the trail records.
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
