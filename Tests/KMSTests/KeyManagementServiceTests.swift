import AWSProtocol
import Foundation
import Identity
import KMS
import KMSCiphertext
import RampartCore
import RampartTestSupport
import Testing

@Suite("Key service")
struct KeyManagementServiceTests {
    let caller = Fixtures.root()

    func plaintext(_ s: String) -> [UInt8] { Array(s.utf8) }

    @Test func createDescribeAndDefaults() async throws {
        let (kms, store, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(description: "orders"), caller: caller)
        #expect(key.keyState == .enabled)
        #expect(key.keySpec == .symmetricDefault)
        #expect(key.keyManager == .customer)
        #expect(key.arn == "arn:aws:kms:us-east-1:111111111111:key/\(key.keyId)")
        #expect(key.policy.contains("arn:aws:iam::111111111111:root"))
        #expect(try kms.describeKey(keyId: key.arn, caller: caller) == key)
        #expect(store.contents.keys.count == 1)
        #expect(store.contents.materials.count == 1)
        #expect(store.contents.materials[0].sealed.count > 32)
    }

    @Test func encryptDecryptWithContext() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let context = EncryptionContext(["app": "orders"])
        let sealed = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("hello"), context: context, algorithm: nil, dryRun: false, caller: caller)
        let opened = try kms.decrypt(
            ciphertext: sealed.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false, caller: caller)
        #expect(opened.plaintext == plaintext("hello"))
        #expect(opened.keyArn == key.arn)
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: EncryptionContext(["app": "billing"]), keyId: nil, algorithm: nil,
                    dryRun: false, caller: caller)
            } == "InvalidCiphertextException")
        let other = try await kms.createKey(CreateKeyRequest(), caller: caller)
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: context, keyId: other.keyId, algorithm: nil, dryRun: false,
                    caller: caller)
            } == "IncorrectKeyException")
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: key.keyId, plaintext: plaintext("x"), context: context, algorithm: nil, dryRun: true, caller: caller)
            } == "DryRunOperationException")
    }

    @Test func regionsAndAccountsAreSeparate() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let sealed = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("x"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
        let west = Fixtures.root(region: "eu-west-1")
        #expect(await errorCode { _ = try kms.describeKey(keyId: key.keyId, caller: west) } == "NotFoundException")
        #expect(try kms.listKeys(limit: nil, marker: nil, caller: west).items.isEmpty)
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false,
                    caller: west)
            } == "InvalidCiphertextException")
        let other = Fixtures.root(Fixtures.accountB)
        #expect(await errorCode { _ = try kms.describeKey(keyId: key.keyId, caller: other) } == "NotFoundException")
        #expect(await errorCode { _ = try kms.describeKey(keyId: key.arn, caller: other) } == "AccessDeniedException")
        #expect(try kms.listKeys(limit: nil, marker: nil, caller: other).items.isEmpty)
    }

    @Test func disableAndEnable() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        try await kms.disableKey(keyId: key.keyId, caller: caller)
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: key.keyId, plaintext: plaintext("x"), context: EncryptionContext(), algorithm: nil, dryRun: false,
                    caller: caller)
            } == "DisabledException")
        try await kms.enableKey(keyId: key.keyId, caller: caller)
        _ = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("x"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
    }

    @Test func scheduledDeletionWaitsItsWindowThenShreds() async throws {
        let (kms, store, clock) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        try await kms.createAlias(aliasName: "alias/gone", targetKeyId: key.keyId, caller: caller)
        let sealed = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("x"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
        #expect(
            await errorCode { _ = try await kms.scheduleKeyDeletion(keyId: key.keyId, pendingWindowInDays: 6, caller: caller) }
                == "ValidationException")
        #expect(
            await errorCode { _ = try await kms.scheduleKeyDeletion(keyId: key.keyId, pendingWindowInDays: 31, caller: caller) }
                == "ValidationException")
        let scheduled = try await kms.scheduleKeyDeletion(keyId: key.keyId, pendingWindowInDays: nil, caller: caller)
        #expect(scheduled.keyState == .pendingDeletion)
        #expect(scheduled.pendingDeletionWindowInDays == 30)
        #expect(
            await errorCode { _ = try await kms.scheduleKeyDeletion(keyId: key.keyId, pendingWindowInDays: 7, caller: caller) }
                == "KMSInvalidStateException")
        clock.advance(by: 29 * 86_400)
        #expect(await kms.sweep().deletedKeys.isEmpty)
        clock.advance(by: 2 * 86_400)
        #expect(await kms.sweep().deletedKeys == [key.arn])
        #expect(await errorCode { _ = try kms.describeKey(keyId: key.keyId, caller: caller) } == "NotFoundException")
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false,
                    caller: caller)
            } == "NotFoundException")
        #expect(store.contents.keys.isEmpty)
        #expect(store.contents.materials.isEmpty)
        #expect(store.contents.aliases.isEmpty)
    }

    @Test func lastUsageIsWrittenWhenItChangesAndKeptByLaterChanges() async throws {
        let (kms, store, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        _ = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("x"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller, requestId: "r-1")
        #expect(store.contents.keys[0].lastUsage == nil)
        await kms.flushLastUsage()
        #expect(store.contents.keys[0].lastUsage?.requestId == "r-1")
        // A later change of the key writes its document again, with the usage it has by then.
        _ = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("x"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller, requestId: "r-2")
        try await kms.updateKeyDescription(keyId: key.keyId, description: "d", caller: caller)
        #expect(store.contents.keys[0].lastUsage?.requestId == "r-2")
        #expect(store.contents.keys[0].description == "d")
    }

    @Test func cancelledDeletionLeavesTheKeyDisabled() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        #expect(
            await errorCode { _ = try await kms.cancelKeyDeletion(keyId: key.keyId, caller: caller) }
                == "KMSInvalidStateException")
        _ = try await kms.scheduleKeyDeletion(keyId: key.keyId, pendingWindowInDays: 7, caller: caller)
        let cancelled = try await kms.cancelKeyDeletion(keyId: key.keyId, caller: caller)
        #expect(cancelled.keyState == .disabled)
        #expect(cancelled.deletionDate == nil)
    }

    @Test func rotationKeepsOldCiphertextReadable() async throws {
        let (kms, _, clock) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let before = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("v1"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
        for _ in 0..<3 { _ = try await kms.rotateKeyOnDemand(keyId: key.keyId, caller: caller) }
        try await kms.enableKeyRotation(keyId: key.keyId, rotationPeriodInDays: 90, caller: caller)
        clock.advance(by: 91 * 86_400)
        #expect(await kms.sweep().rotatedKeys == [key.arn])
        let rotations = try kms.listKeyRotations(keyId: key.keyId, includeInitial: false, limit: nil, marker: nil, caller: caller)
        #expect(rotations.items.map(\.material.rotationType) == [.onDemand, .onDemand, .onDemand, .automatic])
        #expect(rotations.items.last?.isCurrent == true)
        let after = try kms.encrypt(
            keyId: key.keyId, plaintext: plaintext("v2"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
        #expect(
            SymmetricCiphertext.parse(after.ciphertextBlob)?.materialId
                != SymmetricCiphertext.parse(before.ciphertextBlob)?.materialId)
        for blob in [before, after] {
            _ = try kms.decrypt(
                ciphertext: blob.ciphertextBlob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false,
                caller: caller)
        }
        let status = try kms.getKeyRotationStatus(keyId: key.keyId, caller: caller)
        #expect(status.rotation?.periodInDays == 90)
        #expect(try #require(status.rotation?.nextRotationDate) > clock.now)
    }

    @Test func onDemandRotationLimit() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        for _ in 0..<KeyManagementService.onDemandRotationLimit {
            _ = try await kms.rotateKeyOnDemand(keyId: key.keyId, caller: caller)
        }
        #expect(
            await errorCode { _ = try await kms.rotateKeyOnDemand(keyId: key.keyId, caller: caller) } == "LimitExceededException")
    }

    @Test func aliases() async throws {
        let (kms, _, _) = Fixtures.kms()
        let a = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let b = try await kms.createKey(CreateKeyRequest(), caller: caller)
        try await kms.createAlias(aliasName: "alias/orders", targetKeyId: a.keyId, caller: caller)
        #expect(
            await errorCode { try await kms.createAlias(aliasName: "alias/orders", targetKeyId: b.keyId, caller: caller) }
                == "AlreadyExistsException")
        #expect(
            await errorCode { try await kms.createAlias(aliasName: "alias/aws/mine", targetKeyId: b.keyId, caller: caller) }
                == "InvalidAliasNameException")
        #expect(
            await errorCode { try await kms.createAlias(aliasName: "orders", targetKeyId: b.keyId, caller: caller) }
                == "ValidationException")
        #expect(try kms.describeKey(keyId: "alias/orders", caller: caller).keyId == a.keyId)
        #expect(try kms.describeKey(keyId: "arn:aws:kms:us-east-1:111111111111:alias/orders", caller: caller).keyId == a.keyId)
        try await kms.updateAlias(aliasName: "alias/orders", targetKeyId: b.arn, caller: caller)
        #expect(try kms.describeKey(keyId: "alias/orders", caller: caller).keyId == b.keyId)
        #expect(try kms.listAliases(keyId: a.keyId, limit: nil, marker: nil, caller: caller).items.isEmpty)
        #expect(
            try kms.listAliases(keyId: nil, limit: nil, marker: nil, caller: caller).items.map(\.aliasName) == ["alias/orders"])
        #expect(await errorCode { _ = try await kms.enableKey(keyId: "alias/orders", caller: caller) } == "NotFoundException")
        try await kms.deleteAlias(aliasName: "alias/orders", caller: caller)
        #expect(await errorCode { _ = try kms.describeKey(keyId: "alias/orders", caller: caller) } == "NotFoundException")
    }

    @Test func listingPages() async throws {
        let (kms, _, _) = Fixtures.kms()
        var created: [String] = []
        for _ in 0..<5 { created.append(try await kms.createKey(CreateKeyRequest(), caller: caller).keyId) }
        var seen: [String] = []
        var marker: String?
        repeat {
            let page = try kms.listKeys(limit: 2, marker: marker, caller: caller)
            seen += page.items.map(\.keyId)
            marker = page.nextMarker
        } while marker != nil
        #expect(Set(seen) == Set(created))
        #expect(seen.count == 5)
        #expect(await errorCode { _ = try kms.listKeys(limit: 2, marker: "bogus", caller: caller) } == "InvalidMarkerException")
    }

    @Test func tags() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(tags: [Tag(key: "team", value: "a")]), caller: caller)
        try await kms.tagResource(
            keyId: key.keyId, tags: [Tag(key: "team", value: "b"), Tag(key: "env", value: "dev")], caller: caller)
        #expect(
            try kms.listResourceTags(keyId: key.keyId, limit: nil, marker: nil, caller: caller).items == [
                Tag(key: "team", value: "b"), Tag(key: "env", value: "dev"),
            ])
        #expect(
            await errorCode { try await kms.tagResource(keyId: key.keyId, tags: [Tag(key: "aws:x", value: "y")], caller: caller) }
                == "TagException")
        try await kms.untagResource(keyId: key.keyId, tagKeys: ["team"], caller: caller)
        #expect(
            try kms.listResourceTags(keyId: key.keyId, limit: nil, marker: nil, caller: caller).items == [
                Tag(key: "env", value: "dev")
            ])
    }

    @Test func stateSurvivesAReload() async throws {
        let vault = Fixtures.vault()
        let store = InMemoryKeyStore()
        let (kms, _, clock) = Fixtures.kms(store: store, vault: vault)
        let key = try await kms.createKey(CreateKeyRequest(description: "kept"), caller: caller)
        try await kms.createAlias(aliasName: "alias/kept", targetKeyId: key.keyId, caller: caller)
        _ = try await kms.rotateKeyOnDemand(keyId: key.keyId, caller: caller)
        let sealed = try kms.encrypt(
            keyId: "alias/kept", plaintext: plaintext("durable"), context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
        let (reloaded, _, _) = Fixtures.kms(clock: clock, store: store, vault: vault)
        try await reloaded.load()
        #expect(
            try reloaded.describeKey(keyId: "alias/kept", caller: caller) == kms.describeKey(keyId: key.keyId, caller: caller))
        let opened = try reloaded.decrypt(
            ciphertext: sealed.ciphertextBlob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false,
            caller: caller)
        #expect(opened.plaintext == plaintext("durable"))
    }

    @Test func aFailedWriteChangesNothing() async throws {
        let (kms, store, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        store.failWrites = true
        #expect(await errorCode { try await kms.disableKey(keyId: key.keyId, caller: caller) } == "KMSInternalException")
        #expect(try kms.describeKey(keyId: key.keyId, caller: caller).keyState == .enabled)
        #expect(await errorCode { _ = try await kms.createKey(CreateKeyRequest(), caller: caller) } == "KMSInternalException")
        #expect(try kms.listKeys(limit: nil, marker: nil, caller: caller).items.count == 1)
    }

    @Test func generateDataKey() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let context = EncryptionContext(["purpose": "test"])
        let dk = try kms.generateDataKey(
            keyId: key.keyId, keySpec: "AES_256", numberOfBytes: nil, context: context, includePlaintext: true, dryRun: false,
            caller: caller)
        #expect(dk.plaintext?.count == 32)
        let back = try kms.decrypt(
            ciphertext: dk.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false, caller: caller)
        #expect(back.plaintext == dk.plaintext)
        let bare = try kms.generateDataKey(
            keyId: key.keyId, keySpec: nil, numberOfBytes: 7, context: context, includePlaintext: false, dryRun: false,
            caller: caller)
        #expect(bare.plaintext == nil)
        #expect(
            try kms.decrypt(
                ciphertext: bare.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false, caller: caller
            ).plaintext.count == 7)
        #expect(
            await errorCode {
                _ = try kms.generateDataKey(
                    keyId: key.keyId, keySpec: nil, numberOfBytes: nil, context: context, includePlaintext: true, dryRun: false,
                    caller: caller)
            } == "ValidationException")
    }

    @Test func racingChangesLeaveAConsistentKey() async throws {
        let (kms, store, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let caller = self.caller
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    switch i % 4 {
                    case 0: try? await kms.disableKey(keyId: key.keyId, caller: caller)
                    case 1: try? await kms.enableKey(keyId: key.keyId, caller: caller)
                    case 2: _ = try? await kms.rotateKeyOnDemand(keyId: key.keyId, caller: caller)
                    default: try? await kms.updateKeyDescription(keyId: key.keyId, description: "d\(i)", caller: caller)
                    }
                }
            }
        }
        let final = try kms.describeKey(keyId: key.keyId, caller: caller)
        #expect(store.contents.keys.first { $0.keyId == key.keyId } == final)
        #expect(
            Set(store.contents.materials.filter { $0.keyId == key.keyId }.map(\.materialId))
                == Set(final.materials.map(\.materialId)))
    }
}
