import AWSProtocol
import Audit
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import KMS
import Logging
import NIOCore
import RampartCore

/// The one responder behind the port: health check, then AWS dispatch. JSON calls go by
/// `X-Amz-Target`, Query calls by `Action` and the SigV4 scope's service.
struct AWSResponder: HTTPResponder {
    typealias Context = RampartRequestContext

    let jsonServices: [String: any JSONServiceAPI]
    let queryServices: [String: any QueryServiceAPI]
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
        jsonServices: [any JSONServiceAPI], queryServices: [any QueryServiceAPI], authenticator: Authenticator,
        principalContext: @escaping @Sendable (Caller) async -> PrincipalContext = { _ in PrincipalContext() },
        recorder: AuditRecorder? = nil,
        maxBodySize: Int, secure: Bool, tlsSessions: TLSSessions? = nil, logger: Logger
    ) {
        self.tlsSessions = tlsSessions
        self.recorder = recorder
        self.principalContext = principalContext
        self.jsonServices = Dictionary(uniqueKeysWithValues: jsonServices.map { ($0.targetPrefix, $0) })
        self.queryServices = Dictionary(uniqueKeysWithValues: queryServices.map { ($0.signingName, $0) })
        self.authenticator = authenticator
        self.maxBodySize = maxBodySize
        self.secure = secure
        self.logger = logger
    }

    /// What one request came to, for the log line.
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
                "request_id": .string(requestId), "account": .string(summary.account),
                "error": .string(summary.errorCode ?? "-"),
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

    private func dispatch(_ request: Request, context: Context, requestId: String, summary: inout Summary) async -> Response {
        if request.method == .get, request.uri.path == "/_rampart/health" {
            summary.service = "rampart"
            summary.operation = "Health"
            return WireProtocol.response(
                status: 200, contentType: "application/json", body: Array(#"{"status":"ok"}"#.utf8), requestId: requestId)
        }
        let target = request.headers[HTTPField.Name("x-amz-target")!]
        let wireForErrors: WireProtocol = target != nil ? .json : .query(xmlns: "https://sts.amazonaws.com/doc/2011-06-15/")

        // Body, within the limit: an AWS-shaped 413, never a dropped connection.
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodySize {
            summary.errorCode = "RequestEntityTooLargeException"
            return wireForErrors.errorResponse(.requestTooLarge(limit: maxBodySize), requestId: requestId)
        }
        var mutable = request
        let body: [UInt8]
        do {
            let buffer = try await mutable.collectBody(upTo: maxBodySize)
            body = Array(buffer.readableBytesView)
        } catch {
            summary.errorCode = "RequestEntityTooLargeException"
            return wireForErrors.errorResponse(.requestTooLarge(limit: maxBodySize), requestId: requestId)
        }
        let sigv4 = Authenticator.sigV4Request(
            method: request.method.rawValue, path: request.uri.path, query: request.uri.query ?? "", head: request.head,
            body: body)
        let userAgent = request.headers[.userAgent]
        let tls = tlsDetails(request, context: context)

        if let target {
            return await dispatchJSON(
                target: target, body: body, sigv4: sigv4, context: context, userAgent: userAgent, tls: tls,
                requestId: requestId, summary: &summary)
        }
        return await dispatchQuery(
            request: request, body: body, sigv4: sigv4, context: context, userAgent: userAgent, tls: tls,
            requestId: requestId, summary: &summary)
    }

    /// The record's `tlsDetails`: what the connection's handshake negotiated, and the Host header.
    private func tlsDetails(_ request: Request, context: Context) -> AuditTLSDetails? {
        guard secure, let negotiated = tlsSessions?.negotiated(context.connection) else { return nil }
        return AuditTLSDetails(
            tlsVersion: negotiated.version, cipherSuite: negotiated.cipherSuite,
            clientProvidedHostHeader: request.head.authority)
    }

    private func dispatchJSON(
        target: String, body: [UInt8], sigv4: SigV4Request, context: Context, userAgent: String?, tls: AuditTLSDetails?,
        requestId: String, summary: inout Summary
    ) async -> Response {
        let wire = WireProtocol.json
        // The operation follows the last dot; the prefix may hold dots of its own
        // (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents`).
        guard let dot = target.lastIndex(of: "."), let api = jsonServices[String(target[..<dot])] else {
            summary.errorCode = "UnknownOperationException"
            return wire.errorResponse(.unknownOperation(target), requestId: requestId)
        }
        let operation = String(target[target.index(after: dot)...])
        summary.service = api.signingName
        summary.operation = operation
        let outcome = await authenticator.authenticate(
            sigv4, service: api.signingName, wire: wire, sourceIP: context.sourceIP, userAgent: userAgent, secure: secure)
        guard var caller = outcome.caller else {
            let error = outcome.error ?? .internalFailure()
            summary.errorCode = error.code
            return wire.errorResponse(error, requestId: requestId)
        }
        summary.account = caller.accountId
        let context = await principalContext(caller)
        caller.identityPolicies = context.policies
        caller.principalTags = context.tags
        guard api.validator.model.operations[operation] != nil else {
            summary.errorCode = "UnknownOperationException"
            return wire.errorResponse(.unknownOperation(target), requestId: requestId)
        }
        var document: JSONValue?
        var call: AuditRecorder.Call?
        let result: Result<JSONValue, AWSError>
        do {
            if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                document = .object([:])
            } else {
                do {
                    document = try JSONParser.parse(body)
                } catch {
                    throw AWSError.serialization(error.message)
                }
            }
            let input = try api.validator.validate(operation: operation, input: document!)
            call = recorder?.begin(
                service: api.signingName, operation: operation, caller: caller, requestId: requestId, input: document,
                model: api.validator.model, tls: tls)
            result = .success(
                try await PendingAuditRecord.$current.withValue(call?.pending) {
                    try await KMSCallNotes.$current.withValue(call?.notes) {
                        try await api.handle(operation: operation, input: input, caller: caller, requestId: requestId)
                    }
                })
        } catch let error as AWSError {
            result = .failure(error)
        } catch {
            logger.error(
                "unexpected error", metadata: ["request_id": .string(requestId), "error": .string("\(type(of: error))")])
            result = .failure(AWSError.internalFailure())
        }
        // A change's record is committed before the caller hears back.
        if let recorder {
            let call =
                call
                ?? recorder.begin(
                    service: api.signingName, operation: operation, caller: caller, requestId: requestId, input: document,
                    model: api.validator.model, tls: tls)
            await recorder.finish(call, response: try? result.get(), error: result.failure)
        }
        switch result {
        case .success(let body):
            return WireProtocol.response(
                status: 200, contentType: "application/x-amz-json-1.1", body: body.serialized(), requestId: requestId)
        case .failure(let error):
            summary.errorCode = error.code
            return wire.errorResponse(error, requestId: requestId)
        }
    }

    private func dispatchQuery(
        request: Request, body: [UInt8], sigv4: SigV4Request, context: Context, userAgent: String?,
        tls: AuditTLSDetails?, requestId: String, summary: inout Summary
    ) async -> Response {
        var parameters = QueryRequest(formEncoded: String(decoding: body, as: UTF8.self))
        parameters.merge(QueryRequest(formEncoded: request.uri.query ?? ""))
        let scopeService = Authenticator.scope(of: sigv4)?.service
        let api = scopeService.flatMap { queryServices[$0] }
        let wire = WireProtocol.query(xmlns: api?.xmlns ?? "https://sts.amazonaws.com/doc/2011-06-15/")
        guard let api else {
            if scopeService == nil {
                // Nothing says which service: the usual answer to an unsigned or unknown request.
                let outcome = await authenticator.authenticate(
                    sigv4, service: "sts", wire: wire, sourceIP: context.sourceIP, userAgent: userAgent, secure: secure)
                let error =
                    outcome.error ?? AWSError(code: "InvalidAction", message: "The action is not valid for this endpoint.")
                summary.errorCode = error.code
                return wire.errorResponse(error, requestId: requestId)
            }
            summary.errorCode = "UnknownService"
            return wire.errorResponse(
                AWSError(code: "InvalidAction", message: "Service \(scopeService!) is not available on this endpoint."),
                requestId: requestId)
        }
        summary.service = api.signingName
        summary.operation = parameters.action ?? "-"
        let outcome = await authenticator.authenticate(
            sigv4, service: api.signingName, wire: wire, sourceIP: context.sourceIP, userAgent: userAgent, secure: secure)
        guard var caller = outcome.caller else {
            let error = outcome.error ?? .internalFailure()
            summary.errorCode = error.code
            return wire.errorResponse(error, requestId: requestId)
        }
        summary.account = caller.accountId
        let context = await principalContext(caller)
        caller.identityPolicies = context.policies
        caller.principalTags = context.tags
        guard let action = parameters.action else {
            summary.errorCode = "MissingAction"
            return wire.errorResponse(AWSError(code: "MissingAction", message: "Missing Action"), requestId: requestId)
        }
        let call =
            api.model.operations[action] == nil
            ? nil
            : recorder?.begin(
                service: api.signingName, operation: action, caller: caller, requestId: requestId,
                input: try? QueryDecoder(model: api.model).decode(action: action, request: parameters), model: api.model,
                tls: tls)
        let handled: Result<Response, AWSError>
        do {
            handled = .success(
                try await PendingAuditRecord.$current.withValue(call?.pending) {
                    try await api.handle(action: action, request: parameters, caller: caller, requestId: requestId)
                })
        } catch let error as AWSError {
            handled = .failure(error)
        } catch {
            handled = .failure(.internalFailure())
        }
        if let call { await recorder?.finish(call, response: nil, error: handled.failure) }
        switch handled {
        case .success(let response):
            return response
        case .failure(let error):
            summary.errorCode = error.code
            return wire.errorResponse(error, requestId: requestId)
        }
    }
}
