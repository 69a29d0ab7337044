/// Why a request's signature was refused, with AWS's message text. Messages never hold a
/// secret or the signature. The server maps ``Kind`` to each protocol's error code.
public struct SigV4Error: Error, Sendable, Hashable, CustomStringConvertible {
    /// The class of failure; each maps to one AWS error code per protocol.
    public enum Kind: Sendable, Hashable {
        /// No Authorization header and no presigned query parameters.
        case missingAuthentication
        /// The signature is malformed or lacks a part (a parameter, a required signed header).
        case incompleteSignature
        /// The signature does not match, or its scope date is not the request's date.
        case invalidSignature
        /// The request time is outside the allowed window.
        case signatureExpired
        /// The access key or security token is not known (decided by the caller).
        case unrecognizedClient
    }

    /// The class of failure.
    public let kind: Kind
    /// AWS's message for it.
    public let message: String

    /// An error of `kind` with `message`.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// `kind: message`.
    public var description: String { "\(kind): \(message)" }

    /// No signature at all: "Missing Authentication Token".
    public static let missingAuthentication = SigV4Error(kind: .missingAuthentication, message: "Missing Authentication Token")

    /// The signature does not match the one computed.
    public static let signatureDoesNotMatch = SigV4Error(
        kind: .invalidSignature,
        message: "The request signature we calculated does not match the signature you provided. "
            + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")

    /// A signed `x-amz-content-sha256` that is neither the body's hash nor `UNSIGNED-PAYLOAD`.
    public static let contentSHA256Mismatch = SigV4Error(
        kind: .invalidSignature, message: "The provided 'x-amz-content-sha256' header does not match what was computed.")

    /// An unknown access key or a wrong session token, as AWS words it.
    public static let unrecognizedClient = SigV4Error(
        kind: .unrecognizedClient, message: "The security token included in the request is invalid.")

    /// A malformed or incomplete signature.
    public static func incompleteSignature(_ message: String) -> SigV4Error {
        SigV4Error(kind: .incompleteSignature, message: message)
    }

    /// A signature that does not hold.
    public static func invalidSignature(_ message: String) -> SigV4Error {
        SigV4Error(kind: .invalidSignature, message: message)
    }

    /// A request outside its time window.
    public static func signatureExpired(_ message: String) -> SigV4Error {
        SigV4Error(kind: .signatureExpired, message: message)
    }

    /// The scope's date is not the request's: "Date in Credential scope does not match YYYYMMDD
    /// from ISO-8601 version of date from HTTP: 'scope' != 'request', from 'amzDate'."
    static func scopeDateMismatch(scopeDate: String, amzDate: String) -> SigV4Error {
        .invalidSignature(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '\(scopeDate)' != '\(amzDate.prefix(8))', from '\(amzDate)'."
        )
    }
}
