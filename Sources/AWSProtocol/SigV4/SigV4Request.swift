/// What SigV4 verification reads from an HTTP request, as it arrived on the wire.
public struct SigV4Request: Sendable {
    /// The method, e.g. `POST`.
    public var method: String
    /// The path as received, still percent-encoded (`/`, `/a%20b`).
    public var path: String
    /// The query string as received, without `?`; may be empty.
    public var query: String
    /// The headers as received, in order; names in any case; a name may repeat. `host` included.
    public var headers: [(name: String, value: String)]
    /// Lowercase hex SHA-256 of the body.
    public var payloadSHA256: String

    public init(method: String, path: String, query: String, headers: [(name: String, value: String)], payloadSHA256: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.payloadSHA256 = payloadSHA256
    }

    /// The values of the header `name` (case-insensitive), in order.
    func values(of name: String) -> [String] {
        headers.filter { $0.name.lowercased() == name }.map(\.value)
    }

    func header(_ name: String) -> String? { values(of: name).first }

    /// The query's parameters, percent-decoded, in order.
    var queryParameters: [(name: String, value: String)] {
        query.split(separator: "&", omittingEmptySubsequences: true).map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return (
                PercentEncoding.decode(String(kv[0])),
                kv.count > 1 ? PercentEncoding.decode(String(kv[1])) : ""
            )
        }
    }
}

/// The credential scope of a signature: `AKID/yyyyMMdd/region/service/aws4_request`.
public struct SigV4Scope: Sendable, Hashable {
    public var accessKeyId: String
    public var date: String
    public var region: String
    public var service: String

    public init(accessKeyId: String, date: String, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.date = date
        self.region = region
        self.service = service
    }

    /// `date/region/service/aws4_request`.
    public var credentialScope: String { "\(date)/\(region)/\(service)/aws4_request" }
}
