import AWSProtocol
import Crypto
import Foundation
import Testing

// MARK: - Vectors

/// Requests signed by botocore's own signer (Vectors/generate_sigv4_vectors.py).
struct BotocoreVectorFile: Decodable {
    let botocoreVersion: String
    let accessKeyId: String
    let secretAccessKey: String
    let time: String
    let vectors: [BotocoreVector]

    static let loaded: BotocoreVectorFile = VectorFiles.load("sigv4-botocore.json")
}

struct BotocoreVector: Decodable, CustomTestStringConvertible {
    let name: String
    let description: String
    let method: String
    let path: String
    let query: String
    let headers: [[String]]
    let body: String
    let region: String
    let service: String
    let sessionToken: String?
    let presigned: Bool
    let expires: Int?
    let canonicalRequest: String
    let stringToSign: String
    let signature: String
    let authorization: String?

    var testDescription: String { name }

    var headerList: [(name: String, value: String)] { headers.map { (name: $0[0], value: $0[1]) } }

    func header(_ name: String) -> String? { headerList.first { $0.name.lowercased() == name }?.value }

    var signedHeaders: [String] {
        if presigned {
            let value = URLComponents(string: "/?" + query)!.queryItems!.first { $0.name == "X-Amz-SignedHeaders" }!.value!
            return value.split(separator: ";").map(String.init)
        }
        return String(authorization!.split(separator: "SignedHeaders=")[1].prefix { $0 != "," }).split(separator: ";").map(
            String.init)
    }

    var usesUnsignedPayload: Bool { header("x-amz-content-sha256") == "UNSIGNED-PAYLOAD" }

    /// The request as the server receives it, optionally altered.
    func request(
        method: String? = nil, path: String? = nil, query: String? = nil, body: String? = nil,
        adding extra: [(name: String, value: String)] = [], replacing: [String: String] = [:]
    ) -> SigV4Request {
        var headers = headerList.map { header in
            (name: header.name, value: replacing[header.name.lowercased()] ?? header.value)
        }
        headers += extra
        return SigV4Request(
            method: method ?? self.method, path: path ?? self.path, query: query ?? self.query, headers: headers,
            payloadSHA256: sha256Hex(body ?? self.body))
    }
}

/// AWS's published SigV4 test suite, transcribed (Vectors/sigv4-aws-testsuite.json).
struct AWSTestSuiteFile: Decodable {
    let accessKeyId: String
    let secretAccessKey: String
    let time: String
    let region: String
    let service: String
    let vectors: [AWSTestSuiteVector]

    static let loaded: AWSTestSuiteFile = VectorFiles.load("sigv4-aws-testsuite.json")
}

struct AWSTestSuiteVector: Decodable, CustomTestStringConvertible {
    let name: String
    let method: String
    let path: String
    let query: String
    let headers: [[String]]
    let body: String
    let signedHeaders: String
    let signature: String
    let canonicalRequest: String?
    let stringToSign: String?

    var testDescription: String { name }
}

enum VectorFiles {
    static func load<T: Decodable>(_ name: String) -> T {
        let folder = Bundle.module.url(forResource: "Vectors", withExtension: nil)!
        let data = try! Data(contentsOf: folder.appendingPathComponent(name))
        return try! JSONDecoder().decode(T.self, from: data)
    }
}

func sha256Hex(_ text: String) -> String {
    SHA256.hash(data: Array(text.utf8)).map { String(format: "%02x", $0) }.joined()
}

/// `yyyy-MM-dd HH:mm:ss` UTC, computed with Foundation's calendar (independently of the code under test).
func utc(_ year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    return calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second))!
}

/// Parses and verifies; returns the refusal, or nil when accepted.
func refusal(_ request: SigV4Request, secret: String, now: Date) -> SigV4Error? {
    do {
        let auth = try SigV4.parse(request)
        try SigV4.verify(auth, request: request, secretAccessKey: secret, now: now)
        return nil
    } catch {
        return error
    }
}

func parseError(_ request: SigV4Request) -> SigV4Error? {
    do {
        _ = try SigV4.parse(request)
        return nil
    } catch {
        return error
    }
}

// MARK: - botocore

@Suite("SigV4 against botocore's signer")
struct SigV4BotocoreTests {
    static let file = BotocoreVectorFile.loaded
    static let secret = file.secretAccessKey
    /// The vectors' signing time, 2026-11-29T12:34:56Z.
    static let now = utc(2026, 11, 29, 12, 34, 56)
    static let headerVectors = file.vectors.filter { !$0.presigned }
    static let presignedVectors = file.vectors.filter(\.presigned)

    static func vector(_ name: String) -> BotocoreVector { file.vectors.first { $0.name == name }! }

    @Test func vectorFileCoversTheCases() {
        #expect(Self.file.vectors.count >= 20)
        #expect(Self.presignedVectors.count >= 4)
        #expect(Self.file.time == SigV4.formatAmzDate(Self.now))
    }

