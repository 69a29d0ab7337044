extension SigV4 {
    /// Reads a request's signature, without checking it: the Authorization header
    /// (`AWS4-HMAC-SHA256 Credential=AKID/yyyyMMdd/region/service/aws4_request,
    /// SignedHeaders=a;b, Signature=hex`) with `X-Amz-Date` (or `Date`), or a presigned URL's
    /// query parameters (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
    /// `X-Amz-SignedHeaders`, `X-Amz-Signature`, optional `X-Amz-Expires` and
    /// `X-Amz-Security-Token`).
    ///
    /// - Throws: ``SigV4Error/Kind/missingAuthentication`` when there is neither;
    ///   ``SigV4Error/Kind/incompleteSignature`` when what is there is malformed or incomplete,
    ///   with AWS's wording (the signature itself is never echoed).
    public static func parse(_ request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        var authorization: String?
        var authorizationCount = 0
        for header in request.headers where SigV4Request.nameMatches(header.name, "authorization") {
            if authorization == nil { authorization = header.value }
            authorizationCount += 1
        }
        let parameters = PresignedParameters(query: request.query)
        if let authorization {
            guard authorizationCount == 1 else {
                throw .incompleteSignature("Only one Authorization header is allowed.")
            }
            guard !parameters.isPresigned else {
                throw .incompleteSignature(
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
                )
            }
            return try parseHeader(authorization, request: request)
        }
        if parameters.isPresigned {
            return try parsePresigned(parameters, request: request)
        }
        throw .missingAuthentication
    }

    /// The longest `X-Amz-Expires`: a week.
    static let maximumExpires = 604_800

    // MARK: - Authorization header

    private static func parseHeader(_ header: String, request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        let parts = AuthorizationHeader(header)
        if let component = parts.malformedComponent {
            throw .incompleteSignature(
                "'\(Redaction.hidingSignatures(component))' not a valid key=value pair (missing equal-sign) in Authorization header: '\(Redaction.hidingSignatures(header.trimmingWhitespace()))'."
            )
        }

        let dateText: String?
        var dateIsHTTPDate = false
        switch request.count(ofHeader: "x-amz-date") {
        case 0:
            dateText = request.firstValue(ofHeader: "date")
            dateIsHTTPDate = true
        case 1:
            dateText = request.firstValue(ofHeader: "x-amz-date")
        default:
            throw .incompleteSignature("Only one X-Amz-Date header is allowed.")
        }

        var missing: [String] = []
        if parts.credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if parts.signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if parts.signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        if dateText == nil {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        guard let credential = parts.credential, let signedHeaders = parts.signedHeaders, let signature = parts.signature,
            let dateText
        else {
            let value = header.trimmingWhitespace()
            let shown = parts.isSigV4 ? Redaction.hidingSignatures(value) : Redaction.foreignScheme(value)
            throw .incompleteSignature(missing.joined(separator: " ") + " Authorization=" + shown)
        }

        let scope = try parseCredential(credential)
        let parsedTime = dateIsHTTPDate ? AmzDate.parseHTTPDate(dateText) : AmzDate.parse(dateText)
        guard let requestTime = parsedTime else {
            throw .incompleteSignature(
                "Date must be in ISO-8601 'basic format'. Got '\(dateText)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        return SigV4Authorization(
            scope: scope, signedHeaders: signedHeaderList(signedHeaders), signature: signature,
            requestTime: requestTime, amzDate: dateIsHTTPDate ? AmzDate.format(requestTime) : dateText,
            securityToken: request.firstValue(ofHeader: "x-amz-security-token"), isPresigned: false, expiresSeconds: nil)
    }

    // MARK: - Presigned URL

    private static func parsePresigned(
        _ parameters: PresignedParameters, request: SigV4Request
    ) throws(SigV4Error)
        -> SigV4Authorization
    {
        let algorithmValue = parameters.algorithm
        let credential = parameters.credential
        let signature = parameters.signature
        let signedHeaders = parameters.signedHeaders
        let dateText = parameters.date

        var missing: [String] = []
        for (name, present) in [
            ("X-Amz-Algorithm", algorithmValue != nil), ("X-Amz-Credential", credential != nil),
            ("X-Amz-Signature", signature != nil), ("X-Amz-SignedHeaders", signedHeaders != nil),
            ("X-Amz-Date", dateText != nil),
        ] where !present {
            missing.append("AWS query-string parameters must include '\(name)'.")
        }
        guard let algorithmValue, let credential, let signature, let signedHeaders, let dateText else {
            throw .incompleteSignature(missing.joined(separator: " ") + " Re-examine the query-string parameters.")
        }
        guard algorithmValue == algorithm else {
            throw .incompleteSignature("X-Amz-Algorithm only supports \"\(algorithm)\"")
        }
        let scope = try parseCredential(credential)
        guard let requestTime = AmzDate.parse(dateText) else {
            throw .incompleteSignature("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        var expires: Int?
        if let text = parameters.expires {
            expires = try parseExpires(text)
        }
        return SigV4Authorization(
            scope: scope, signedHeaders: signedHeaderList(signedHeaders), signature: signature,
            requestTime: requestTime, amzDate: dateText,
            securityToken: parameters.securityToken ?? request.firstValue(ofHeader: "x-amz-security-token"),
            isPresigned: true, expiresSeconds: expires)
    }

    private static func parseExpires(_ text: String) throws(SigV4Error) -> Int {
        let digits = text.hasPrefix("-") ? text.dropFirst() : text[...]
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") < 10 }) else {
            throw .incompleteSignature("X-Amz-Expires should be a number")
        }
        guard !text.hasPrefix("-") else { throw .incompleteSignature("X-Amz-Expires must be non-negative") }
        let seconds = digits.utf8.count > 7 ? Int.max : Int(digits) ?? Int.max
        try checkExpires(seconds)
        return seconds
    }

    /// `X-Amz-Expires` must be 1...604800 seconds.
    static func checkExpires(_ seconds: Int) throws(SigV4Error) {
        guard seconds >= 1 else { throw .incompleteSignature("X-Amz-Expires must be greater than 0") }
        guard seconds <= maximumExpires else {
            throw .incompleteSignature("X-Amz-Expires must be less than a week (in seconds) that is 604800")
        }
    }

    // MARK: - Shared parts

    /// `AKID/yyyyMMdd/region/service/aws4_request`. Only the shape is checked here: a scope date
    /// that is not the request's is refused by `verify`, the region and service by the caller.
    private static func parseCredential(_ text: String) throws(SigV4Error) -> SigV4Scope {
        let parts: [String] = text.withContiguousUTF8 { b in
            var parts: [String] = []
            parts.reserveCapacity(5)
            var start = 0
            for end in 0...b.count where end == b.count || b[end] == UInt8(ascii: "/") {
                guard parts.count < 5 else { return [] }
                parts.append(AuthorizationHeader.string(b, start..<end))
                start = end + 1
            }
            return parts
        }
        guard parts.count == 5 else {
            throw .incompleteSignature(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(text)'")
        }
        guard parts[4] == "aws4_request" else {
            throw .incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'. ")
        }
        return SigV4Scope(accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3])
    }

    /// `a;B;c` as `["a", "b", "c"]`.
    private static func signedHeaderList(_ text: String) -> [String] {
        text.withContiguousUTF8 { b in
            var names: [String] = []
            names.reserveCapacity(8)
            var start = 0
            for end in 0...b.count where end == b.count || b[end] == UInt8(ascii: ";") {
                let range = start..<end
                if b[range].contains(where: { $0 &- UInt8(ascii: "A") < 26 }) {
                    names.append(String(decoding: b[range].map { $0 &- UInt8(ascii: "A") < 26 ? $0 | 0x20 : $0 }, as: UTF8.self))
                } else {
                    names.append(AuthorizationHeader.string(b, range))
                }
                start = end + 1
            }
            return names
        }
    }
}
