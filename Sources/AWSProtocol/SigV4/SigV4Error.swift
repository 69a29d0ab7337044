/// Why a request's signature was refused. The message is AWS's; it never holds a secret or
/// the signature itself. The server maps the kind to each protocol's error code.
public struct SigV4Error: Error, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case missingAuthentication
        case incompleteSignature
        case invalidSignature
        case signatureExpired
        case unrecognizedClient
    }

    public let kind: Kind
    public let message: String

    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    public static let missingAuthentication = SigV4Error(kind: .missingAuthentication, message: "Missing Authentication Token")

    public static func incomplete(_ message: String) -> SigV4Error {
        SigV4Error(kind: .incompleteSignature, message: message)
    }

    public static let mismatch = SigV4Error(
        kind: .invalidSignature,
        message:
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )

    public static func invalid(_ message: String) -> SigV4Error {
        SigV4Error(kind: .invalidSignature, message: message)
    }

    public static func expired(_ message: String) -> SigV4Error {
        SigV4Error(kind: .signatureExpired, message: message)
    }

    public static func == (lhs: SigV4Error, rhs: SigV4Error) -> Bool { lhs.kind == rhs.kind }
}