    @Test("parse reads what botocore wrote", arguments: file.vectors)
    func parseMatches(vector: BotocoreVector) throws {
        let auth = try SigV4.parse(vector.request())
        #expect(auth.isPresigned == vector.presigned)
        #expect(
            auth.scope
                == SigV4Scope(
                    accessKeyId: Self.file.accessKeyId, date: "20261129", region: vector.region, service: vector.service))
        #expect(auth.signedHeaders == vector.signedHeaders)
        #expect(auth.signature == vector.signature)
        #expect(auth.amzDate == "20261129T123456Z")
        #expect(auth.requestTime == Self.now)
        #expect(auth.securityToken == vector.sessionToken)
        #expect(auth.expiresSeconds == vector.expires)
    }

    @Test("canonical request, string to sign and signature are botocore's", arguments: file.vectors)
    func canonicalizationMatches(vector: BotocoreVector) throws {
        let request = vector.request()
        let auth = try SigV4.parse(request)
        let canonical = SigV4.canonicalRequest(request, signedHeaders: auth.signedHeaders, isPresigned: auth.isPresigned)
        #expect(canonical == vector.canonicalRequest)
        let toSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: auth.amzDate, scope: auth.scope)
        #expect(toSign == vector.stringToSign)
        let key = SigV4.signingKey(
            secretAccessKey: Self.secret, date: auth.scope.date, region: auth.scope.region, service: auth.scope.service)
        #expect(SigV4.signature(stringToSign: toSign, key: key) == vector.signature)
    }

    @Test("verify accepts botocore's signature", arguments: file.vectors)
    func verifyAccepts(vector: BotocoreVector) throws {
        let request = vector.request()
        let auth = try SigV4.parse(request)
        try SigV4.verify(auth, request: request, secretAccessKey: Self.secret, now: Self.now)
        let key = SigV4.signingKey(
            secretAccessKey: Self.secret, date: auth.scope.date, region: auth.scope.region, service: auth.scope.service)
        try SigV4.verify(auth, request: request, signingKey: key, now: Self.now)
    }

    @Test(
        "SigV4Signer writes botocore's Authorization header",
        arguments: headerVectors.filter { !$0.signedHeaders.contains("date") })
    func signerMatchesBotocore(vector: BotocoreVector) {
        let signed = Set(vector.signedHeaders)
        let given = vector.headerList.filter {
            let name = $0.name.lowercased()
            return signed.contains(name) && !["x-amz-date", "x-amz-security-token"].contains(name)
        }
        let url = URL(
            string: "https://\(vector.header("host")!)\(vector.path)" + (vector.query.isEmpty ? "" : "?\(vector.query)"))!
        let signer = SigV4Signer(
            accessKeyId: Self.file.accessKeyId, secretAccessKey: Self.secret, sessionToken: vector.sessionToken,
            region: vector.region, service: vector.service)
        let out = signer.sign(method: vector.method, url: url, headers: given, body: Array(vector.body.utf8), date: Self.now)
        #expect(out.first { $0.name == "Authorization" }?.value == vector.authorization)
        #expect(out.first { $0.name == "X-Amz-Date" }?.value == "20261129T123456Z")
        #expect(out.first { $0.name == "X-Amz-Security-Token" }?.value == vector.sessionToken)
    }

    // MARK: Refusals

    @Test("a changed body is refused", arguments: file.vectors.filter { !$0.usesUnsignedPayload })
    func changedBody(vector: BotocoreVector) {
        let error = refusal(vector.request(body: vector.body + " "), secret: Self.secret, now: Self.now)
        #expect(error?.kind == .invalidSignature)
    }

    @Test func unsignedPayloadLeavesTheBodyUnsigned() throws {
        let vector = Self.vector("unsigned-payload")
        #expect(refusal(vector.request(body: #"{"Limit":1000}"#), secret: Self.secret, now: Self.now) == nil)
    }

    @Test func declaredContentHashMustBeTheBodys() {
        let vector = Self.vector("declared-content-sha256")
        #expect(refusal(vector.request(body: "{}"), secret: Self.secret, now: Self.now) == .contentSHA256Mismatch)
    }

    @Test("a wrong secret is refused", arguments: file.vectors)
    func wrongSecret(vector: BotocoreVector) {
        let error = refusal(vector.request(), secret: "x" + Self.secret.dropFirst(), now: Self.now)
        #expect(error == .signatureDoesNotMatch)
    }

    @Test func changedSignedPartsAreRefused() {
        let kms = Self.vector("kms-encrypt")
        for request in [
            kms.request(method: "PUT"),
            kms.request(path: "/other"),
            kms.request(query: "a=1"),
            kms.request(replacing: ["x-amz-target": "TrentService.Decrypt"]),
            kms.request(replacing: ["host": "kms.us-west-2.amazonaws.com"]),
            kms.request(replacing: ["content-type": "application/json"]),
        ] {
            #expect(refusal(request, secret: Self.secret, now: Self.now) == .signatureDoesNotMatch)
        }
        // Unsigned headers may change or be added freely; so may a header's case and its padding.
        #expect(refusal(kms.request(replacing: ["user-agent": "curl/8"]), secret: Self.secret, now: Self.now) == nil)
        #expect(refusal(kms.request(adding: [("Accept-Encoding", "identity")]), secret: Self.secret, now: Self.now) == nil)
        #expect(
            refusal(kms.request(replacing: ["x-amz-target": "  TrentService.Encrypt "]), secret: Self.secret, now: Self.now)
                == nil)
        // A signed header sent twice is a different canonical request.
        #expect(
            refusal(kms.request(adding: [("X-Amz-Target", "TrentService.Decrypt")]), secret: Self.secret, now: Self.now)
                == .signatureDoesNotMatch)
    }

    @Test func changedPresignedURLIsRefused() {
        let vector = Self.vector("iam-presigned-list-users-unicode")
        for query in [
            vector.query.replacingOccurrences(of: "ListUsers", with: "ListRoles"),
            vector.query + "&Extra=1",
            vector.query.replacingOccurrences(of: "X-Amz-Expires=300", with: "X-Amz-Expires=301"),
        ] {
            #expect(refusal(vector.request(query: query), secret: Self.secret, now: Self.now) == .signatureDoesNotMatch)
        }
        #expect(refusal(vector.request(method: "POST"), secret: Self.secret, now: Self.now) == .signatureDoesNotMatch)
        // The same URL with the query's parameters in another order is the same canonical request.
        let pairs = vector.query.split(separator: "&")
        let reordered = pairs.reversed().joined(separator: "&")
        #expect(refusal(vector.request(query: reordered), secret: Self.secret, now: Self.now) == nil)
    }

    @Test func signatureMustBeExact() {
        let kms = Self.vector("kms-encrypt")
        let good = kms.signature
        let flipped = String(good.dropLast()) + (good.last == "0" ? "1" : "0")
        for bad in [flipped, good.uppercased(), String(good.dropLast(2)), good + "00", "", "zz" + good.dropFirst(2)] {
            let header = kms.authorization!.replacingOccurrences(of: "Signature=\(good)", with: "Signature=\(bad)")
            let error = refusal(kms.request(replacing: ["authorization": header]), secret: Self.secret, now: Self.now)
            #expect(error == .signatureDoesNotMatch, "signature \(bad)")
        }
    }

    @Test func clockSkewBothWays() {
        let request = Self.vector("kms-encrypt").request()
        for offset in [-900.0, -899, -1, 0, 1, 899, 900] {
            #expect(refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(offset)) == nil, "offset \(offset)")
        }
        for offset in [-86_400.0, -901, 901, 86_400] {
            #expect(
                refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(offset))?.kind == .signatureExpired,
                "offset \(offset)")
        }
    }

    @Test func expiredMessagesAreAWSs() {
        let request = Self.vector("kms-encrypt").request()
        #expect(
            refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(20 * 60))?.message
                == "Signature expired: 20261129T123456Z is now earlier than 20261129T123956Z (20261129T125456Z - 15 min.)")
        #expect(
            refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(-20 * 60))?.message
                == "Signature not yet current: 20261129T123456Z is still later than 20261129T122956Z (20261129T121456Z + 15 min.)"
        )
    }

    @Test func expiryIsCheckedBeforeTheSignature() {
        let request = Self.vector("kms-encrypt").request()
        #expect(refusal(request, secret: "wrong", now: Self.now.addingTimeInterval(3600))?.kind == .signatureExpired)
    }

    @Test("presigned URLs are valid from 15 minutes before their time until they expire", arguments: presignedVectors)
    func presignedWindow(vector: BotocoreVector) throws {
        let expires = try #require(vector.expires)
        let request = vector.request()
        for offset in [-900, 0, expires] {
            #expect(refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(Double(offset))) == nil)
        }
        let late = refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(Double(expires + 1)))
        #expect(late?.kind == .signatureExpired)
        let span = expires % 60 == 0 ? "\(expires / 60) min." : "\(expires) sec."
        #expect(late?.message.hasSuffix("- \(span))") == true)
        #expect(refusal(request, secret: Self.secret, now: Self.now.addingTimeInterval(-901))?.kind == .signatureExpired)
    }

    @Test func scopeDateMustBeTheRequestDate() {
        let kms = Self.vector("kms-encrypt")
        let header = kms.authorization!.replacingOccurrences(of: "/20261129/", with: "/20261128/")
        let error = refusal(kms.request(replacing: ["authorization": header]), secret: Self.secret, now: Self.now)
        #expect(error?.kind == .invalidSignature)
        #expect(
            error?.message
                == "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261128' != '20261129', from '20261129T123456Z'."
        )

        let presigned = Self.vector("sts-presigned-get-caller-identity")
        let query = presigned.query.replacingOccurrences(of: "%2F20261129%2F", with: "%2F20261130%2F")
        #expect(refusal(presigned.request(query: query), secret: Self.secret, now: Self.now)?.kind == .invalidSignature)

        let malformedDate = kms.authorization!.replacingOccurrences(of: "/20261129/", with: "/2026/")
        #expect(
            refusal(kms.request(replacing: ["authorization": malformedDate]), secret: Self.secret, now: Self.now)?.kind
                == .invalidSignature)
    }

    @Test func hostMustBeSigned() {
        let kms = Self.vector("kms-encrypt")
        let header = kms.authorization!.replacingOccurrences(of: ";host;", with: ";")
        let error = refusal(kms.request(replacing: ["authorization": header]), secret: Self.secret, now: Self.now)
        #expect(error == .incompleteSignature("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."))

        let presigned = Self.vector("presigned-extra-signed-header")
        let query = presigned.query.replacingOccurrences(of: "X-Amz-SignedHeaders=host%3B", with: "X-Amz-SignedHeaders=")
        #expect(refusal(presigned.request(query: query), secret: Self.secret, now: Self.now)?.kind == .incompleteSignature)
    }

    @Test func xAmzDateMustBeSignedWhenSent() {
        let kms = Self.vector("kms-encrypt")
        let header = kms.authorization!.replacingOccurrences(of: ";x-amz-date;", with: ";")
        let error = refusal(kms.request(replacing: ["authorization": header]), secret: Self.secret, now: Self.now)
        #expect(error?.kind == .incompleteSignature)
    }

    @Test func dateHeaderStandsInForXAmzDate() throws {
        let vector = Self.vector("date-header")
        #expect(vector.header("x-amz-date") == nil)
        let auth = try SigV4.parse(vector.request())
        #expect(auth.amzDate == "20261129T123456Z")
        #expect(auth.requestTime == Self.now)
        // An X-Amz-Date header takes precedence over Date.
        let withAmzDate = vector.request(adding: [("X-Amz-Date", "20261129T000000Z")])
        #expect(try SigV4.parse(withAmzDate).amzDate == "20261129T000000Z")
    }

    @Test func sessionTokens() throws {
        #expect(try SigV4.parse(Self.vector("kms-session-token-local-endpoint").request()).securityToken != nil)
        #expect(try SigV4.parse(Self.vector("presigned-query-edge-cases-session-token").request()).securityToken != nil)
        #expect(try SigV4.parse(Self.vector("kms-encrypt").request()).securityToken == nil)
    }

    @Test func bothMechanismsAtOnceAreRefused() {
        let kms = Self.vector("kms-encrypt")
        let presigned = Self.vector("sts-presigned-get-caller-identity")
        let error = parseError(kms.request(query: presigned.query))
        #expect(error?.kind == .incompleteSignature)
    }

    @Test("no message repeats the signature", arguments: file.vectors)
    func messagesHideTheSignature(vector: BotocoreVector) {
        var errors: [SigV4Error?] = [
            refusal(vector.request(method: "PATCH"), secret: Self.secret, now: Self.now),
            refusal(vector.request(), secret: "wrong", now: Self.now),
            refusal(vector.request(), secret: Self.secret, now: Self.now.addingTimeInterval(999_999)),
        ]
        if let authorization = vector.authorization {
            for broken in [
                authorization.replacingOccurrences(of: "Credential=", with: "Credentials="),
                authorization.replacingOccurrences(of: ", SignedHeaders=", with: ", junk, SignedHeaders="),
                authorization.replacingOccurrences(of: "Signature=", with: "Signature "),
                authorization.replacingOccurrences(of: "AWS4-HMAC-SHA256", with: "AWS4-HMAC-SHA512"),
            ] {
                errors.append(parseError(vector.request(replacing: ["authorization": broken])))
            }
        }
        for error in errors {
            #expect(error != nil)
            #expect(error?.message.contains(vector.signature) == false)
        }
    }
}

