import AWSProtocol
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Identity
import KMS
import Logging
import NIOCore
import RampartCore
import RampartTestSupport
import Testing

@testable import RampartServer

@Suite("HTTP edge: dispatch, SigV4, protocol errors")
struct ResponderTests {
    struct Stack {
        let app: Application<AWSResponder>
        let credential: Credential
        let clock: ManualClock
    }

    static func stack(maxBodySize: Int = 64 * 1024) async throws -> Stack {
        let clock = ManualClock(Date())
        let vault = Fixtures.vault()
        let identityStore = InMemoryIdentityStore()
        let identity = IdentityService(store: identityStore, vault: vault, clock: clock)
        let credential = try await identity.createAccount(id: Fixtures.accountA)
        let iam = IAMService(store: identityStore, vault: vault, clock: clock, identity: identity)
        let kms = KeyManagementService(store: InMemoryKeyStore(), vault: vault, clock: clock, authorizer: PolicyKMSAuthorizer())
        let responder = RampartServer.makeResponder(
            identity: identity, iam: iam, kms: kms, trail: nil, wallClock: clock, serviceClock: AdjustableClock(base: clock),
            devClock: false, maxBodySize: maxBodySize, secure: false, logger: Logger(label: "test"))
        return Stack(app: Application(responder: responder), credential: credential, clock: clock)
    }

    /// Signs a KMS JSON call the way an SDK does.
    static func signed(
        _ target: String, _ body: String, credential: Credential, date: Date, secret: String? = nil, service: String = "kms"
    ) -> HTTPFields {
        let signer = SigV4Signer(
            accessKeyId: credential.accessKeyId, secretAccessKey: secret ?? credential.secretAccessKey, sessionToken: nil,
            region: "us-east-1", service: service)
        let headers = signer.sign(
            method: "POST", url: URL(string: "http://localhost/")!,
            headers: [(name: "Content-Type", value: "application/x-amz-json-1.1"), (name: "X-Amz-Target", value: target)],
            body: Array(body.utf8), date: date)
        var fields = HTTPFields()
        for h in headers { fields.append(HTTPField(name: HTTPField.Name(h.name)!, value: h.value)) }
        return fields
    }

    static func call(
        _ stack: Stack, _ target: String, _ body: String, headers: HTTPFields? = nil
    ) async throws -> (Int, JSONValue) {
        let fields = headers ?? signed(target, body, credential: stack.credential, date: stack.clock.now)
        return try await stack.app.test(.router) { client in
            try await client.execute(uri: "/", method: .post, headers: fields, body: ByteBuffer(string: body)) { response in
                (Int(response.status.code), try JSONParser.parse(Array(response.body.readableBytesView)))
            }
        }
    }

    @Test func signedCallsWork() async throws {
        let stack = try await Self.stack()
        let (status, created) = try await Self.call(stack, "TrentService.CreateKey", #"{"Description":"edge"}"#)
        #expect(status == 200)
        #expect(created["KeyMetadata"]?["Description"] == "edge")
        let (_, listed) = try await Self.call(stack, "TrentService.ListKeys", "{}")
        #expect(listed["Keys"]?.arrayValue?.count == 1)
    }

    @Test func missingAuthentication() async throws {
        let stack = try await Self.stack()
        var fields = HTTPFields()
        fields[HTTPField.Name("X-Amz-Target")!] = "TrentService.ListKeys"
        let (status, body) = try await Self.call(stack, "TrentService.ListKeys", "{}", headers: fields)
        #expect(status == 400)
        #expect(body["__type"] == "MissingAuthenticationTokenException")
    }

    @Test func wrongSecretAndStaleDate() async throws {
        let stack = try await Self.stack()
        let wrong = Self.signed("TrentService.ListKeys", "{}", credential: stack.credential, date: stack.clock.now, secret: "x")
        #expect(
            try await Self.call(stack, "TrentService.ListKeys", "{}", headers: wrong).1["__type"] == "InvalidSignatureException")
        let stale = Self.signed(
            "TrentService.ListKeys", "{}", credential: stack.credential, date: stack.clock.now.addingTimeInterval(-20 * 60))
        let (_, body) = try await Self.call(stack, "TrentService.ListKeys", "{}", headers: stale)
        #expect(body["__type"] == "InvalidSignatureException")
        #expect(body["message"]?.stringValue?.hasPrefix("Signature expired:") == true)
    }

    @Test func wireErrors() async throws {
        let stack = try await Self.stack(maxBodySize: 1024)
        #expect(try await Self.call(stack, "TrentService.ListKeys", "{").1["__type"] == "SerializationException")
        #expect(try await Self.call(stack, "TrentService.DescribeKey", "{}").1["__type"] == "ValidationException")
        #expect(try await Self.call(stack, "TrentService.Nope", "{}").1["__type"] == "UnknownOperationException")
        let big = #"{"Description":""# + String(repeating: "x", count: 2000) + #""}"#
        let (status, body) = try await Self.call(stack, "TrentService.CreateKey", big)
        #expect(status == 413)
        #expect(body["__type"] == "RequestEntityTooLargeException")
    }
}

@Suite struct RequestLogTests {
    @Test func latencyIsWrittenInMillisecondsWithTwoDecimals() {
        #expect(AWSResponder.milliseconds(0) == "0.00")
        #expect(AWSResponder.milliseconds(4) == "0.00")
        #expect(AWSResponder.milliseconds(5) == "0.01")
        #expect(AWSResponder.milliseconds(1_234) == "1.23")
        #expect(AWSResponder.milliseconds(12_345) == "12.35")
        #expect(AWSResponder.milliseconds(100_000) == "100.00")
        #expect(AWSResponder.milliseconds(1_002_010) == "1002.01")
        #expect(AWSResponder.milliseconds(-3) == "0.00")
    }
}

@Suite("The body limit: the service is named by the headers before the body is read")
struct RequestLimitTests {
    @Test func theCredentialScopeNamesTheService() {
        #expect(
            AWSResponder.credentialScopeService(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261207/us-east-1/logs/aws4_request, SignedHeaders=host, Signature=ab")
                == "logs")
        #expect(AWSResponder.credentialScopeService("AKIDEXAMPLE/20261207/us-east-1/sqs/aws4_request") == "sqs")
        #expect(AWSResponder.credentialScopeService("AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1") == nil)
        #expect(AWSResponder.credentialScopeService("Bearer x") == nil)
    }
}
