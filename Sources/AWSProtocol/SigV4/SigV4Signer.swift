import Crypto
public import Foundation

/// Signs requests with SigV4 Authorization headers, as the SDKs do for every service but S3.
/// Used by the `rampart` CLI to call its own server, and by tests.
public struct SigV4Signer: Sendable {
    /// The access key id put in the credential scope.
    public let accessKeyId: String
    private let secretAccessKey: String
    /// The session token sent as `X-Amz-Security-Token`, for temporary credentials.
    public let sessionToken: String?
    /// The region of the credential scope.
    public let region: String
    /// The service's signing name, e.g. `kms`.
    public let service: String

    /// A signer for one access key, region and service.
    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String?, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// Returns `headers` with `host` (when missing, from `url`: lowercase, without a default
    /// port), `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and `Authorization`
    /// added; previous `Authorization`, `X-Amz-Date` and (with a session token)
    /// `X-Amz-Security-Token` headers are replaced. Every resulting header is signed; nothing
    /// else (such as `x-amz-content-sha256`) is added. Send `url` and `body` unchanged.
    public func sign(
        method: String, url: URL, headers: [(name: String, value: String)], body: [UInt8], date: Date
    )
        -> [(name: String, value: String)]
    {
        var out = headers.filter { header in
            !SigV4Request.nameMatches(header.name, "authorization") && !SigV4Request.nameMatches(header.name, "x-amz-date")
                && !(sessionToken != nil && SigV4Request.nameMatches(header.name, "x-amz-security-token"))
        }
        let amzDate = AmzDate.format(date)
        if !out.contains(where: { SigV4Request.nameMatches($0.name, "host") }) {
            out.insert((name: "host", value: Self.hostHeader(for: url)), at: 0)
        }
        out.append((name: "X-Amz-Date", value: amzDate))
        if let sessionToken {
            out.append((name: "X-Amz-Security-Token", value: sessionToken))
        }

        let signedHeaders = Array(Set(out.map { $0.name.lowercased() })).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let path = components?.percentEncodedPath ?? ""
        let request = SigV4Request(
            method: method, path: path.isEmpty ? "/" : path, query: components?.percentEncodedQuery ?? "", headers: out,
            payloadSHA256: Hex.lowercase(SHA256.hash(data: body)))
        let scope = SigV4Scope(accessKeyId: accessKeyId, date: String(amzDate.prefix(8)), region: region, service: service)

        let payload = SigV4.signedPayloadHash(request, signedHeaders: signedHeaders, isPresigned: false)
        let canonical = SigV4.canonicalRequestBytes(
            request, signedHeaders: signedHeaders, isPresigned: false, payloadHash: payload.value)
        let toSign = SigV4.stringToSignBytes(canonicalRequestHash: SHA256.hash(data: canonical), amzDate: amzDate, scope: scope)
        let key = SigV4.signingKey(secretAccessKey: secretAccessKey, date: scope.date, region: region, service: service)
        let signature = Hex.lowercase(HMAC<SHA256>.authenticationCode(for: toSign, using: key))

        out.append(
            (
                name: "Authorization",
                value:
                    "\(SigV4.algorithm) Credential=\(accessKeyId)/\(scope.credentialScope), SignedHeaders=\(signedHeaders.joined(separator: ";")), Signature=\(signature)"
            ))
        return out
    }

    /// The `Host` header for `url` as botocore writes it: the host lowercased (IPv6 in
    /// brackets), with the port unless it is the scheme's default.
    static func hostHeader(for url: URL) -> String {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        var host = (components?.percentEncodedHost ?? url.host ?? "").lowercased()
        if host.contains(":"), !host.hasPrefix("[") { host = "[\(host)]" }
        if let port = components?.port ?? url.port {
            let scheme = (components?.scheme ?? url.scheme ?? "").lowercased()
            let isDefault = (scheme == "http" && port == 80) || (scheme == "https" && port == 443)
            if !isDefault { host += ":\(port)" }
        }
        return host
    }
}

extension SigV4Signer: CustomStringConvertible, CustomReflectable {
    /// The signer without its secret, so it can be printed or logged safely.
    public var description: String {
        "SigV4Signer(accessKeyId: \(accessKeyId), region: \(region), service: \(service), sessionToken: \(sessionToken == nil ? "none" : "(hidden)"))"
    }

    /// Reflection (`dump`, debuggers) without the secret or the session token.
    public var customMirror: Mirror {
        Mirror(self, children: ["accessKeyId": accessKeyId, "region": region, "service": service], displayStyle: .struct)
    }
}