// MARK: - AWS test suite

@Suite("SigV4 against AWS's published test suite")
struct SigV4AWSTestSuiteTests {
    static let suite = AWSTestSuiteFile.loaded
    static let now = utc(2015, 8, 30, 12, 36, 0)

    static func request(_ vector: AWSTestSuiteVector) -> SigV4Request {
        let authorization =
            "AWS4-HMAC-SHA256 Credential=\(suite.accessKeyId)/20150830/\(suite.region)/\(suite.service)/aws4_request, SignedHeaders=\(vector.signedHeaders), Signature=\(vector.signature)"
        return SigV4Request(
            method: vector.method, path: vector.path, query: vector.query,
            headers: vector.headers.map { (name: $0[0], value: $0[1]) } + [(name: "Authorization", value: authorization)],
            payloadSHA256: sha256Hex(vector.body))
    }

    @Test("verify accepts the suite's signatures", arguments: suite.vectors)
    func verifies(vector: AWSTestSuiteVector) throws {
        let request = Self.request(vector)
        let auth = try SigV4.parse(request)
        #expect(auth.amzDate == Self.suite.time)
        try SigV4.verify(auth, request: request, secretAccessKey: Self.suite.secretAccessKey, now: Self.now)
        let canonical = SigV4.canonicalRequest(request, signedHeaders: auth.signedHeaders, isPresigned: false)
        if let expected = vector.canonicalRequest { #expect(canonical == expected) }
        let toSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: auth.amzDate, scope: auth.scope)
        if let expected = vector.stringToSign { #expect(toSign == expected) }
        let key = SigV4.signingKey(
            secretAccessKey: Self.suite.secretAccessKey, date: "20150830", region: Self.suite.region, service: Self.suite.service)
        #expect(SigV4.signature(stringToSign: toSign, key: key) == vector.signature)
    }

    /// "Examples of how to derive a signing key for Signature Version 4" in the AWS documentation.
    @Test func signingKeyDocumentationExample() {
        let key = SigV4.signingKey(
            secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", date: "20120215", region: "us-east-1", service: "iam")
        let hex = key.withUnsafeBytes { Array($0) }.map { String(format: "%02x", $0) }.joined()
        #expect(hex == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d")
    }
}

// MARK: - Parsing

@Suite("SigV4 parsing")
struct SigV4ParsingTests {
    static let date = "20261129T123456Z"

    static func request(
        authorization: String?, headers: [(name: String, value: String)] = [("X-Amz-Date", date)], query: String = ""
    )
        -> SigV4Request
    {
        var all: [(name: String, value: String)] = [("Host", "kms.us-east-1.amazonaws.com")] + headers
        if let authorization { all.append(("Authorization", authorization)) }
        return SigV4Request(method: "POST", path: "/", query: query, headers: all, payloadSHA256: sha256Hex(""))
    }

    static let credential = "AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request"
    static let signature = "05436d11c8392954140e1883931e83a9d383f1a08733d0e8e791b309c8a49d91"

    @Test func noSignatureAtAll() {
        #expect(parseError(Self.request(authorization: nil)) == .missingAuthentication)
        #expect(SigV4Error.missingAuthentication.message == "Missing Authentication Token")
        // Unrelated query parameters do not make a presigned URL.
        #expect(
            parseError(Self.request(authorization: nil, query: "Action=ListUsers&X-Amz-Date=\(Self.date)"))
                == .missingAuthentication)
    }

    @Test(
        "malformed Authorization headers: AWS's messages, signature hidden",
        arguments: [
            (
                "AWS4-HMAC-SHA256 Credential=\(credential)",
                "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 Credential=\(credential)"
            ),
            (
                "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=\(signature)",
                "Authorization header requires 'Credential' parameter. Authorization=AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-date, Signature=(hidden)"
            ),
            (
                "AWS4-HMAC-SHA256",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"
            ),
            (
                "Basic dXNlcjpwYXNzd29yZA==",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=Basic (hidden)"
            ),
            (
                "AWS AKIDEXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g=",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS (hidden)"
            ),
            (
                "",
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=(hidden)"
            ),
            (
                "AWS4-HMAC-SHA256 Credential=\(credential), garbage, SignedHeaders=host, Signature=\(signature)",
                "'garbage' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=\(credential), garbage, SignedHeaders=host, Signature=(hidden)'."
            ),
            (
                "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host, Signature \(signature)",
                "'Signature (hidden)' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host, Signature (hidden)'."
            ),
            (
                "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host, \(signature)",
                "'(hidden)' not a valid key=value pair (missing equal-sign) in Authorization header: 'AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host, (hidden)'."
            ),
            (
                "AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host signature=\(signature)",
                "Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256 Credential=\(credential), SignedHeaders=host signature=(hidden)"
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms, SignedHeaders=host, Signature=\(signature)",
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20261129/us-east-1/kms'"
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request/x, SignedHeaders=host, Signature=\(signature)",
                "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20261129/us-east-1/kms/aws4_request/x'"
            ),
            (
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-east-1/kms/aws5_request, SignedHeaders=host, Signature=\(signature)",
                "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'. "
            ),
        ])
    func malformedHeader(header: String, message: String) {
        let error = parseError(Self.request(authorization: header))
        #expect(error == .incompleteSignature(message))
        #expect(error?.message.contains(Self.signature) == false)
        #expect(error?.message.contains("dXNlcjpwYXNzd29yZA") == false)
    }

    @Test func missingDateIsListedWithTheRest() {
        let error = parseError(Self.request(authorization: "AWS4-HMAC-SHA256 Credential=\(Self.credential)", headers: []))
        #expect(
            error
                == .incompleteSignature(
                    "Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=\(Self.credential)"
                ))
    }

