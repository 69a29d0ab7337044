import AWSProtocol
import Foundation
import Identity
import KMS
import KMSCiphertext
import RampartCore
import RampartTestSupport
import Testing

@Suite("Grants")
struct GrantTests {
    let owner = Fixtures.root()
    let daveArn = "arn:aws:iam::111111111111:user/dave"

    var dave: Caller {
        Caller(
            principal: Principal(
                kind: .iamUser, accountId: Fixtures.accountA, arn: daveArn, userId: "AIDADAVE", userName: "dave"),
            accessKeyId: "AKIADAVE", region: "us-east-1")
    }

    /// Owners may do anything with their own keys; IAM users only what grants give them.
    struct OwnerOnly: KMSAuthorizer {
        func authorize(_ request: KMSAccessRequest) -> AWSError? {
            request.caller.principal.kind == .root ? nil : .accessDenied(AccessDeniedMessage.text(request, because: "no policy"))
        }
    }

    @Test func grantsAllowOnlyTheirOperationsAndContexts() async throws {
        let kms = KeyManagementService(
            store: InMemoryKeyStore(), vault: Fixtures.vault(), clock: ManualClock(), authorizer: OwnerOnly())
        let key = try await kms.createKey(CreateKeyRequest(), caller: owner)
        let context = EncryptionContext(["app": "orders"])
        #expect(
            await errorCode {
                _ = try kms.encrypt(keyId: key.arn, plaintext: [1], context: context, algorithm: nil, dryRun: false, caller: dave)
            } == "AccessDeniedException")
        let (grant, token) = try await kms.createGrant(
            CreateGrantRequest(
                keyId: key.keyId, granteePrincipal: daveArn, retiringPrincipal: nil, operations: ["Encrypt"],
                constraints: GrantConstraints(encryptionContextSubset: ["app": "orders"], encryptionContextEquals: nil),
                name: "g",
                dryRun: false), caller: owner)
        try kms.checkGrantTokens([token])
        let sealed = try kms.encrypt(
            keyId: key.arn, plaintext: [1], context: context, algorithm: nil, dryRun: false, caller: dave)
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: key.arn, plaintext: [1], context: EncryptionContext(["app": "x"]), algorithm: nil, dryRun: false,
                    caller: dave)
            } == "AccessDeniedException")
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false, caller: dave)
            } == "AccessDeniedException")
        let (again, _) = try await kms.createGrant(
            CreateGrantRequest(
                keyId: key.keyId, granteePrincipal: daveArn, retiringPrincipal: nil, operations: ["Encrypt"],
                constraints: GrantConstraints(encryptionContextSubset: ["app": "orders"], encryptionContextEquals: nil),
                name: "g",
                dryRun: false), caller: owner)
        #expect(again.grantId == grant.grantId)
        try await kms.revokeGrant(keyId: key.keyId, grantId: grant.grantId, dryRun: false, caller: owner)
        #expect(
            await errorCode {
                _ = try kms.encrypt(keyId: key.arn, plaintext: [1], context: context, algorithm: nil, dryRun: false, caller: dave)
            } == "AccessDeniedException")
        #expect(await errorCode { try kms.checkGrantTokens(["not-a-token"]) } == "InvalidGrantTokenException")
    }

    @Test func grantsSurviveAReloadAndDieWithTheirKey() async throws {
        let store = InMemoryKeyStore()
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let kms = KeyManagementService(store: store, vault: vault, clock: clock, authorizer: OwnerOnly())
        let key = try await kms.createKey(CreateKeyRequest(), caller: owner)
        _ = try await kms.createGrant(
            CreateGrantRequest(
                keyId: key.keyId, granteePrincipal: daveArn, retiringPrincipal: daveArn, operations: ["Encrypt", "RetireGrant"],
                constraints: nil, name: nil, dryRun: false), caller: owner)
        let reloaded = KeyManagementService(store: store, vault: vault, clock: clock, authorizer: OwnerOnly())
        try await reloaded.load()
        #expect(
            try reloaded.listGrants(keyId: key.keyId, grantId: nil, granteePrincipal: nil, limit: nil, marker: nil, caller: owner)
                .items.count == 1)
        _ = try reloaded.encrypt(
            keyId: key.arn, plaintext: [1], context: EncryptionContext(), algorithm: nil, dryRun: false, caller: dave)
        _ = try await reloaded.scheduleKeyDeletion(keyId: key.keyId, pendingWindowInDays: 7, caller: owner)
        clock.advance(by: 8 * 86_400)
        await reloaded.sweep()
        #expect(store.contents.grants.isEmpty)
    }
}
