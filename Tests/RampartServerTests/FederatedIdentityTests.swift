import AWSProtocol
import Audit
import Foundation
import Identity
import Testing

@testable import RampartServer

/// `userIdentity` of a call made with GetFederationToken's credentials, as AWS's CloudTrail
/// userIdentity reference shows a `FederatedUser`.
@Suite("Federated users' userIdentity")
struct FederatedIdentityTests {
    static let created = Date(timeIntervalSince1970: 1_800_000_000)

    static func federated(issuer: (id: String, arn: String, name: String)?) -> Caller {
        var p = Principal(
            kind: .federatedUser, accountId: "111111111111", arn: "arn:aws:sts::111111111111:federated-user/alice",
            userId: "111111111111:alice", sessionCreated: created)
        p.federatingUserName = issuer?.name
        p.federatingPrincipalId = issuer?.id
        p.federatingArn = issuer?.arn
        return Caller(principal: p, accessKeyId: "ASIAEXAMPLE000000001", region: "us-east-1")
    }

    static func userIdentity(_ caller: Caller) throws -> JSONValue {
        let call = AuditedCall(
            service: "kms", eventName: "ListKeys", identity: AuditRecorder.identity(caller), accountId: "111111111111",
            region: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: nil, requestId: "r", eventTime: created,
            readOnly: true, requestParameters: nil, responseElements: nil, errorCode: nil, errorMessage: nil, resources: [],
            tlsDetails: nil)
        return try #require(CloudTrailEvent(call, eventId: "e").record["userIdentity"])
    }

    @Test("issued by an IAM user: the user is the session issuer")
    func issuedByUser() throws {
        let identity = try Self.userIdentity(
            Self.federated(issuer: ("AIDAEXAMPLE000000001", "arn:aws:iam::111111111111:user/ops/bob", "bob")))
        #expect(
            identity == [
                "type": "FederatedUser", "principalId": "111111111111:alice",
                "arn": "arn:aws:sts::111111111111:federated-user/alice", "accountId": "111111111111",
                "accessKeyId": "ASIAEXAMPLE000000001",
                "sessionContext": [
                    "sessionIssuer": [
                        "type": "IAMUser", "principalId": "AIDAEXAMPLE000000001",
                        "arn": "arn:aws:iam::111111111111:user/ops/bob", "accountId": "111111111111", "userName": "bob",
                    ],
                    "webIdFederationData": [:],
                    "attributes": ["creationDate": "2027-01-15T08:00:00Z", "mfaAuthenticated": "false"],
                ],
            ])
    }

    @Test("issued by the account's root: the root is the session issuer")
    func issuedByRoot() throws {
        let identity = try Self.userIdentity(Self.federated(issuer: nil))
        #expect(
            identity["sessionContext"]?["sessionIssuer"]
                == [
                    "type": "Root", "principalId": "111111111111", "arn": "arn:aws:iam::111111111111:root",
                    "accountId": "111111111111",
                ])
        #expect(identity["userName"] == nil)
    }
}
