import AWSProtocol
import Foundation
import Identity
import RampartCore
import RampartTestSupport
import Testing

@Suite("IAM users, access keys and inline policies")
struct IAMServiceTests {
    func make() async throws -> (IAMService, IdentityService) {
        let store = InMemoryIdentityStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let identity = IdentityService(store: store, vault: vault, clock: clock)
        _ = try await identity.createAccount(id: Fixtures.accountA)
        return (IAMService(store: store, vault: vault, clock: clock, identity: identity), identity)
    }

    @Test func usersAreUniqueAndNamedAsAWSAllows() async throws {
        let (iam, _) = try await make()
        let user = try await iam.createUser(accountId: Fixtures.accountA, userName: "dave", path: nil, tags: [])
        #expect(user.arn == "arn:aws:iam::111111111111:user/dave")
        #expect(user.userId.hasPrefix("AIDA") && user.userId.count == 21)
        #expect(
            await errorCode { _ = try await iam.createUser(accountId: Fixtures.accountA, userName: "DAVE", path: nil, tags: []) }
                == "EntityAlreadyExists")
        #expect(
            await errorCode {
                _ = try await iam.createUser(accountId: Fixtures.accountA, userName: "no spaces", path: nil, tags: [])
            }
                == "ValidationError")
        #expect(await errorCode { _ = try await iam.getUser(accountId: Fixtures.accountB, userName: "dave") } == "NoSuchEntity")
    }

    @Test func accessKeysAuthenticateUntilDeactivated() async throws {
        let (iam, identity) = try await make()
        _ = try await iam.createUser(accountId: Fixtures.accountA, userName: "erin", path: nil, tags: [])
        let key = try await iam.createAccessKey(accountId: Fixtures.accountA, userName: "erin")
        #expect(key.record.accessKeyId.hasPrefix("AKIA") && key.secretAccessKey.count == 40)
        #expect(!key.record.sealedSecret.contains(subsequence: Array(key.secretAccessKey.utf8)))
        let credential = try #require(try await identity.credential(accessKeyId: key.record.accessKeyId))
        #expect(credential.principal.arn == "arn:aws:iam::111111111111:user/erin")
        #expect(credential.secretAccessKey == key.secretAccessKey)
        _ = try await iam.createAccessKey(accountId: Fixtures.accountA, userName: "erin")
        #expect(
            await errorCode { _ = try await iam.createAccessKey(accountId: Fixtures.accountA, userName: "erin") }
                == "LimitExceeded")
        try await iam.updateAccessKey(
            accountId: Fixtures.accountA, userName: "erin", accessKeyId: key.record.accessKeyId, status: .inactive)
        #expect(try await identity.credential(accessKeyId: key.record.accessKeyId)?.active == false)
        #expect(await errorCode { try await iam.deleteUser(accountId: Fixtures.accountA, userName: "erin") } == "DeleteConflict")
    }

    @Test func inlinePoliciesFeedTheCache() async throws {
        let (iam, _) = try await make()
        let frank = try await iam.createUser(accountId: Fixtures.accountA, userName: "frank", path: nil, tags: [])
        let owner = PolicyOwner.user("frank")
        let accept: IAMService.PolicyValidator = { _ in nil }
        let refuse: IAMService.PolicyValidator = { _ in "Syntax errors in policy." }
        #expect(try await iam.identityPolicies(for: frank.principal).isEmpty)
        try await iam.putInlinePolicy(
            accountId: Fixtures.accountA, owner: owner, policyName: "p", document: "{1}", validate: accept)
        #expect(try await iam.identityPolicies(for: frank.principal) == ["{1}"])
        try await iam.putInlinePolicy(
            accountId: Fixtures.accountA, owner: owner, policyName: "p", document: "{2}", validate: accept)
        #expect(try await iam.identityPolicies(for: frank.principal) == ["{2}"])
        #expect(
            await errorCode {
                try await iam.putInlinePolicy(
                    accountId: Fixtures.accountA, owner: owner, policyName: "q", document: "x", validate: refuse)
            } == "MalformedPolicyDocument")
        try await iam.deleteInlinePolicy(accountId: Fixtures.accountA, owner: owner, policyName: "p")
        #expect(try await iam.identityPolicies(for: frank.principal).isEmpty)
        #expect(
            await errorCode {
                try await iam.putInlinePolicy(
                    accountId: Fixtures.accountA, owner: .role("nobody"), policyName: "p", document: "{}", validate: accept)
            } == "NoSuchEntity")
    }

    @Test func groupsAndManagedPoliciesApplyToMembers() async throws {
        let (iam, _) = try await make()
        let account = Fixtures.accountA
        let accept: IAMService.PolicyValidator = { _ in nil }
        let gina = try await iam.createUser(accountId: account, userName: "gina", path: nil, tags: [])
        _ = try await iam.createGroup(accountId: account, groupName: "ops", path: nil)
        #expect(
            await errorCode { _ = try await iam.createGroup(accountId: account, groupName: "OPS", path: nil) }
                == "EntityAlreadyExists")
        let policy = try await iam.createPolicy(
            accountId: account, policyName: "read", path: "/team/", document: "{v1}", description: nil, tags: [],
            validate: accept)
        #expect(policy.arn == "arn:aws:iam::\(account):policy/team/read")
        try await iam.putInlinePolicy(
            accountId: account, owner: .group("ops"), policyName: "g", document: "{g}", validate: accept)
        try await iam.attachPolicy(accountId: account, owner: .group("ops"), arn: policy.arn)
        #expect(try await iam.identityPolicies(for: gina.principal).isEmpty)
        try await iam.addUserToGroup(accountId: account, groupName: "ops", userName: "gina")
        #expect(try await iam.identityPolicies(for: gina.principal) == ["{g}", "{v1}"])
        // A new default version takes effect at once; the old one can go only once it is not the default.
        _ = try await iam.createPolicyVersion(
            accountId: account, arn: policy.arn, document: "{v2}", setAsDefault: true, validate: accept)
        #expect(try await iam.identityPolicies(for: gina.principal) == ["{g}", "{v2}"])
        #expect(
            await errorCode { try await iam.deletePolicyVersion(accountId: account, arn: policy.arn, versionId: "v2") }
                == "DeleteConflict")
        #expect(await errorCode { try await iam.deletePolicy(accountId: account, arn: policy.arn) } == "DeleteConflict")
        #expect(await errorCode { try await iam.deleteGroup(accountId: account, groupName: "ops") } == "DeleteConflict")
        #expect(await errorCode { try await iam.deleteUser(accountId: account, userName: "gina") } == "DeleteConflict")
        for n in 3...5 {
            _ = try await iam.createPolicyVersion(
                accountId: account, arn: policy.arn, document: "{v\(n)}", setAsDefault: false, validate: accept)
        }
        #expect(
            await errorCode {
                _ = try await iam.createPolicyVersion(
                    accountId: account, arn: policy.arn, document: "{v6}", setAsDefault: false, validate: accept)
            } == "LimitExceeded")
        try await iam.removeUserFromGroup(accountId: account, groupName: "ops", userName: "gina")
        #expect(try await iam.identityPolicies(for: gina.principal).isEmpty)
        try await iam.detachPolicy(accountId: account, owner: .group("ops"), arn: policy.arn)
        #expect(try await iam.attachmentCount(accountId: account, arn: policy.arn) == 0)
        for version in ["v1", "v3", "v4", "v5"] {
            try await iam.deletePolicyVersion(accountId: account, arn: policy.arn, versionId: version)
        }
        try await iam.deletePolicy(accountId: account, arn: policy.arn)
        #expect(await errorCode { _ = try await iam.getPolicy(accountId: account, arn: policy.arn) } == "NoSuchEntity")
    }

    @Test func rolesAndTheirSessions() async throws {
        let store = InMemoryIdentityStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let identity = IdentityService(store: store, vault: vault, clock: clock)
        let iam = IAMService(store: store, vault: vault, clock: clock, identity: identity)
        let sts = STSService(store: store, vault: vault, clock: clock, iam: iam)
        identity.attach(sts)
        let accept: IAMService.PolicyValidator = { _ in nil }
        let role = try await iam.createRole(
            CreateRoleRequest(
                roleName: "deployer", path: nil, assumeRolePolicy: "{trust}", description: "d", maxSessionDuration: nil,
                tags: []), accountId: Fixtures.accountA, validateTrust: accept)
        try await iam.putInlinePolicy(
            accountId: Fixtures.accountA, owner: .role("deployer"), policyName: "p", document: "{r}", validate: accept)
        let caller = Fixtures.root()
        let (credentials, principal, _) = try await sts.assumeRole(
            caller: caller, roleArn: role.arn, sessionName: "ci", durationSeconds: 900, sessionPolicy: "{s}",
            validatePolicy: accept, authorize: { _ in nil })
        #expect(credentials.accessKeyId.hasPrefix("ASIA"))
        #expect(principal.arn == "arn:aws:sts::\(Fixtures.accountA):assumed-role/deployer/ci")
        #expect(try await iam.identityPolicies(for: principal) == ["{r}"])
        let found = try #require(try await identity.credential(accessKeyId: credentials.accessKeyId))
        #expect(found.secretAccessKey == credentials.secretAccessKey)
        #expect(found.sessionTokenHash == STSService.tokenHash(credentials.sessionToken))
        #expect(found.sessionPolicy == "{s}")
        #expect(found.expiration == clock.now.addingTimeInterval(900))
        #expect(
            await errorCode {
                _ = try await sts.assumeRole(
                    caller: caller, roleArn: role.arn, sessionName: "ci", durationSeconds: 7200, sessionPolicy: nil,
                    validatePolicy: accept, authorize: { _ in nil })
            } == "ValidationError")
        #expect(
            await errorCode {
                _ = try await sts.assumeRole(
                    caller: caller, roleArn: role.arn, sessionName: "ci", durationSeconds: nil, sessionPolicy: nil,
                    validatePolicy: accept, authorize: { _ in .accessDenied("no") })
            } == "AccessDeniedException")
        #expect(
            await errorCode { try await iam.deleteRole(accountId: Fixtures.accountA, roleName: "deployer") } == "DeleteConflict")
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}
