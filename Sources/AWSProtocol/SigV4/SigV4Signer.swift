import Crypto
public import Foundation

/// Signs requests the way the SDKs do: used by the `rampart` CLI to call its own server, and by tests.
public struct SigV4Signer: Sendable {
    public let accessKeyId: String
    let secretAccessKey: String
    public let sessionToken: String?
    public let region: String
    public let service: String

    public init(accessKeyId: String, secretAccessKey: String, sessionToken: String?, region: String, service: String) {
        self.accessKeyId = accessKeyId
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.region = region
        self.service = service
    }

    /// Returns `headers` plus `host` (if missing), `X-Amz-Date`, `X-Amz-Security-Token` (with a
    /// session) and `Authorization`, signing every header given.
    public func sign(method: String, url: URL, headers: [(name: String, value: String)], body: [UInt8], date: Date)
        -> [(name: String, value: String)]
    {
        var out = headers
        let amzDate = SigV4.formatAmzDate(date)
        if !out.contains(where: { $0.name.lowercased() == "host" }) {
            var host = url.host ?? "localhost"
            if let port = url.port { host += ":\(port)" }
            out.append((name: "host", value: host))
        }
        out.append((name: "X-Amz-Date", value: amzDate))
        if let sessionToken { out.append((name: "X-Amz-Security-Token", value: sessionToken)) }
        let signed = Array(Set(out.map { $0.name.lowercased() })).sorted()
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        let request = SigV4Request(
            method: method, path: components?.percentEncodedPath.isEmpty == false ? components!.percentEncodedPath : "/",
            query: components?.percentEncodedQuery ?? "", headers: out,
            payloadSHA256: SigV4.hex(SHA256.hash(data: body)))
        let scope = SigV4Scope(accessKeyId: accessKeyId, date: String(amzDate.prefix(8)), region: region, service: service)
        let canonical = SigV4.canonicalRequest(request, signedHeaders: signed, isPresigned: false)
        let toSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: amzDate, scope: scope)
        let key = SigV4.signingKey(secretAccessKey: secretAccessKey, date: scope.date, region: region, service: service)
        let signature = SigV4.signature(stringToSign: toSign, key: key)
        out.append((
            name: "Authorization",
            value: "\(SigV4.algorithm) Credential=\(accessKeyId)/\(scope.credentialScope), SignedHeaders=\(signed.joined(separator: ";")), Signature=\(signature)"
        ))
        return out
    }
}
