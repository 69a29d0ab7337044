import AWSProtocol
import Crypto
import Foundation
import Testing

/// Requests signed by botocore's own signer (Vectors/generate_sigv4_vectors.py).
struct BotocoreVectors: Decodable {
    struct Vector: Decodable, CustomTestStringConvertible {
        let name: String
        let method: String
        let path: String
        let query: String
        let headers: [[String]]
        let body: String
        let region: String
        let service: String
        let sessionToken: String?
        let presigned: Bool
        let canonicalRequest: String
        let stringToSign: String

        var testDescription: String { name }

        func request(body override: String? = nil, headers extra: [(name: String, value: String)] = []) -> SigV4Request {
            let body = Array((override ?? self.body).utf8)
            return SigV4Request(
                method: method, path: path, query: query, headers: headers.map { (name: $0[0], value: $0[1]) } + extra,
                payloadSHA256: SHA256.hash(data: body).map { String(format: "%02x", $0) }.joined())
        }
    }

    let accessKeyId: String
    let secretAccessKey: String
    let time: String
    let vectors: [Vector]

    static let loaded: BotocoreVectors = {
        let url = Bundle.module.url(forResource: "Vectors", withExtension: nil)!.appendingPathComponent("sigv4-botocore.json")
        return try! JSONDecoder().decode(BotocoreVectors.self, from: Data(contentsOf: url))
    }()

    var now: Date { SigV4.parseDateForTests(time) }
}

extension SigV4 {
    static func parseDateForTests(_ text: String) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.date(from: text)!
    }
}

@Suite("SigV4 against botocore's signer")
struct SigV4Tests {
    static let v = BotocoreVectors.loaded

    @Test("canonical request, string to sign and signature match botocore", arguments: v.vectors)
    func matchesBotocore(vector: BotocoreVectors.Vector) throws {
        let request = vector.request()
        let auth = try SigV4.parse(request)
        #expect(auth.isPresigned == vector.presigned)
        #expect(auth.scope.accessKeyId == Self.v.accessKeyId)
        #expect(auth.scope.region == vector.region)
        #expect(auth.scope.service == vector.service)
        #expect(auth.securityToken == vector.sessionToken)
        let canonical = SigV4.canonicalRequest(request, signedHeaders: auth.signedHeaders, isPresigned: auth.isPresigned)
        #expect(canonical == vector.canonicalRequest)
        #expect(SigV4.stringToSign(canonicalRequest: canonical, amzDate: auth.amzDate, scope: auth.scope) == vector.stringToSign)
        try SigV4.verify(auth, request: request, secretAccessKey: Self.v.secretAccessKey, now: Self.v.now)
    }

    func refusal(_ vector: BotocoreVectors.Vector, request: SigV4Request? = nil, secret: String? = nil, now: Date? = nil) -> SigV4Error.Kind? {
        do {
            let request = request ?? vector.request()
            let auth = try SigV4.parse(request)
            try SigV4.verify(auth, request: request, secretAccessKey: secret ?? Self.v.secretAccessKey, now: now ?? Self.v.now)
            return nil
        } catch {
            return error.kind
        }
    }

    var kms: BotocoreVectors.Vector { Self.v.vectors.first { $0.name == "kms-json" }! }
    var presigned: BotocoreVectors.Vector { Self.v.vectors.first { $0.presigned }! }

    @Test func changedBodyIsRefused() {
        #expect(refusal(kms, request: kms.request(body: kms.body + " ")) == .invalidSignature)
    }

    @Test func wrongSecretIsRefused() {
        #expect(refusal(kms, secret: "x" + Self.v.secretAccessKey.dropFirst()) == .invalidSignature)
    }

    @Test func clockSkewBothWays() {
        #expect(refusal(kms, now: Self.v.now.addingTimeInterval(14 * 60)) == nil)
        #expect(refusal(kms, now: Self.v.now.addingTimeInterval(-14 * 60)) == nil)
        #expect(refusal(kms, now: Self.v.now.addingTimeInterval(16 * 60)) == .signatureExpired)
        #expect(refusal(kms, now: Self.v.now.addingTimeInterval(-16 * 60)) == .signatureExpired)
    }