    @Test(
        "malformed dates",
        arguments: [
            ("X-Amz-Date", "2026-11-29T12:34:56Z"), ("X-Amz-Date", "20261129T123456"), ("X-Amz-Date", "20260230T000000Z"),
            ("X-Amz-Date", "20261129T243456Z"), ("X-Amz-Date", "2026112aT123456Z"), ("X-Amz-Date", ""),
            ("Date", "yesterday"), ("Date", "Sun, 29 Nov 2026 12:34:56 PST"), ("Date", "Sun, 31 Nov 2026 12:34:56 GMT"),
        ])
    func malformedDate(name: String, value: String) {
        let header = "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=host, Signature=\(Self.signature)"
        let error = parseError(Self.request(authorization: header, headers: [(name, value)]))
        #expect(error?.kind == .incompleteSignature)
        #expect(error?.message.hasPrefix("Date must be in ISO-8601 'basic format'. Got '\(value)'.") == true)
    }

    @Test(
        "HTTP Date header forms",
        arguments: [
            ("Sun, 29 Nov 2026 12:34:56 GMT", "20261129T123456Z"),
            ("Sun, 29 Nov 2026 12:34:56 -0000", "20261129T123456Z"),
            ("29 Nov 2026 12:34:56 UTC", "20261129T123456Z"),
            ("Sun, 29 Nov 2026 13:34:56 +0100", "20261129T123456Z"),
            ("Sat, 28 Nov 2026 23:04:56 -1330", "20261129T123456Z"),
            ("Thu, 29 Feb 2024 23:59:59 GMT", "20240229T235959Z"),
        ])
    func httpDates(value: String, amzDate: String) throws {
        let header = "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=date;host, Signature=\(Self.signature)"
        let auth = try SigV4.parse(Self.request(authorization: header, headers: [("Date", value)]))
        #expect(auth.amzDate == amzDate)
    }

