import AWSProtocol
import Foundation
import Identity
import KMS
import RampartTestSupport
import Testing

@testable import RampartServer

@Suite("KMS authorization")
struct AuthorizationTests {
    func key(policy: String) async throws -> KMSKey {
        let (kms, _, _) = Fixtures.kms()
        var key = try await kms.createKey(CreateKeyRequest(), caller: Fixtures.root())
        key.policy = policy
        return key
    }

    @Test("kms:ViaService is set only when an integrated service calls on the caller's behalf")
    func viaService() async throws {
        let user = Principal(
            kind: .iamUser, accountId: Fixtures.accountA, arn: "arn:aws:iam::\(Fixtures.accountA):user/ada", userId: "AIDAADA",
            userName: "ada")
        let policy = """
            {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\(user.arn)"},
             "Action":"kms:Decrypt","Resource":"*",
             "Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.us-east-1.amazonaws.com"}}}]}
            """
        let key = try await key(policy: policy)
        var caller = Caller(principal: user, accessKeyId: "AKIAADA", region: "us-east-1")
        #expect(
            PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: "kms:Decrypt", key: key, caller: caller))?.code
                == "AccessDeniedException")
        caller.viaService = "secretsmanager"
        #expect(PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: "kms:Decrypt", key: key, caller: caller)) == nil)
        caller.viaService = "s3"
        #expect(PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: "kms:Decrypt", key: key, caller: caller)) != nil)
    }

    @Test("A session policy narrows what the key policy and the role allow")
    func sessionPolicy() async throws {
        let session = Principal(
            kind: .assumedRole, accountId: Fixtures.accountA, arn: "arn:aws:sts::\(Fixtures.accountA):assumed-role/app/s",
            userId: "AROAAPP:s", roleName: "app", roleArn: "arn:aws:iam::\(Fixtures.accountA):role/app")
        let key = try await key(policy: KeyPolicyRules.defaultPolicy(accountId: Fixtures.accountA))
        var caller = Caller(principal: session, accessKeyId: "ASIAAPP", region: "us-east-1")
        caller.identityPolicies = [#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"*"}]}"#]
        #expect(PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: "kms:Encrypt", key: key, caller: caller)) == nil)
        caller.sessionPolicy = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#
        #expect(PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: "kms:Encrypt", key: key, caller: caller)) != nil)
        #expect(PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: "kms:Decrypt", key: key, caller: caller)) == nil)
    }
}
