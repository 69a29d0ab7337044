import Crypto

extension SigV4 {
    static let algorithm = "AWS4-HMAC-SHA256"
    static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// The canonical request, built as botocore's `SigV4Auth` builds it for every service but S3:
    ///
    /// - the method, uppercased;
    /// - the path as received with dot segments and empty segments removed, then percent-encoded
    ///   again (every byte but `A–Z a–z 0–9 - . _ ~` and `/`): the spec's "encode twice", since the
    ///   received path is already encoded once;
    /// - the query's parameters percent-decoded (`+` read as a space, as the Query protocol reads
    ///   it), encoded again with the unreserved set, sorted by name then value, `name=` for empty
    ///   values; `X-Amz-Signature` left out when presigned;
    /// - each of `signedHeaders` (lowercase names, in the order given) as `name:value`, the value
    ///   trimmed with inner whitespace runs folded to one space, repeats joined with `,`;
    /// - the signed header names joined with `;`;
    /// - the payload hash: a signed `x-amz-content-sha256` header (or a presigned URL's
    ///   `X-Amz-Content-Sha256` parameter) when there is one, else `payloadSHA256`.
    public static func canonicalRequest(_ request: SigV4Request, signedHeaders: [String], isPresigned: Bool) -> String {
        let payload = signedPayloadHash(request, signedHeaders: signedHeaders, isPresigned: isPresigned)
        let bytes = canonicalRequestBytes(
            request, signedHeaders: signedHeaders, isPresigned: isPresigned, payloadHash: payload.value)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The string to sign: `AWS4-HMAC-SHA256`, `amzDate`, the credential scope and the
    /// lowercase hex SHA-256 of the canonical request, one per line.
    public static func stringToSign(canonicalRequest: String, amzDate: String, scope: SigV4Scope) -> String {
        let hash = canonicalRequest.withContiguousUTF8 { bytes in
            var hasher = SHA256()
            hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
            return hasher.finalize()
        }
        return String(decoding: stringToSignBytes(canonicalRequestHash: hash, amzDate: amzDate, scope: scope), as: UTF8.self)
    }

    // MARK: - Byte-level building, shared by the verifier and the signer

    static func stringToSignBytes(canonicalRequestHash: SHA256.Digest, amzDate: String, scope: SigV4Scope) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(
            algorithm.utf8.count + amzDate.utf8.count + scope.date.utf8.count + scope.region.utf8.count
                + scope.service.utf8.count + 100)
        out.append(contentsOf: algorithm.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: amzDate.utf8)
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: scope.date.utf8)
        out.append(UInt8(ascii: "/"))
        out.append(contentsOf: scope.region.utf8)
        out.append(UInt8(ascii: "/"))
        out.append(contentsOf: scope.service.utf8)
        out.append(contentsOf: "/aws4_request\n".utf8)
        Hex.appendLowercase(canonicalRequestHash, to: &out)
        return out
    }

    static func canonicalRequestBytes(
        _ request: SigV4Request, signedHeaders: [String], isPresigned: Bool, payloadHash: String
    ) -> [UInt8] {
        var out: [UInt8] = []
        var estimate = 128 + request.method.utf8.count + 3 * (request.path.utf8.count + request.query.utf8.count)
        for header in request.headers { estimate += header.name.utf8.count + header.value.utf8.count + 2 }
        out.reserveCapacity(estimate)

        for byte in request.method.utf8 {
            out.append(byte &- UInt8(ascii: "a") < 26 ? byte &- 0x20 : byte)
        }
        out.append(UInt8(ascii: "\n"))
        appendCanonicalPath(request.path, to: &out)
        out.append(UInt8(ascii: "\n"))
        appendCanonicalQuery(request.query, excludingSignature: isPresigned, to: &out)
        out.append(UInt8(ascii: "\n"))
        for name in signedHeaders {
            out.append(contentsOf: name.utf8)
            out.append(UInt8(ascii: ":"))
            var first = true
            for header in request.headers where SigV4Request.nameMatches(header.name, name) {
                if !first { out.append(UInt8(ascii: ",")) }
                appendTrimmedValue(header.value, to: &out)
                first = false
            }
            out.append(UInt8(ascii: "\n"))
        }
        out.append(UInt8(ascii: "\n"))
        for (index, name) in signedHeaders.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ";")) }
            out.append(contentsOf: name.utf8)
        }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: payloadHash.utf8)
        return out
    }

    /// The payload hash the client put in its canonical request, and whether the body is the
    /// one it declares: a signed `x-amz-content-sha256` (or a presigned URL's
    /// `X-Amz-Content-Sha256`) must be the body's hash or `UNSIGNED-PAYLOAD`.
    static func signedPayloadHash(
        _ request: SigV4Request, signedHeaders: [String], isPresigned: Bool
    ) -> (value: String, matchesBody: Bool) {
        var declared: String?
        if isPresigned {
            declared = PresignedParameters(query: request.query, onlyContentSHA256: true).contentSHA256
        }
        if declared == nil, signedHeaders.contains("x-amz-content-sha256") {
            declared = request.firstValue(ofHeader: "x-amz-content-sha256")
        }
        guard let declared else { return (request.payloadSHA256, true) }
        return (declared, declared == unsignedPayload || declared == request.payloadSHA256)
    }

    // MARK: - Parts

    /// botocore's `normalize_url_path` then `quote(path, safe='/~')`: RFC 3986 dot-segment
    /// removal that also drops empty segments, keeping a leading and a trailing `/`; each
    /// remaining byte escaped unless unreserved.
    static func appendCanonicalPath(_ path: String, to out: inout [UInt8]) {
        path.withContiguousUTF8 { raw in
            guard !raw.isEmpty else {
                out.append(UInt8(ascii: "/"))
                return
            }
            var segments: [Range<Int>] = []
            var start = 0
            for end in 0...raw.count where end == raw.count || raw[end] == UInt8(ascii: "/") {
                let length = end - start
                if length == 0 || (length == 1 && raw[start] == UInt8(ascii: ".")) {
                    // empty or "." segment: dropped
                } else if length == 2 && raw[start] == UInt8(ascii: ".") && raw[start + 1] == UInt8(ascii: ".") {
                    if !segments.isEmpty { segments.removeLast() }
                } else {
                    segments.append(start..<end)
                }
                start = end + 1
            }
            if raw[0] == UInt8(ascii: "/") { out.append(UInt8(ascii: "/")) }
            for (index, segment) in segments.enumerated() {
                if index > 0 { out.append(UInt8(ascii: "/")) }
                PercentEncoding.appendEncoded(raw, segment, to: &out)
            }
            if raw[raw.count - 1] == UInt8(ascii: "/") && !segments.isEmpty { out.append(UInt8(ascii: "/")) }
        }
    }

    /// The canonical query string: parameters decoded, re-encoded, sorted by name then value.
    static func appendCanonicalQuery(_ query: String, excludingSignature: Bool, to out: inout [UInt8]) {
        guard !query.isEmpty else { return }
        query.withContiguousUTF8 { raw in
            var encoded: [UInt8] = []
            encoded.reserveCapacity(raw.count + raw.count / 2 + 16)
            var entries: [(name: Range<Int>, value: Range<Int>)] = []
            QueryString.forEachPair(raw) { name, value in
                let nameStart = encoded.count
                PercentEncoding.appendReencoded(raw, name, to: &encoded)
                let nameEnd = encoded.count
                if excludingSignature, encoded[nameStart..<nameEnd].elementsEqual("X-Amz-Signature".utf8) {
                    encoded.removeLast(nameEnd - nameStart)
                    return
                }
                PercentEncoding.appendReencoded(raw, value, to: &encoded)
                entries.append((nameStart..<nameEnd, nameEnd..<encoded.count))
            }
            encoded.withUnsafeBufferPointer { bytes in
                if entries.count > 1 {
                    entries.sort { a, b in
                        let byName = compareBytes(bytes, a.name, b.name)
                        return byName != 0 ? byName < 0 : compareBytes(bytes, a.value, b.value) < 0
                    }
                }
                for (index, entry) in entries.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: "&")) }
                    out.append(contentsOf: bytes[entry.name])
                    out.append(UInt8(ascii: "="))
                    out.append(contentsOf: bytes[entry.value])
                }
            }
        }
    }

    /// Lexicographic comparison of two byte ranges: negative, zero or positive.
    @inline(__always)
    private static func compareBytes(_ bytes: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let common = min(a.count, b.count)
        var i = 0
        while i < common {
            let x = bytes[a.lowerBound + i]
            let y = bytes[b.lowerBound + i]
            if x != y { return x < y ? -1 : 1 }
            i += 1
        }
        return a.count - b.count
    }

    /// A header value as botocore writes it (`' '.join(value.split())`): leading and trailing
    /// whitespace dropped, each inner run of whitespace folded to one space.
    @inline(__always)
    private static func appendTrimmedValue(_ value: String, to out: inout [UInt8]) {
        var pendingSpace = false
        var wroteAny = false
        for byte in value.utf8 {
            // Python's str.split() whitespace, ASCII part: \t \n \v \f \r, 0x1C-0x1F and space.
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) || (byte >= 0x1C && byte <= 0x1F) {
                pendingSpace = wroteAny
            } else {
                if pendingSpace {
                    out.append(0x20)
                    pendingSpace = false
                }
                out.append(byte)
                wroteAny = true
            }
        }
    }
}