    @Test func headerLayoutVariants() throws {
        for header in [
            "AWS4-HMAC-SHA256 Credential=\(Self.credential),SignedHeaders=Host;X-Amz-Date,Signature=\(Self.signature)",
            "  AWS4-HMAC-SHA256   Credential=\(Self.credential) ,  SignedHeaders=Host;X-Amz-Date ,Signature=\(Self.signature)  ",
            "AWS4-HMAC-SHA256 Signature=\(Self.signature), Credential=\(Self.credential), SignedHeaders=Host;X-Amz-Date",
        ] {
            let auth = try SigV4.parse(Self.request(authorization: header))
            #expect(auth.scope == SigV4Scope(accessKeyId: "AKIDEXAMPLE", date: "20261129", region: "us-east-1", service: "kms"))
            #expect(auth.signedHeaders == ["host", "x-amz-date"])
            #expect(auth.signature == Self.signature)
            #expect(auth.isPresigned == false)
            #expect(auth.expiresSeconds == nil)
            #expect(auth.requestTime == utc(2026, 11, 29, 12, 34, 56))
        }
        // The header name is case-insensitive.
        let lower = SigV4Request(
            method: "POST", path: "/", query: "",
            headers: [
                ("host", "h"), ("x-amz-date", Self.date),
                (
                    "authorization",
                    "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=host, Signature=\(Self.signature)"
                ),
            ], payloadSHA256: "")
        #expect(try SigV4.parse(lower).signature == Self.signature)
    }

