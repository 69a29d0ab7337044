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
        let parameters = request.query.isEmpty ? [] : QueryString.decodedParameters(request.query)
        let hasPresignedParameters = parameters.contains { presignedMarkers.contains($0.name) }
        if let authorization {
            guard authorizationCount == 1 else {
                throw .incompleteSignature("Only one Authorization header is allowed.")
            }
            guard !hasPresignedParameters else {
                throw .incompleteSignature(
                    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified"
                )
            }
            return try parseHeader(authorization, request: request)
        }
        if hasPresignedParameters {
            return try parsePresigned(parameters, request: request)
        }
        throw .missingAuthentication
    }

    /// Query parameters that make a request a presigned one.
    private static let presignedMarkers: Set<String> = [
        "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders",
    ]

    /// The longest `X-Amz-Expires`: a week.
    static let maximumExpires = 604_800

    // MARK: - Authorization header

    private static func parseHeader(_ header: String, request: SigV4Request) throws(SigV4Error) -> SigV4Authorization {
        let value = header.trimmingWhitespace()
        let scheme = value.prefix { $0 != " " && $0 != "\t" }
        let isSigV4 = scheme == algorithm

        var credential: Substring?
        var signedHeaders: Substring?
        var signature: Substring?
        if isSigV4 {
            for part in value[scheme.endIndex...].split(separator: ",") {
                let token = part.trimmingWhitespace()
                if token.isEmpty { continue }
                guard let equals = token.firstIndex(of: "=") else {
                    throw .incompleteSignature(
                        "'\(redacted(token))' not a valid key=value pair (missing equal-sign) in Authorization header: '\(redactedHeader(value))'."
                    )
                }
                let content = token[token.index(after: equals)...]
                switch token[..<equals] {
                case "Credential": credential = credential ?? content
                case "SignedHeaders": signedHeaders = signedHeaders ?? content
                case "Signature": signature = signature ?? content
                default: break
                }
            }
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
        if credential == nil { missing.append("Authorization header requires 'Credential' parameter.") }
        if signature == nil { missing.append("Authorization header requires 'Signature' parameter.") }
        if signedHeaders == nil { missing.append("Authorization header requires 'SignedHeaders' parameter.") }
        if dateText == nil {
            missing.append("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
        }
        guard let credential, let signedHeaders, let signature, let dateText else {
            let shown = isSigV4 ? redactedHeader(value) : redactedForeignScheme(value)
            throw .incompleteSignature(missing.joined(separator: " ") + " Authorization=" + shown)
        }

        let scope = try parseCredential(credential)
        let parsedTime = dateIsHTTPDate ? AmzDate.parseHTTPDate(dateText) : AmzDate.parse(dateText)
        guard let requestTime = parsedTime else {
            throw .incompleteSignature(
                "Date must be in ISO-8601 'basic format'. Got '\(dateText)'. See http://en.wikipedia.org/wiki/ISO_8601")
        }
        return SigV4Authorization(
            scope: scope, signedHeaders: signedHeaderList(signedHeaders), signature: String(signature),
            requestTime: requestTime, amzDate: dateIsHTTPDate ? AmzDate.format(requestTime) : dateText,
            securityToken: request.firstValue(ofHeader: "x-amz-security-token"), isPresigned: false, expiresSeconds: nil)
    }

    // MARK: - Presigned URL

    private static func parsePresigned(
        _ parameters: [(name: String, value: String)], request: SigV4Request
    ) throws(SigV4Error) -> SigV4Authorization {
        func value(_ name: String) -> String? { parameters.first { $0.name == name }?.value }
        let algorithmValue = value("X-Amz-Algorithm")
        let credential = value("X-Amz-Credential")
        let signature = value("X-Amz-Signature")
        let signedHeaders = value("X-Amz-SignedHeaders")
        let dateText = value("X-Amz-Date")

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
        let scope = try parseCredential(credential[...])
        guard let requestTime = AmzDate.parse(dateText) else {
            throw .incompleteSignature("X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        var expires: Int?
        if let text = value("X-Amz-Expires") {
            expires = try parseExpires(text)
        }
        return SigV4Authorization(
            scope: scope, signedHeaders: signedHeaderList(signedHeaders[...]), signature: signature,
            requestTime: requestTime, amzDate: dateText,
            securityToken: value("X-Amz-Security-Token") ?? request.firstValue(ofHeader: "x-amz-security-token"),
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
    private static func parseCredential(_ text: Substring) throws(SigV4Error) -> SigV4Scope {
        let parts = text.split(separator: "/", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 5 else {
            throw .incompleteSignature(
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '\(text)'")
        }
        guard parts[4] == "aws4_request" else {
            throw .incompleteSignature("Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4])'. ")
        }
        return SigV4Scope(
            accessKeyId: String(parts[0]), date: String(parts[1]), region: String(parts[2]), service: String(parts[3]))
    }

    private static func signedHeaderList(_ text: Substring) -> [String] {
        text.split(separator: ";", omittingEmptySubsequences: false).map { $0.lowercased() }
    }

    /// The Authorization header as AWS echoes it in errors, with the signature hidden.
    private static func redactedHeader(_ value: Substring) -> String {
        let scheme = value.prefix { $0 != " " && $0 != "\t" }
        let parts = value[scheme.endIndex...].split(separator: ",").map { redacted($0.trimmingWhitespace()) }
        return parts.isEmpty ? String(scheme) : scheme + " " + parts.joined(separator: ", ")
    }

    /// A component of the Authorization header, hidden when it carries the signature.
    private static func redacted(_ token: Substring) -> String {
        guard token.lowercased().hasPrefix("signature") else { return String(token) }
        guard let equals = token.firstIndex(of: "=") else { return "(hidden)" }
        return token[...equals] + "(hidden)"
    }

    /// Another scheme's header (`Basic …`, `Bearer …`) carries a credential: only a plausible
    /// scheme name is echoed.
    private static func redactedForeignScheme(_ value: Substring) -> String {
        let scheme = value.prefix { $0 != " " && $0 != "\t" }
        let plausible =
            scheme.endIndex < value.endIndex && scheme.utf8.count <= 32
            && scheme.utf8.allSatisfy {
                $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 | 0x20) &- UInt8(ascii: "a") < 26
                    || $0 &- UInt8(ascii: "0") < 10
            }
        return plausible ? scheme + " (hidden)" : "(hidden)"
    }
}

extension StringProtocol {
    /// Without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
