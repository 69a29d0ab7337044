import AWSProtocol
import Foundation
import Identity
import RampartCore
import RampartTestSupport
import Testing

@Suite("The credential cache follows changes")
struct CredentialCacheTests {
    func make() async throws -> (IAMService, IdentityService, ManualClock, Credential) {
        let store = InMemoryIdentityStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let identity = IdentityService(store: store, vault: vault, clock: clock)
        let root = try await identity.createAccount(id: Fixtures.accountA)
        return (IAMService(store: store, vault: vault, clock: clock, identity: identity), identity, clock, root)
    }

    @Test("Moving a user to another path changes the ARN its keys speak for at once")
    func pathOnlyUpdateUser() async throws {
        let (iam, identity, _, _) = try await make()
        _ = try await iam.createUser(accountId: Fixtures.accountA, userName: "ada", path: nil, tags: [])
        let key = try await iam.createAccessKey(accountId: Fixtures.accountA, userName: "ada")
        let before = try await identity.credential(accessKeyId: key.record.accessKeyId)
        #expect(before?.principal.arn == "arn:aws:iam::111111111111:user/ada")
        try await iam.updateUser(accountId: Fixtures.accountA, userName: "ada", newUserName: nil, newPath: "/ops/")
        let after = try await identity.credential(accessKeyId: key.record.accessKeyId)
        #expect(after?.principal.arn == "arn:aws:iam::111111111111:user/ops/ada")
    }

    @Test("Expired session credentials are answered once more, then forgotten")
    func expiredSessionsAreEvicted() async throws {
        let (iam, identity, clock, root) = try await make()
        let sts = STSService(store: identity.store, vault: identity.vault, clock: clock, iam: iam)
        identity.attach(sts)
        let caller = Caller(principal: root.principal, accessKeyId: root.accessKeyId, region: "us-east-1")
        let session = try await sts.getSessionToken(caller: caller, durationSeconds: 900)
        let cachedBefore = identity.cachedCredentialCount
        #expect(try await identity.credential(accessKeyId: session.accessKeyId) != nil)
        #expect(identity.cachedCredentialCount == cachedBefore + 1)
        clock.advance(by: 901)
        // The caller still learns the credential expired (the authenticator checks the date)...
        let expired = try await identity.credential(accessKeyId: session.accessKeyId)
        #expect(expired?.expiration.map { $0 <= clock.now } == true)
        // ... and it is no longer held.
        #expect(identity.cachedCredentialCount == cachedBefore)
    }

    @Test("Sessions that are never used again are swept out as new ones arrive")
    func unusedExpiredSessionsAreSwept() async throws {
        let (iam, identity, clock, root) = try await make()
        let sts = STSService(store: identity.store, vault: identity.vault, clock: clock, iam: iam)
        identity.attach(sts)
        let caller = Caller(principal: root.principal, accessKeyId: root.accessKeyId, region: "us-east-1")
        for _ in 0..<300 {
            let session = try await sts.getSessionToken(caller: caller, durationSeconds: 900)
            _ = try await identity.credential(accessKeyId: session.accessKeyId)
        }
        clock.advance(by: 1_000)
        for _ in 0..<256 {
            let session = try await sts.getSessionToken(caller: caller, durationSeconds: 900)
            _ = try await identity.credential(accessKeyId: session.accessKeyId)
        }
        // The 300 expired ones went at a sweep; only live sessions remain.
        #expect(identity.cachedCredentialCount <= 256)
    }
}