    @Test func repeatedAuthorizationOrDateHeadersAreRefused() {
        let header = "AWS4-HMAC-SHA256 Credential=\(Self.credential), SignedHeaders=host, Signature=\(Self.signature)"
        let twice = Self.request(authorization: header, headers: [("X-Amz-Date", Self.date), ("Authorization", header)])
        #expect(parseError(twice)?.kind == .incompleteSignature)
        let twoDates = Self.request(authorization: header, headers: [("X-Amz-Date", Self.date), ("x-amz-date", Self.date)])
        #expect(parseError(twoDates)?.kind == .incompleteSignature)
    }

    @Test func presignedParametersMustBeComplete() {
        let error = parseError(Self.request(authorization: nil, headers: [], query: "X-Amz-Algorithm=AWS4-HMAC-SHA256"))
        #expect(
            error
                == .incompleteSignature(
                    "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters."
                ))
    }

    static func presignedQuery(algorithm: String = "AWS4-HMAC-SHA256", amzDate: String = date, expires: String? = "300") -> String
    {
        var query =
            "X-Amz-Algorithm=\(algorithm)&X-Amz-Credential=AKIDEXAMPLE%2F20261129%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=\(amzDate)&X-Amz-SignedHeaders=host&X-Amz-Signature=\(signature)"
        if let expires { query += "&X-Amz-Expires=\(expires)" }
        return query
    }

    @Test func presignedParameters() throws {
        let auth = try SigV4.parse(
            Self.request(authorization: nil, headers: [], query: Self.presignedQuery() + "&X-Amz-Security-Token=a%2Bb%2F%3D"))
        #expect(auth.isPresigned)
        #expect(auth.scope == SigV4Scope(accessKeyId: "AKIDEXAMPLE", date: "20261129", region: "us-east-1", service: "sts"))
        #expect(auth.signedHeaders == ["host"])
        #expect(auth.expiresSeconds == 300)
        #expect(auth.securityToken == "a+b/=")
        #expect(
            try SigV4.parse(Self.request(authorization: nil, headers: [], query: Self.presignedQuery(expires: nil)))
                .expiresSeconds == nil)
        #expect(
            try SigV4.parse(Self.request(authorization: nil, headers: [], query: Self.presignedQuery(expires: "604800")))
                .expiresSeconds == 604_800)
    }

    @Test(
        "invalid presigned parameters",
        arguments: [
            (presignedQuery(expires: "0"), "X-Amz-Expires must be greater than 0"),
            (presignedQuery(expires: "-5"), "X-Amz-Expires must be non-negative"),
            (presignedQuery(expires: "soon"), "X-Amz-Expires should be a number"),
            (presignedQuery(expires: ""), "X-Amz-Expires should be a number"),
            (presignedQuery(expires: "604801"), "X-Amz-Expires must be less than a week (in seconds) that is 604800"),
            (
                presignedQuery(expires: "99999999999999999999999"),
                "X-Amz-Expires must be less than a week (in seconds) that is 604800"
            ),
            (presignedQuery(algorithm: "AWS4-HMAC-SHA1"), "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\""),
            (presignedQuery(amzDate: "2026-11-29"), "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\""),
        ])
    func invalidPresigned(query: String, message: String) {
        #expect(parseError(Self.request(authorization: nil, headers: [], query: query)) == .incompleteSignature(message))
    }

    /// Presigns `query` (which must hold every X-Amz-* parameter but the signature) with the public building blocks.
    static func presigned(_ query: String, secret: String, body: String = "") throws -> SigV4Request {
        let unsigned = SigV4Request(
            method: "GET", path: "/", query: query, headers: [("Host", "sts.us-east-1.amazonaws.com")],
            payloadSHA256: sha256Hex(body))
        let auth = try SigV4.parse(
            SigV4Request(
                method: "GET", path: "/", query: query + "&X-Amz-Signature=00", headers: unsigned.headers, payloadSHA256: ""))
        let canonical = SigV4.canonicalRequest(unsigned, signedHeaders: auth.signedHeaders, isPresigned: true)
        let toSign = SigV4.stringToSign(canonicalRequest: canonical, amzDate: auth.amzDate, scope: auth.scope)
        let key = SigV4.signingKey(
            secretAccessKey: secret, date: auth.scope.date, region: auth.scope.region, service: auth.scope.service)
        var request = unsigned
        request.query += "&X-Amz-Signature=" + SigV4.signature(stringToSign: toSign, key: key)
        return request
    }

    @Test func presignedURLMayDeclareAnUnsignedPayload() throws {
        let base =
            "Action=GetCallerIdentity&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261129%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Date=\(Self.date)&X-Amz-SignedHeaders=host"
        let now = utc(2026, 11, 29, 12, 34, 56)
        let unsigned = try Self.presigned(base + "&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD", secret: "s", body: "one")
        #expect(SigV4.canonicalRequest(unsigned, signedHeaders: ["host"], isPresigned: true).hasSuffix("\nUNSIGNED-PAYLOAD"))
        var otherBody = unsigned
        otherBody.payloadSHA256 = sha256Hex("two")
        #expect(refusal(unsigned, secret: "s", now: now) == nil)
        #expect(refusal(otherBody, secret: "s", now: now) == nil)

        let declared = try Self.presigned(base + "&X-Amz-Content-Sha256=\(sha256Hex("one"))", secret: "s", body: "one")
        #expect(refusal(declared, secret: "s", now: now) == nil)
        var changed = declared
        changed.payloadSHA256 = sha256Hex("two")
        #expect(refusal(changed, secret: "s", now: now) == .contentSHA256Mismatch)

        // Without a declaration the body is signed.
        let signedBody = try Self.presigned(base, secret: "s", body: "one")
        #expect(refusal(signedBody, secret: "s", now: now) == nil)
        var changedBody = signedBody
        changedBody.payloadSHA256 = sha256Hex("two")
        #expect(refusal(changedBody, secret: "s", now: now) == .signatureDoesNotMatch)
    }

    @Test func presignedParameterNamesMayBePercentEncoded() throws {
        let query =
            "X%2DAmz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261129%2Fus-east-1%2Fsts%2Faws4_request&X-Amz%2DDate=\(Self.date)&X-Amz-SignedHeaders=host"
        let request = try Self.presigned(query, secret: "s")
        let auth = try SigV4.parse(request)
        #expect(auth.isPresigned)
        #expect(auth.amzDate == Self.date)
        try SigV4.verify(auth, request: request, secretAccessKey: "s", now: auth.requestTime)
    }

    @Test func descriptionsHideSecrets() {
        let signer = SigV4Signer(
            accessKeyId: "AKIATEST", secretAccessKey: "TOPSECRET", sessionToken: "TOKEN", region: "us-east-1", service: "kms")
        #expect(!String(describing: signer).contains("TOPSECRET"))
        #expect(!String(describing: signer).contains("TOKEN"))
        var dumped = ""
        dump(signer, to: &dumped)
        #expect(dumped.contains("AKIATEST"))
        #expect(!dumped.contains("TOPSECRET"))
        #expect(String(describing: SigV4Error.missingAuthentication) == "missingAuthentication: Missing Authentication Token")
    }

    @Test func verifyChecksAHandMadeExpiry() {
        let request = Self.request(authorization: nil, headers: [], query: Self.presignedQuery())
        var auth = try! SigV4.parse(request)
        auth.expiresSeconds = 0
        #expect(throws: SigV4Error.incompleteSignature("X-Amz-Expires must be greater than 0")) {
            try SigV4.verify(auth, request: request, secretAccessKey: "s", now: auth.requestTime)
        }
    }
}

