public import Foundation

/// A request's SigV4 signature, as read from its Authorization header or its presigned query
/// parameters by ``SigV4/parse(_:)``. Nothing in it is verified yet.
public struct SigV4Authorization: Sendable {
    /// The credential scope.
    public var scope: SigV4Scope
    /// The signed header names, lowercased, in the order listed.
    public var signedHeaders: [String]
    /// The signature, hex, as given.
    public var signature: String
    /// The request time: `X-Amz-Date` (header, or query parameter when presigned), else the `Date` header.
    public var requestTime: Date
    /// The request time as `yyyyMMdd'T'HHmmss'Z'`: the raw `X-Amz-Date`, or the `Date` header reformatted.
    public var amzDate: String
    /// `X-Amz-Security-Token` (header, or query parameter when presigned).
    public var securityToken: String?
    /// Whether the signature came from the query string (a presigned URL).
    public var isPresigned: Bool
    /// `X-Amz-Expires` of a presigned URL, in seconds; nil otherwise, or when the URL has none
    /// (then the 15-minute window applies).
    public var expiresSeconds: Int?

    /// An authorization from its parts.
    public init(
        scope: SigV4Scope, signedHeaders: [String], signature: String, requestTime: Date, amzDate: String,
        securityToken: String?, isPresigned: Bool, expiresSeconds: Int?
    ) {
        self.scope = scope
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.requestTime = requestTime
        self.amzDate = amzDate
        self.securityToken = securityToken
        self.isPresigned = isPresigned
        self.expiresSeconds = expiresSeconds
    }
}