    @Test func expiredMessageNamesTheTimes() throws {
        let request = kms.request()
        let auth = try SigV4.parse(request)
        #expect(throws: SigV4Error.self) {
            try SigV4.verify(auth, request: request, secretAccessKey: Self.v.secretAccessKey, now: Self.v.now.addingTimeInterval(3600))
        }
        do {
            try SigV4.verify(auth, request: request, secretAccessKey: Self.v.secretAccessKey, now: Self.v.now.addingTimeInterval(3600))
        } catch {
            #expect(error.message.hasPrefix("Signature expired: \(Self.v.time) is now earlier than "))
            #expect(error.message.hasSuffix(" - 15 min.)"))
        }
    }

    @Test func presignedExpiry() {
        #expect(refusal(presigned, now: Self.v.now.addingTimeInterval(299)) == nil)
        #expect(refusal(presigned, now: Self.v.now.addingTimeInterval(301)) == .signatureExpired)
    }

    @Test func scopeDateMustMatchTheRequestDate() {
        var request = kms.request()
        request.headers = request.headers.map { h in
            h.name.lowercased() == "authorization" ? (h.name, h.value.replacingOccurrences(of: "/20261129/", with: "/20261128/")) : h
        }
        #expect(refusal(kms, request: request) == .invalidSignature)
    }

    @Test func hostMustBeSigned() {
        var request = kms.request()
        request.headers = request.headers.map { h in
            h.name.lowercased() == "authorization" ? (h.name, h.value.replacingOccurrences(of: ";host;", with: ";")) : h
        }
        #expect(refusal(kms, request: request) == .incompleteSignature)
    }

    @Test func changedSignedHeaderIsRefused() {
        var request = kms.request()
        request.headers = request.headers.map { h in
            h.name.lowercased() == "x-amz-target" ? (h.name, "TrentService.Decrypt") : h
        }
        #expect(refusal(kms, request: request) == .invalidSignature)
        // an unsigned header may change freely
        #expect(refusal(kms, request: kms.request(headers: [(name: "User-Agent", value: "anything")])) == nil)
    }

    @Test("malformed Authorization headers", arguments: [
        "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/kms/aws4_request",
        "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/2026/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=00",
        "AWS4-HMAC-SHA256 Credential=AKID/20261129/us-east-1/kms/aws5_request, SignedHeaders=host, Signature=00",
        "Basic dXNlcjpwYXNz",
        "",
    ])
    func malformed(header: String) {
        let request = SigV4Request(
            method: "POST", path: "/", query: "", headers: [("host", "h"), ("x-amz-date", "20261129T123456Z"), ("Authorization", header)],
            payloadSHA256: "")
        #expect(throws: SigV4Error.self) { try SigV4.parse(request) }
        do {
            _ = try SigV4.parse(request)
        } catch {
            #expect(error.kind == .incompleteSignature)
            #expect(!error.message.contains("Signature=00"))
        }
    }

    @Test func noSignatureAtAll() {
        let request = SigV4Request(method: "POST", path: "/", query: "", headers: [("host", "h")], payloadSHA256: "")
        #expect(throws: SigV4Error.missingAuthentication) { try SigV4.parse(request) }
    }

    @Test func signerRoundTrip() throws {
        let signer = SigV4Signer(accessKeyId: "AKIATEST", secretAccessKey: "secret", sessionToken: "token", region: "eu-west-2", service: "kms")
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let url = URL(string: "http://127.0.0.1:4566/some%20path?b=2&a=%C3%A9")!
        let headers = signer.sign(
            method: "POST", url: url, headers: [(name: "X-Amz-Target", value: "TrentService.ListKeys")], body: Array("{}".utf8), date: date)
        let request = SigV4Request(
            method: "POST", path: "/some%20path", query: "b=2&a=%C3%A9", headers: headers,
            payloadSHA256: SHA256.hash(data: Array("{}".utf8)).map { String(format: "%02x", $0) }.joined())
        let auth = try SigV4.parse(request)
        #expect(auth.securityToken == "token")
        #expect(auth.scope == SigV4Scope(accessKeyId: "AKIATEST", date: "20270115", region: "eu-west-2", service: "kms"))
        try SigV4.verify(auth, request: request, secretAccessKey: "secret", now: date)
    }

    @Test func amzDateFormatting() {
        #expect(SigV4.formatAmzDate(Date(timeIntervalSince1970: 0)) == "19700101T000000Z")
        #expect(SigV4.formatAmzDate(Date(timeIntervalSince1970: 1_800_000_000)) == "20270115T080000Z")
        #expect(SigV4.formatAmzDate(Self.v.now) == Self.v.time)
    }
}