// MARK: - Canonicalization details

@Suite("SigV4 canonicalization")
struct SigV4CanonicalizationTests {
    static func canonical(
        method: String = "GET", path: String = "/", query: String = "", headers: [(name: String, value: String)] = [],
        signed: [String] = []
    )
        -> [Substring]
    {
        let request = SigV4Request(method: method, path: path, query: query, headers: headers, payloadSHA256: "HASH")
        return SigV4.canonicalRequest(request, signedHeaders: signed, isPresigned: false).split(
            separator: "\n", omittingEmptySubsequences: false)
    }

    @Test(
        "paths",
        arguments: [
            ("", "/"), ("/", "/"), ("//", "/"), ("/a", "/a"), ("/a/", "/a/"), ("a/b", "a/b"), ("/a/./b/../c", "/a/c"),
            ("/..", "/"), ("/../a/..", "/"), ("/a%2Fb", "/a%252Fb"), ("/%E2%9C%93", "/%25E2%259C%2593"), ("/é", "/%C3%A9"),
            ("/a b", "/a%20b"), ("/a+b", "/a%2Bb"), ("/~user/-._", "/~user/-._"), ("/.../a", "/.../a"), ("/a/.", "/a"),
        ])
    func paths(path: String, expected: String) {
        #expect(Self.canonical(path: path)[1] == expected[...])
    }

    @Test(
        "queries",
        arguments: [
            ("", ""), ("a", "a="), ("a=", "a="), ("=v", "=v"), ("&&a=1&", "a=1"), ("b=1&a=2&A=3", "A=3&a=2&b=1"),
            ("a=2&a=10&a=1", "a=1&a=10&a=2"), ("a=b=c", "a=b%3Dc"), ("k=a+b", "k=a%20b"), ("k=a%2Bb", "k=a%2Bb"),
            ("k=%7e%2d", "k=~-"), ("k=%zz%4", "k=%25zz%254"), ("k=%FF", "k=%FF"), ("ab=1&a=2", "a=2&ab=1"), ("a%3D=1", "a%3D=1"),
            ("k=é", "k=%C3%A9"), ("X-Amz-Signature=abc&a=1", "X-Amz-Signature=abc&a=1"),
        ])
    func queries(query: String, expected: String) {
        #expect(Self.canonical(query: query)[2] == expected[...])
    }

    @Test func presignedQueryLeavesOutOnlyTheSignature() {
        let request = SigV4Request(
            method: "GET", path: "/", query: "X-Amz-Signature=abc&a=1&X-Amz-SignatureX=2", headers: [], payloadSHA256: "HASH")
        let lines = SigV4.canonicalRequest(request, signedHeaders: [], isPresigned: true).split(
            separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[2] == "X-Amz-SignatureX=2&a=1")
    }

