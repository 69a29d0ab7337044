/// An error as AWS puts it on the wire: an error code (`__type` in JSON, `Code` in XML), a
/// message for the caller, and the HTTP status.
///
/// Service modules add their own errors as static factories in extensions, so every error a
/// client can see is named once, with AWS's code and status. Two errors are equal when their
/// codes are, so tests and callers match on the kind, never on the wording.
public struct AWSError: Error, Sendable, Hashable, CustomStringConvertible {
    /// AWS's error code, e.g. `NotFoundException`.
    public let code: String
    /// The message shown to the caller. Never holds secret material.
    public let message: String
    /// The HTTP status AWS answers with.
    public let httpStatus: Int

    public init(code: String, message: String, httpStatus: Int = 400) {
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
    }

    /// Whether the caller is at fault (4xx) rather than the server (5xx, which SDKs retry).
    public var isSenderFault: Bool { httpStatus < 500 }

    public var description: String { "\(code): \(message)" }

    public static func == (lhs: AWSError, rhs: AWSError) -> Bool { lhs.code == rhs.code }
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }
}

extension AWSError {
    /// The request does not match the model's constraints; `violations` are AWS's sentences.
    public static func validation(_ violations: [String]) -> AWSError {
        let count = violations.count
        let noun = count == 1 ? "validation error" : "validation errors"
        return AWSError(
            code: "ValidationException",
            message: "\(count) \(noun) detected: " + violations.joined(separator: "; ")
        )
    }

    /// A ValidationException with a message of the service's own.
    public static func validation(message: String) -> AWSError {
        AWSError(code: "ValidationException", message: message)
    }

    /// The body is not well-formed for the protocol (bad JSON, wrong types, bad base64).
    public static func serialization(_ message: String) -> AWSError {
        AWSError(code: "SerializationException", message: message)
    }

    public static func unknownOperation(_ target: String) -> AWSError {
        AWSError(code: "UnknownOperationException", message: "Unknown operation \(target)")
    }

    public static func accessDenied(_ message: String) -> AWSError {
        AWSError(code: "AccessDeniedException", message: message)
    }

    public static func requestTooLarge(limit: Int) -> AWSError {
        AWSError(
            code: "RequestEntityTooLargeException",
            message: "Request body is larger than the limit of \(limit) bytes",
            httpStatus: 413
        )
    }

    /// A fault of ours. The message is generic on purpose: details go to the server log only.
    public static func internalFailure(_ code: String = "InternalFailure") -> AWSError {
        AWSError(
            code: code, message: "The request processing has failed because of an unknown error, exception or failure.",
            httpStatus: 500)
    }

    /// The store could not take a write (disk full, read-only); a retry may succeed later.
    public static func serviceUnavailable(_ message: String = "Service is temporarily unable to handle the request") -> AWSError {
        AWSError(code: "ServiceUnavailable", message: message, httpStatus: 503)
    }
}
