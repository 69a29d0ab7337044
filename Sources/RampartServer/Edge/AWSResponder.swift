import AWSProtocol
import Audit
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import Logging
import NIOCore
import RampartCore
import ServiceKit

/// The one responder behind the port: health check, then AWS dispatch. JSON calls go by
/// `X-Amz-Target`, the other protocols by the SigV4 scope's service (Query and EC2 by `Action`,
/// REST-JSON by method and path). Every call then takes the same way: authenticate, load the
/// caller's policies, validate, record, handle, record the outcome, encode.
struct AWSResponder: HTTPResponder {
    typealias Context = RampartRequestContext

    let services: ServiceRegistry
    let authenticator: Authenticator
    /// The identity policies and tags of an authenticated principal, for authorization.
    let principalContext: @Sendable (Caller) async -> PrincipalContext
    let recorder: AuditRecorder?
    let maxBodySize: Int
    let secure: Bool
    /// What each TLS connection negotiated, for the records' `tlsDetails`.
    let tlsSessions: TLSSessions?
    let logger: Logger

    init(
        services: [ServiceDescriptor], authenticator: Authenticator,
        principalContext: @escaping @Sendable (Caller) async -> PrincipalContext = { _ in PrincipalContext() },
        recorder: AuditRecorder? = nil,
        maxBodySize: Int, secure: Bool, tlsSessions: TLSSessions? = nil, logger: Logger
    ) {
        self.services = ServiceRegistry(services)
        self.tlsSessions = tlsSessions
        self.recorder = recorder
        self.principalContext = principalContext
        self.authenticator = authenticator
        self.maxBodySize = maxBodySize
        self.secure = secure
        self.logger = logger
    }

    /// What one request came to, for the log line. Only names the edge knows are put here (a
    /// served service and one of its operations), never text a caller sent.
    struct Summary {
        var service = "-"
        var operation = "-"
        var account = "-"
        var status = 200
        var errorCode: String?
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let requestId = UUIDText.random()
        var summary = Summary()
        let response = await dispatch(request, context: context, requestId: requestId, summary: &summary)
        summary.status = response.status.code
        let elapsed = ContinuousClock.now - started
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        logger.info(
            "request",
            metadata: [
                "service": .string(summary.service), "operation": .string(summary.operation),
                "status": .stringConvertible(summary.status), "latency_ms": .string(Self.milliseconds(micros)),
                "request_id": .string(requestId), "account": .string(LogText.escaped(summary.account)),
                "error": .string(LogText.escaped(summary.errorCode ?? "-")),
            ])
        return response
    }

    /// Microseconds as milliseconds with two decimals ("12.34"), without `String(format:)`,
    /// which cost 1% of a request.
    static func milliseconds(_ micros: Int64) -> String {
        let hundredths = (max(0, micros) + 5) / 10
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    /// Everything a request carries, read once.
    struct Incoming {
        var body: [UInt8]
        var sigv4: SigV4Request
        var userAgent: String?
        var tls: AuditTLSDetails?
        var sourceIP: String
        /// The Host the client called, for answers that name the endpoint (`Invocation.endpoint`).
        var host: String?
    }

    private func dispatch(_ request: Request, context: Context, requestId: String, summary: inout Summary) async -> Response {
        if request.method == .get, request.uri.path == "/_rampart/health" {
            summary.service = "rampart"
            summary.operation = "Health"
            return WireProtocol.response(
                status: 200, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8), requestId: requestId)
        }
        if request.method == .get, request.uri.path == "/_rampart/metrics" {
            summary.service = "rampart"
            summary.operation = "Metrics"
            // Counts name rules and subscriptions: only a caller on this machine sees them.
            guard Self.isLoopback(context.sourceIP) else {
                return WireProtocol.response(
                    status: 403, contentType: "text/plain", body: Array("metrics are served to loopback callers only\n".utf8),
                    requestId: requestId)
            }
            return WireProtocol.response(
                status: 200, contentType: MetricsExposition.contentType, body: MetricsExposition.render(), requestId: requestId)
        }
        if request.method == .get, !services.anonymous.isEmpty, let response = await anonymous(request, requestId, &summary) {
            return response
        }
        let target = request.headers[HTTPField.Name("x-amz-target")!]
        let wireForErrors: WireProtocol = target != nil ? .json11 : .query(xmlns: "https://sts.amazonaws.com/doc/2011-06-15/")

        // Body, within the limit: an AWS-shaped 413, never a dropped connection. The limit is the
        // server's, or the larger one the called service declares (named by the headers, before
        // any byte of the body is read); each service's own is checked again once it is known.
        let ceiling = requestLimit(target: target, request)
        if let length = request.headers[.contentLength].flatMap(Int.init), length > ceiling {
            return wireForErrors.refuse(.requestTooLarge(limit: ceiling), requestId: requestId, summary: &summary)
        }
        var mutable = request
        let body: [UInt8]
        do {
            let buffer = try await mutable.collectBody(upTo: ceiling)
            body = Array(buffer.readableBytesView)
        } catch {
            return wireForErrors.refuse(.requestTooLarge(limit: ceiling), requestId: requestId, summary: &summary)
        }
        let incoming = Incoming(
            body: body,
            sigv4: Authenticator.sigV4Request(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "",
                head: request.head, body: body),
            userAgent: request.headers[.userAgent], tls: tlsDetails(request, context: context), sourceIP: context.sourceIP,
            host: request.head.authority)

        if let target {
            return await dispatchJSON(target: target, incoming, requestId: requestId, summary: &summary)
        }
        return await dispatchScoped(request: request, incoming, requestId: requestId, summary: &summary)
    }

