import AWSProtocol
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// How a service talks on the wire, and how its answers and errors are written.
enum WireProtocol: Sendable {
    /// AWS JSON 1.1 (`X-Amz-Target` dispatch).
    case json
    /// AWS Query with XML responses; `xmlns` names the service's namespace.
    case query(xmlns: String)

    func errorResponse(_ error: AWSError, requestId: String) -> Response {
        switch self {
        case .json:
            let body: JSONValue = ["__type": .string(error.code), "message": .string(error.message)]
            return Self.response(
                status: error.httpStatus, contentType: "application/x-amz-json-1.1", body: body.serialized(),
                requestId: requestId)
        case .query(let xmlns):
            let text = XMLWriter.errorResponse(error, requestId: requestId, xmlns: xmlns)
            return Self.response(status: error.httpStatus, contentType: "text/xml", body: Array(text.utf8), requestId: requestId)
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

    /// A Query-protocol success: `<XResponse><XResult>...</XResult><ResponseMetadata>`.
    static func queryResponse(action: String, xmlns: String, requestId: String, result: (inout XMLWriter) -> Void) -> Response {
        var w = XMLWriter()
        w.open("\(action)Response", xmlns: xmlns)
        w.element("\(action)Result", result)
        w.element("ResponseMetadata") { $0.element("RequestId", requestId) }
        w.close("\(action)Response")
        return response(status: 200, contentType: "text/xml", body: Array(w.text.utf8), requestId: requestId)
    }
}
