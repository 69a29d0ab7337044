import AWSProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceKit

/// How a service talks on the wire, and how its answers and errors are written.
enum WireProtocol: Sendable {
    /// AWS JSON (`X-Amz-Target` dispatch), 1.0 or 1.1; errors of a service that was a Query
    /// service first also carry their Query code in `x-amzn-query-error`.
    case json(JSONVersion, queryErrors: QueryErrorCodes?)
    /// AWS Query with XML responses; `xmlns` names the service's namespace, `dialect` its
    /// error codes and shape where they are not IAM's.
    case query(xmlns: String, dialect: QueryDialect = QueryDialect())
    /// REST-JSON: errors carry their code in `X-Amzn-ErrorType` and the body.
    case restJSON
    /// EC2's query dialect: errors as `<Response><Errors><Error>`.
    case ec2

    /// JSON 1.1, for answers given before the service is known.
    static let json11 = WireProtocol.json(.version11, queryErrors: nil)

    init(_ format: WireFormat) {
        switch format {
        case .json(_, let version, let queryErrors): self = .json(version, queryErrors: queryErrors)
        case .query(let xmlns, _, let dialect): self = .query(xmlns: xmlns, dialect: dialect)
        case .restJSON: self = .restJSON
        case .ec2: self = .ec2
        }
    }

    func errorResponse(_ error: AWSError, requestId: String) -> Response {
        switch self {
        case .json(let version, let queryErrors):
            let body: JSONValue = ["__type": .string(error.code), "message": .string(error.message)]
            var response = Self.response(
                status: error.httpStatus, contentType: version.contentType, body: body.serialized(), requestId: requestId)
            if let queryErrors {
                response.headers[HTTPField.Name("x-amzn-query-error")!] = queryErrors.header(
                    code: error.code, httpStatus: error.httpStatus)
            }
            return response
        case .restJSON:
            let body: JSONValue = ["__type": .string(error.code), "message": .string(error.message)]
            var response = Self.response(
                status: error.httpStatus, contentType: "application/json", body: body.serialized(), requestId: requestId)
            response.headers[HTTPField.Name("X-Amzn-ErrorType")!] = error.code
            return response
        case .query(let xmlns, let dialect):
            let named = dialect.errorCodes?.queryError(error) ?? error
            let text = XMLWriter.errorResponse(named, requestId: requestId, xmlns: xmlns, detail: dialect.errorDetail)
            return Self.response(status: named.httpStatus, contentType: "text/xml", body: Array(text.utf8), requestId: requestId)
        case .ec2:
            var w = XMLWriter()
            w.open("Response")
            w.element("Errors") { errors in
                errors.element("Error") { e in
                    e.element("Code", error.code)
                    e.element("Message", error.message)
                }
            }
            w.element("RequestID", requestId)
            w.close("Response")
            return Self.response(
                status: error.httpStatus, contentType: "text/xml", body: Array(w.text.utf8), requestId: requestId)
        }
    }

    /// A handler's answer on the wire. A structured result is JSON, or for Query services XML
    /// written from `model`'s output shape for `operation`.
    func success(_ reply: Reply, operation: String, model: ServiceModel, requestId: String) -> Response {
        switch reply {
        case .json(let value):
            switch self {
            case .query(let xmlns, _):
                let body = QueryResponseEncoder(model: model, xmlns: xmlns).encode(
                    operation: operation, result: value, requestId: requestId)
                return Self.response(status: 200, contentType: "text/xml", body: body, requestId: requestId)
            case .restJSON:
                // The model's status, header members and payload.
                let answer = RESTBinding.answer(model, operation: operation, result: value)
                var response = Self.response(
                    status: answer.status, contentType: answer.contentType, body: answer.body, requestId: requestId)
                for (name, value) in answer.headers {
                    if let field = HTTPField.Name(name) { response.headers[field] = value }
                }
                return response
            case .json(let version, _):
                return Self.response(
                    status: 200, contentType: version.contentType, body: value.serialized(), requestId: requestId)
            case .ec2:
                return Self.response(
                    status: 200, contentType: "application/x-amz-json-1.1", body: value.serialized(), requestId: requestId)
            }
        case .xml(let body):
            return Self.response(status: 200, contentType: "text/xml", body: body, requestId: requestId)
        case .rest(let status, let headers, let body, let contentType):
            var response = Self.response(status: status, contentType: contentType, body: body, requestId: requestId)
            for (name, value) in headers {
                if let field = HTTPField.Name(name) { response.headers[field] = value }
            }
            return response
        }
    }

    static func response(status: Int, contentType: String, body: [UInt8], requestId: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[HTTPField.Name("x-amzn-RequestId")!] = requestId
        headers[.contentLength] = String(body.count)
        return Response(
            status: HTTPResponse.Status(code: status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