    /// The most body the request may carry: the server's limit, or the larger one its service
    /// declares, the service found by `X-Amz-Target` or by the SigV4 credential's scope.
    private func requestLimit(target: String?, _ request: Request) -> Int {
        guard services.largestRequestBytes > maxBodySize else { return maxBodySize }
        var entry: ServiceRegistry.Entry?
        if let target, let dot = target.lastIndex(of: ".") {
            entry = services.byTargetPrefix[String(target[..<dot])]?.entry
        } else if let credential = request.headers[.authorization].flatMap(Self.credentialScopeService)
            ?? QueryRequest(formEncoded: request.uri.query ?? "")["X-Amz-Credential"].flatMap(Self.credentialScopeService)
        {
            entry = services.bySigningName[credential]?.entry
        }
        return max(maxBodySize, entry?.descriptor.maxRequestBytes ?? 0)
    }

    /// The service of a SigV4 credential (`AKID/date/region/service/aws4_request`), as found in an
    /// `Authorization` header or an `X-Amz-Credential` parameter.
    static func credentialScopeService(_ text: String) -> String? {
        let credential: Substring
        if let range = text.range(of: "Credential=") {
            credential = text[range.upperBound...].prefix { $0 != "," && $0 != " " }
        } else {
            credential = Substring(text)
        }
        let parts = credential.split(separator: "/")
        return parts.count == 5 ? String(parts[3]) : nil
    }

    /// A 413 when the body is over what `entry` takes (its own limit, or the server's).
    private func bodyLimit(_ incoming: Incoming, _ entry: ServiceRegistry.Entry) -> AWSError? {
        let limit = max(maxBodySize, entry.descriptor.maxRequestBytes ?? 0)
        return incoming.body.count > limit ? .requestTooLarge(limit: limit) : nil
    }

    /// An unsigned GET a service answers without SigV4 (`ServiceDescriptor.anonymousRoutes`),
    /// or nil when the request is signed or no route matches, for the usual way.
    private func anonymous(_ request: Request, _ requestId: String, _ summary: inout Summary) async -> Response? {
        let query = QueryRequest(formEncoded: request.uri.query ?? "")
        guard request.headers[.authorization] == nil, query["X-Amz-Signature"] == nil, query["X-Amz-Credential"] == nil,
            let found = services.anonymousRoute(path: request.uri.path, action: query.action)
        else { return nil }
        let (route, entry) = found
        summary.service = entry.signingName
        summary.operation = route.operation
        let incoming = AnonymousRequest(
            path: request.uri.path, parameters: query.parameters,
            endpoint: Invocation.endpoint(host: request.head.authority, secure: secure), requestId: requestId)
        do {
            let reply = try await route.handler(incoming)
            return entry.wire.success(
                reply, operation: route.operation, model: entry.descriptor.model, requestId: requestId)
        } catch {
            return entry.wire.refuse(error, requestId: requestId, summary: &summary)
        }
    }

