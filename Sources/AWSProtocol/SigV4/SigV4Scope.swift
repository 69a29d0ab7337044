/// The credential scope of a signature, `AKID/yyyyMMdd/region/service/aws4_request`.
///
/// Parsing checks only its shape; whether the region and service are right for the endpoint,
/// and whether the access key exists, is for the caller to decide.
public struct SigV4Scope: Sendable, Hashable {
    /// The access key id the request claims.
    public var accessKeyId: String
    /// The signing date, `yyyyMMdd`.
    public var date: String
    /// The region the signature is scoped to, e.g. `us-east-1`.
    public var region: String
    /// The signing name of the service, e.g. `kms`.
    public var service: String

    /// A scope from its parts.
    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }

    /// `yyyyMMdd/region/service/aws4_request`, as the string to sign holds it.
    public var credentialScope: String { "\(date)/\(region)/\(service)/aws4_request" }
}
