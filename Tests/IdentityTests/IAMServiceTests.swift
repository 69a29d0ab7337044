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
        _ = try await iam.createUser(accountId: Fixtures.accountA, userName: "frank", path: nil, tags: [])
        let accept: IAMService.PolicyValidator = { _ in nil }
        let refuse: IAMService.PolicyValidator = { _ in "Syntax errors in policy." }
        #expect(try await iam.identityPolicies(accountId: Fixtures.accountA, userName: "frank").isEmpty)
        try await iam.putUserPolicy(
            accountId: Fixtures.accountA, userName: "frank", policyName: "p", document: "{1}", validate: accept)
        #expect(try await iam.identityPolicies(accountId: Fixtures.accountA, userName: "frank") == ["{1}"])
        try await iam.putUserPolicy(
            accountId: Fixtures.accountA, userName: "frank", policyName: "p", document: "{2}", validate: accept)
        #expect(try await iam.identityPolicies(accountId: Fixtures.accountA, userName: "frank") == ["{2}"])
        #expect(
            await errorCode {
                try await iam.putUserPolicy(
                    accountId: Fixtures.accountA, userName: "frank", policyName: "q", document: "x", validate: refuse)
            } == "MalformedPolicyDocument")
        try await iam.deleteUserPolicy(accountId: Fixtures.accountA, userName: "frank", policyName: "p")
        #expect(try await iam.identityPolicies(accountId: Fixtures.accountA, userName: "frank").isEmpty)
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence: [UInt8]) -> Bool {
        guard subsequence.count <= count else { return false }
        return (0...(count - subsequence.count)).contains { Array(self[$0..<($0 + subsequence.count)]) == subsequence }
    }
}