    /// The record's `tlsDetails`: what the connection's handshake negotiated, and the Host header.
    private func tlsDetails(_ request: Request, context: Context) -> AuditTLSDetails? {
        guard secure, let negotiated = tlsSessions?.negotiated(context.connection) else { return nil }
        return AuditTLSDetails(
            tlsVersion: negotiated.version, cipherSuite: negotiated.cipherSuite,
            clientProvidedHostHeader: request.head.authority)
    }

    /// A JSON body: an empty one (or only white space) is an empty structure, as AWS reads it.
    static func jsonBody(_ body: [UInt8]) -> (JSONValue?, AWSError?) {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return (.object([:]), nil) }
        do {
            return (try JSONParser.parse(body), nil)
        } catch {
            return (nil, .serialization(error.message))
        }
    }

    /// Authenticates for `entry` and loads the caller's policies and tags.
    private func authenticate(
        _ incoming: Incoming, for entry: ServiceRegistry.Entry, wire: WireProtocol, summary: inout Summary
    ) async -> Result<Caller, AWSError> {
        let outcome = await authenticator.authenticate(
            incoming.sigv4, service: entry.signingName, wire: wire, sourceIP: incoming.sourceIP,
            userAgent: incoming.userAgent, secure: secure)
        guard var caller = outcome.caller else { return .failure(outcome.error ?? .internalFailure()) }
        summary.account = caller.accountId
        let context = await principalContext(caller)
        caller.identityPolicies = context.policies
        caller.principalTags = context.tags
        caller.permissionsBoundary = context.permissionsBoundary
        return .success(caller)
    }

    private func dispatchJSON(
        target: String, _ incoming: Incoming, requestId: String, summary: inout Summary
    ) async
        -> Response
    {
        var wire = WireProtocol.json11
        // The operation follows the last dot; the prefix may hold dots of its own
        // (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`).
        guard let dot = target.lastIndex(of: "."), let reached = services.byTargetPrefix[String(target[..<dot])] else {
            return wire.refuse(.unknownOperation(target), requestId: requestId, summary: &summary)
        }
        let entry = reached.entry
        let operation = String(target[target.index(after: dot)...])
        summary.service = entry.signingName
        wire = reached.wire
        if let tooLarge = bodyLimit(incoming, entry) {
            return wire.refuse(tooLarge, requestId: requestId, summary: &summary)
        }
        let caller: Caller
        switch await authenticate(incoming, for: entry, wire: wire, summary: &summary) {
        case .success(let c): caller = c
        case .failure(let error): return wire.refuse(error, requestId: requestId, summary: &summary)
        }
        guard let traits = entry.descriptor.operations[operation] else {
            return wire.refuse(.unknownOperation(target), requestId: requestId, summary: &summary)
        }
        summary.operation = operation
        let (document, parseError) = Self.jsonBody(incoming.body)
        return await perform(
            entry, operation: operation, traits: traits, wire: wire, caller: caller, document: document,
            requestId: requestId, tls: incoming.tls, host: incoming.host, summary: &summary
        ) { document throws(AWSError) in
            if let parseError { throw parseError }
            return try entry.validator.validate(operation: operation, input: document ?? .object([:]))
        }
    }

    /// Query, EC2 and REST-JSON calls: the SigV4 scope names the service. A JSON body without
    /// `X-Amz-Target` to a service that also speaks another format (SQS) is a JSON call that
    /// names no operation, answered in JSON.
    private func dispatchScoped(
        request: Request, _ incoming: Incoming, requestId: String, summary: inout Summary
    ) async
        -> Response
    {
        let scopeService = Authenticator.scope(of: incoming.sigv4)?.service
        guard let reached = scopeService.flatMap({ services.bySigningName[$0] }) else {
            let wire = WireProtocol.query(xmlns: "https://sts.amazonaws.com/doc/2011-06-15/")
            if scopeService == nil {
                // Nothing says which service: the usual answer to an unsigned or unknown request.
                let outcome = await authenticator.authenticate(
                    incoming.sigv4, service: "sts", wire: wire, sourceIP: incoming.sourceIP, userAgent: incoming.userAgent,
                    secure: secure)
                let error =
                    outcome.error ?? AWSError(code: "InvalidAction", message: "The action is not valid for this endpoint.")
                return wire.refuse(error, requestId: requestId, summary: &summary)
            }
            summary.errorCode = "UnknownService"
            return wire.errorResponse(
                AWSError(code: "InvalidAction", message: "Service \(scopeService!) is not available on this endpoint."),
                requestId: requestId)
        }
        if let json = reached.entry.jsonWire,
            request.headers[.contentType]?.lowercased().hasPrefix("application/x-amz-json") == true
        {
            summary.service = reached.entry.signingName
            return json.refuse(.unknownOperation("(no X-Amz-Target)"), requestId: requestId, summary: &summary)
        }
        if let tooLarge = bodyLimit(incoming, reached.entry) {
            summary.service = reached.entry.signingName
            return reached.wire.refuse(tooLarge, requestId: requestId, summary: &summary)
        }
        switch reached.format {
        case .restJSON(let routes):
            return await dispatchREST(
                request: request, incoming, entry: reached.entry, routes: routes, requestId: requestId, summary: &summary)
        case .query(_, let version, let dialect):
            return await dispatchQuery(
                request: request, incoming, reached: reached, version: version, dialect: dialect, requestId: requestId,
                summary: &summary)
        case .ec2(_, let version):
            return await dispatchQuery(
                request: request, incoming, reached: reached, version: version, dialect: QueryDialect(),
                requestId: requestId, summary: &summary)
        case .json:
            // Only JSON formats are found by X-Amz-Target; none is registered by signing name.
            return WireProtocol.json11.refuse(
                .unknownOperation("(no X-Amz-Target)"), requestId: requestId, summary: &summary)
        }
    }

    private func dispatchQuery(
        request: Request, _ incoming: Incoming, reached: ServiceRegistry.Reached, version: String, dialect: QueryDialect,
        requestId: String, summary: inout Summary
    ) async -> Response {
        var parameters = QueryRequest(formEncoded: String(decoding: incoming.body, as: UTF8.self))
        parameters.merge(QueryRequest(formEncoded: request.uri.query ?? ""))
        let entry = reached.entry
        let wire = reached.wire
        summary.service = entry.signingName
        let caller: Caller
        switch await authenticate(incoming, for: entry, wire: wire, summary: &summary) {
        case .success(let c): caller = c
        case .failure(let error): return wire.refuse(error, requestId: requestId, summary: &summary)
        }
        guard let action = parameters.action else {
            return wire.refuse(
                AWSError(code: "MissingAction", message: "Missing Action"), requestId: requestId, summary: &summary)
        }
        // Every Query API is versioned, and an operation exists only in its version, as AWS answers.
        if let given = parameters.version, given != version {
            return wire.refuse(
                AWSError(code: "InvalidAction", message: "Could not find operation \(action) for version \(given)"),
                requestId: requestId, summary: &summary)
        }
        guard let traits = entry.descriptor.operations[action] else {
            return wire.refuse(
                AWSError(code: "InvalidAction", message: "Could not find operation \(action) for version \(version)"),
                requestId: requestId, summary: &summary)
        }
        summary.operation = action
        if let member = dialect.pathMember, parameters[member] == nil, request.uri.path.count > 1,
            let input = entry.descriptor.model.operations[action] ?? nil,
            entry.descriptor.model.shapes[input]?.members[member] != nil
        {
            parameters[member] = Invocation.endpoint(host: incoming.host, secure: secure) + request.uri.path
        }
        // Validation failures keep their JSON code when the dialect names the service's codes.
        let renamesValidation = dialect.errorCodes == nil
        let document = try? entry.queryDecoder.decode(action: action, request: parameters)
        return await perform(
            entry, operation: action, traits: traits, wire: wire, caller: caller, document: document, requestId: requestId,
            tls: incoming.tls, host: incoming.host, summary: &summary
        ) { _ throws(AWSError) in
            do {
                return try entry.validator.validate(
                    operation: action, input: try entry.queryDecoder.decode(action: action, request: parameters))
            } catch let error as AWSError {
                // Query services name their validation failures ValidationError.
                guard renamesValidation, error.code == "ValidationException" || error.code == "SerializationException"
                else { throw error }
                throw AWSError(code: "ValidationError", message: error.message, httpStatus: 400)
            } catch {
                throw AWSError(code: "ValidationError", message: "The request could not be read.", httpStatus: 400)
            }
        }
    }

    private func dispatchREST(
        request: Request, _ incoming: Incoming, entry: ServiceRegistry.Entry, routes: [RESTRoute], requestId: String,
        summary: inout Summary
    ) async -> Response {
        let wire = WireProtocol.restJSON
        summary.service = entry.signingName
        let caller: Caller
        switch await authenticate(incoming, for: entry, wire: wire, summary: &summary) {
        case .success(let c): caller = c
        case .failure(let error): return wire.refuse(error, requestId: requestId, summary: &summary)
        }
        let method = request.method.rawValue
        let path = request.uri.path
        let query = request.uri.query ?? ""
        var found: (route: RESTRoute, bound: [String: String])?
        for route in routes {
            if let bound = route.match(method: method, path: path, query: query) {
                found = (route, bound)
                break
            }
        }
        guard let (route, bound) = found, let traits = entry.descriptor.operations[route.operation] else {
            let error = AWSError(
                code: "UnknownOperationException", message: "No operation is served at this method and path.", httpStatus: 404)
            return wire.refuse(error, requestId: requestId, summary: &summary)
        }
        summary.operation = route.operation
        let model = entry.descriptor.model
        // A raw payload (Lambda's Invoke) is the body as sent; otherwise the body is JSON.
        let raw = RESTBinding.takesRawBody(model, operation: route.operation)
        let (body, parseError) = raw ? (nil, nil) : Self.jsonBody(incoming.body)
        let headers = request.headers
        let document: JSONValue? =
            parseError != nil
            ? nil
            : RESTBinding.input(
                model, operation: route.operation, body: body, rawBody: raw ? incoming.body : [], uri: bound, query: query,
                header: { name in HTTPField.Name(name).flatMap { headers[$0] } })
        return await perform(
            entry, operation: route.operation, traits: traits, wire: wire, caller: caller, document: document,
            requestId: requestId, tls: incoming.tls, host: incoming.host, pathParameters: bound, summary: &summary
        ) { document throws(AWSError) in
            if let parseError { throw parseError }
            return try entry.validator.validate(operation: route.operation, input: document ?? .object([:]))
        }
    }

    /// The pipeline every protocol shares once the operation is known: refuse while the trail
    /// cannot record, record the call's start, validate, run it, record how it ended (a change's
    /// record is committed before the caller hears back), encode the answer or the error.
    private func perform(
        _ entry: ServiceRegistry.Entry, operation: String, traits: OperationTraits, wire: WireProtocol, caller: Caller,
        document: JSONValue?, requestId: String, tls: AuditTLSDetails?, host: String?,
        pathParameters: [String: String] = [:], summary: inout Summary,
        validate: (JSONValue?) throws(AWSError) -> RequestInput
    ) async -> Response {
        if let recorder, recorder.trail.isRefusingCalls {
            let error = AWSError(
                code: "ServiceUnavailableException",
                message: "The audit trail cannot record calls at the moment; retry later.", httpStatus: 503)
            return wire.refuse(error, requestId: requestId, summary: &summary)
        }
        let call = await recorder?.begin(
            entry.descriptor, operation: operation, traits: traits, caller: caller, requestId: requestId, input: document,
            tls: tls)
        let result: Result<Reply, AWSError>
        do {
            let input = try validate(document)
            let invocation = Invocation(
                operation: operation, input: input, caller: caller, requestId: requestId, pathParameters: pathParameters,
                host: host, secure: secure)
            let handler = entry.descriptor.handler
            result = .success(
                try await PendingAuditRecord.$current.withValue(call?.pending) {
                    try await CallNotes.$current.withValue(call?.notes) {
                        try await handler.handle(invocation)
                    }
                })
        } catch let error as AWSError {
            result = .failure(error)
        } catch {
            logger.error(
                "unexpected error", metadata: ["request_id": .string(requestId), "error": .string("\(type(of: error))")])
            result = .failure(AWSError.internalFailure())
        }
        if let recorder, let call {
            var response: JSONValue?
            if case .success(.json(let value)) = result { response = value }
            await recorder.finish(call, response: response, error: result.failure)
        }
        switch result {
        case .success(let reply):
            return wire.success(reply, operation: operation, model: entry.descriptor.model, requestId: requestId)
        case .failure(let error):
            return wire.refuse(error, requestId: requestId, summary: &summary)
        }
    }
}

/// Text for a log line that a caller may have had a hand in: control characters (a newline
/// would start a forged line), quotes and backslashes are escaped.
enum LogText {
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "\\" || $0 == "\"" })
        else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension WireProtocol {
    /// The error's answer, noted in the request's log summary.
    func refuse(_ error: AWSError, requestId: String, summary: inout AWSResponder.Summary) -> Response {
        summary.errorCode = error.code
        return errorResponse(error, requestId: requestId)
    }
}