    @Test func methodAndHeaders() {
        let lines = Self.canonical(
            method: "post",
            headers: [
                ("HOST", "h"), ("X-Multi", " a\t\tb  "), ("x-multi", ""), ("X-MULTI", "c"), ("X-Unsigned", "u"),
                ("X-Empty", "   "),
            ],
            signed: ["host", "x-empty", "x-missing", "x-multi"])
        #expect(
            lines == [
                "POST", "/", "", "host:h", "x-empty:", "x-missing:", "x-multi:a b,,c", "", "host;x-empty;x-missing;x-multi",
                "HASH",
            ])
    }
}

// MARK: - Signer and dates

@Suite("SigV4Signer")
struct SigV4SignerTests {
    static let date = utc(2027, 1, 15, 8, 0, 0)

    static func received(
        _ url: URL, _ headers: [(name: String, value: String)], method: String = "POST", body: [UInt8]
    ) -> SigV4Request {
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)!
        let path = components.percentEncodedPath
        return SigV4Request(
            method: method, path: path.isEmpty ? "/" : path, query: components.percentEncodedQuery ?? "", headers: headers,
            payloadSHA256: SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined())
    }

    @Test(
        "round trip",
        arguments: [
            "http://127.0.0.1:4566/",
            "http://localhost",
            "https://kms.us-east-1.amazonaws.com:443/",
            "http://EXAMPLE.com:80/some%20path/./x/../%C3%A9?b=2&a=%C3%A9&a=1&empty=&flag&plus=a+b&enc=a%2Bb&t=~",
            "http://[::1]:4566/a?X-Amz-Meta=1",
            "https://[2001:db8::1]/",
        ])
    func roundTrip(url text: String) throws {
        let url = try #require(URL(string: text))
        let signer = SigV4Signer(
            accessKeyId: "AKIATEST", secretAccessKey: "secret", sessionToken: "token+/=", region: "eu-west-2", service: "kms")
        let body = Array(#"{"Limit":5}"#.utf8)
        let headers = signer.sign(
            method: "POST", url: url,
            headers: [
                (name: "X-Amz-Target", value: "TrentService.ListKeys"),
                (name: "Content-Type", value: "application/x-amz-json-1.1"),
            ],
            body: body, date: Self.date)
        let request = Self.received(url, headers, body: body)
        let auth = try SigV4.parse(request)
        #expect(auth.securityToken == "token+/=")
        #expect(auth.scope == SigV4Scope(accessKeyId: "AKIATEST", date: "20270115", region: "eu-west-2", service: "kms"))
        #expect(auth.signedHeaders == ["content-type", "host", "x-amz-date", "x-amz-security-token", "x-amz-target"])
        try SigV4.verify(auth, request: request, secretAccessKey: "secret", now: Self.date)
        #expect(refusal(Self.received(url, headers, body: body + [0x20]), secret: "secret", now: Self.date) != nil)
    }

    @Test(
        "Host as botocore writes it",
        arguments: [
            ("http://127.0.0.1:4566/", "127.0.0.1:4566"), ("http://localhost/", "localhost"),
            ("http://Example.COM:80/", "example.com"),
            ("https://kms.us-east-1.amazonaws.com:443/", "kms.us-east-1.amazonaws.com"), ("https://h:80/", "h:80"),
            ("http://[::1]:4566/", "[::1]:4566"),
        ])
    func host(url: String, host: String) {
        let signer = SigV4Signer(accessKeyId: "A", secretAccessKey: "s", sessionToken: nil, region: "us-east-1", service: "sts")
        let headers = signer.sign(method: "GET", url: URL(string: url)!, headers: [], body: [], date: Self.date)
        #expect(headers.first { $0.name.lowercased() == "host" }?.value == host)
    }

    @Test func replacesAPreviousSignatureAndKeepsAGivenHost() throws {
        let signer = SigV4Signer(accessKeyId: "A", secretAccessKey: "s", sessionToken: nil, region: "us-east-1", service: "sts")
        let url = URL(string: "http://127.0.0.1:4566/")!
        let first = signer.sign(method: "POST", url: url, headers: [("Host", "rampart.internal")], body: [], date: Self.date)
        let again = signer.sign(method: "POST", url: url, headers: first, body: [], date: Self.date.addingTimeInterval(60))
        #expect(again.filter { $0.name.lowercased() == "authorization" }.count == 1)
        #expect(again.filter { $0.name.lowercased() == "x-amz-date" }.count == 1)
        #expect(again.filter { $0.name.lowercased() == "host" }.map(\.value) == ["rampart.internal"])
        #expect(again.contains { $0.name.lowercased() == "x-amz-security-token" } == false)
        let request = Self.received(url, again, body: [])
        try SigV4.verify(try SigV4.parse(request), request: request, secretAccessKey: "s", now: Self.date.addingTimeInterval(60))
    }

    @Test func amzDateFormatting() {
        #expect(SigV4.formatAmzDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4.formatAmzDate(Date(timeIntervalSince1970: 1_800_000_000)) == "20270115T080000Z")
        #expect(SigV4.formatAmzDate(Date(timeIntervalSince1970: 1_709_251_199.999)) == "20240229T235959Z")
        #expect(SigV4.formatAmzDate(Date(timeIntervalSince1970: -1)) == "19691231T235959Z")
        #expect(SigV4.formatAmzDate(utc(2000, 3, 1, 0, 0, 0)) == "20000301T000000Z")
        #expect(SigV4.formatAmzDate(utc(2100, 2, 28, 23, 59, 59).addingTimeInterval(1)) == "21000301T000000Z")
        #expect(SigV4.formatAmzDate(.distantFuture).count == 16)
    }
}
