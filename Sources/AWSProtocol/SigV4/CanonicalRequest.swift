import Crypto

extension SigV4 {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The canonical request, as botocore builds it for every service but S3: the path with dot
    /// segments and empty segments removed, then percent-encoded again (keeping `/` and `~`);
    /// the query's parameters decoded, re-encoded with the unreserved set and sorted; headers
    /// lowercased, values trimmed with inner whitespace runs folded, repeats joined with `,`.
    public static func canonicalRequest(
        _ request: SigV4Request, signedHeaders: [String], isPresigned: Bool, unsignedPayload: Bool = false
    ) -> String {
        let path = PercentEncoding.encode(normalizePath(request.path), safe: [UInt8(ascii: "/")])
        var out = request.method.uppercased()
        out += "\n" + path
        out += "\n" + canonicalQuery(request, isPresigned: isPresigned)
        out += "\n"
        for name in signedHeaders {
            out += name + ":" + request.values(of: name).map(foldWhitespace).joined(separator: ",") + "\n"
        }
        out += "\n" + signedHeaders.joined(separator: ";")
        out += "\n" + (unsignedPayload ? Self.unsignedPayload : payloadHash(request, signedHeaders: signedHeaders, isPresigned: isPresigned))
        return out
    }

    /// `AWS4-HMAC-SHA256`, the time, the scope and the canonical request's hash.
    public static func stringToSign(canonicalRequest: String, amzDate: String, scope: SigV4Scope) -> String {
        let hash = SHA256.hash(data: Array(canonicalRequest.utf8))
        return "\(algorithm)\n\(amzDate)\n\(scope.credentialScope)\n\(hex(hash))"
    }

    /// The payload hash the signer used: the `x-amz-content-sha256` header when it is signed
    /// (SDKs send it for S3-style services), a presigned URL's `X-Amz-Content-Sha256`, otherwise
    /// the body's hash. (Presigned URLs may also be signed with `UNSIGNED-PAYLOAD`; `verify`
    /// tries that form second.)
    static func payloadHash(_ request: SigV4Request, signedHeaders: [String], isPresigned: Bool) -> String {
        if signedHeaders.contains("x-amz-content-sha256"), let declared = request.header("x-amz-content-sha256") {
            return declared
        }
        if isPresigned {
            return request.queryParameters.first { $0.name == "X-Amz-Content-Sha256" }?.value ?? request.payloadSHA256
        }
        return request.payloadSHA256
    }

    static func canonicalQuery(_ request: SigV4Request, isPresigned: Bool) -> String {
        var pairs: [(String, String)] = []
        for (name, value) in request.queryParameters {
            if isPresigned && name == "X-Amz-Signature" { continue }
            pairs.append((PercentEncoding.encode(name), PercentEncoding.encode(value)))
        }
        pairs.sort { $0.0 == $1.0 ? $0.1 < $1.1 : $0.0 < $1.0 }
        return pairs.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
    }

    /// RFC 3986 dot-segment removal, also dropping empty segments, as botocore does.
    static func normalizePath(_ raw: String) -> String {
        guard !raw.isEmpty else { return "/" }
        var output: [Substring] = []
        for segment in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == "." { continue }
            if segment == ".." {
                if !output.isEmpty { output.removeLast() }
                continue
            }
            output.append(segment)
        }
        let first = raw.hasPrefix("/") ? "/" : ""
        let last = raw.hasSuffix("/") && !output.isEmpty ? "/" : ""
        return first + output.joined(separator: "/") + last
    }

    static func foldWhitespace(_ value: String) -> String {
        value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in bytes {
            out.append(hexDigits[Int(b >> 4)])
            out.append(hexDigits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
