import AWSProtocol
import AccessControl
import Foundation
import Identity
import KMS
import Policy
import RampartTestSupport
import Testing

@Suite("Permissions boundaries limit identity policies")
struct PermissionsBoundaryTests {
    static let account = Fixtures.accountA
    static let allowAll = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#
    static let onlyDecrypt = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}"#
    static let denyEncrypt = """
        {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},
         {"Effect":"Deny","Action":"kms:Encrypt","Resource":"*"}]}
        """
    static let user = Principal(
        kind: .iamUser, accountId: account, arn: "arn:aws:iam::\(account):user/ada", userId: "AIDAADA", userName: "ada")
    static let session = Principal(
        kind: .assumedRole, accountId: account, arn: "arn:aws:sts::\(account):assumed-role/app/s", userId: "AROAAPP:s",
        roleName: "app", roleArn: "arn:aws:iam::\(account):role/app")

    func caller(_ principal: Principal, boundary: String?) -> Caller {
        var caller = Caller(principal: principal, accessKeyId: "AKIAADA", region: "us-east-1")
        caller.identityPolicies = [Self.allowAll]
        caller.permissionsBoundary = boundary
        return caller
    }

    func key(policy: String) async throws -> KMSKey {
        let (kms, _, _) = Fixtures.kms()
        var key = try await kms.createKey(CreateKeyRequest(), caller: Fixtures.root())
        key.policy = policy
        return key
    }

    func allowed(_ action: String, _ key: KMSKey, _ caller: Caller) -> Bool {
        PolicyKMSAuthorizer().authorize(KMSAccessRequest(action: action, key: key, caller: caller)) == nil
    }

    /// A key policy naming `principal` for kms:* (and nothing else).
    static func naming(_ principal: String) -> String {
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"\#(principal)"},"Action":"kms:*","Resource":"*"}]}"#
    }

    @Test("Identity policies alone: the boundary must allow too; a Deny in it denies")
    func identityOnly() {
        let encrypt = "kms:Encrypt"
        func decide(_ boundary: String?) -> Decision {
            let caller = caller(Self.user, boundary: boundary)
            let context = PolicyContext.make(action: encrypt, resource: "*", caller: caller, extra: [:])
            return Authorization.identityOnly(caller, context).decision
        }
        #expect(decide(nil) == .allow)
        #expect(decide(Self.allowAll) == .allow)
        #expect(decide(Self.onlyDecrypt) == .implicitDeny)
        #expect(decide(Self.denyEncrypt) == .explicitDeny)
        let refusal = Authorization.iam(caller(Self.user, boundary: Self.onlyDecrypt), "iam:ListUsers", "*", [:])
        #expect(refusal?.message.hasSuffix("because no permissions boundary allows the iam:ListUsers action") == true)
    }

    @Test("KMS: delegation to IAM is limited by the boundary; a key policy naming the user is not")
    func keyPolicies() async throws {
        let delegated = try await key(policy: KeyPolicyRules.defaultPolicy(accountId: Self.account))
        #expect(allowed("kms:Encrypt", delegated, caller(Self.user, boundary: nil)))
        #expect(!allowed("kms:Encrypt", delegated, caller(Self.user, boundary: Self.onlyDecrypt)))
        #expect(allowed("kms:Decrypt", delegated, caller(Self.user, boundary: Self.onlyDecrypt)))
        let refusal = PolicyKMSAuthorizer().authorize(
            KMSAccessRequest(action: "kms:Encrypt", key: delegated, caller: caller(Self.user, boundary: Self.onlyDecrypt)))
        #expect(refusal?.message.hasSuffix("because no permissions boundary allows the kms:Encrypt action") == true)

        // Same account, the user's ARN named in the key policy: the boundary's implicit deny does not limit it.
        let named = try await key(policy: Self.naming(Self.user.arn))
        var bare = caller(Self.user, boundary: Self.onlyDecrypt)
        bare.identityPolicies = []
        #expect(allowed("kms:Encrypt", named, bare))
        // An explicit deny in the boundary still does.
        #expect(!allowed("kms:Encrypt", named, caller(Self.user, boundary: Self.denyEncrypt)))
        // `*` is not the user named.
        let everyone = try await key(policy: Self.naming("*"))
        #expect(!allowed("kms:Encrypt", everyone, bare))
    }

    @Test("KMS: a session named by its own ARN escapes the boundary's implicit deny; named by its role's ARN it does not")
    func roleSessions() async throws {
        var session = caller(Self.session, boundary: Self.onlyDecrypt)
        session.identityPolicies = []
        let bySession = try await key(policy: Self.naming(Self.session.arn))
        #expect(allowed("kms:Encrypt", bySession, session))
        let byRole = try await key(policy: Self.naming(Self.session.roleArn ?? ""))
        #expect(!allowed("kms:Encrypt", byRole, session))
        #expect(allowed("kms:Decrypt", byRole, session))
        session.permissionsBoundary = nil
        #expect(allowed("kms:Encrypt", byRole, session))
    }

    @Test("Cross account: what the caller's identity policies grant is limited by its boundary")
    func crossAccount() async throws {
        let other = Principal(
            kind: .iamUser, accountId: Fixtures.accountB, arn: "arn:aws:iam::\(Fixtures.accountB):user/bob", userId: "AIDABOB",
            userName: "bob")
        let key = try await key(policy: Self.naming("arn:aws:iam::\(Fixtures.accountB):root"))
        #expect(allowed("kms:Encrypt", key, caller(other, boundary: nil)))
        #expect(!allowed("kms:Encrypt", key, caller(other, boundary: Self.onlyDecrypt)))
    }
}
