import AWSProtocol
import Crypto
import Foundation
import Identity
import KMSCiphertext
import RampartCore
import RampartTestSupport
import Testing

@testable import KMS

@Suite("Multi-Region keys: rules")
struct MultiRegionRulesTests {
    @Test func keyIds() {
        let id = MultiRegionRules.keyId(randomBytes: [UInt8](repeating: 0xab, count: 16))
        #expect(id == "mrk-" + String(repeating: "ab", count: 16))
        #expect(MultiRegionRules.isMultiRegionKeyId(id))
        #expect(!MultiRegionRules.isMultiRegionKeyId("mrk-" + String(repeating: "g", count: 32)))
        #expect(!MultiRegionRules.isMultiRegionKeyId("mrk-abc"))
        #expect(!MultiRegionRules.isMultiRegionKeyId("1234abcd-12ab-34cd-56ef-1234567890ab"))
        // Only multi-Region keys' slots name their region: their related keys share the key id.
        #expect(KMSKey.slot(keyId: id, region: "us-west-2") == "\(id)/us-west-2")
        #expect(
            KMSKey.slot(keyId: "1234abcd-12ab-34cd-56ef-1234567890ab", region: "us-west-2")
                == "1234abcd-12ab-34cd-56ef-1234567890ab")
    }

    @Test(arguments: [
        ("us-west-2", true), ("ap-southeast-2", true), ("us-gov-west-1", true), ("us-west", false), ("US-west-2", false),
        ("us--2", false), ("useast1", false), ("", false), ("a-b-c-d-1", false),
    ])
    func regionNames(region: String, valid: Bool) {
        #expect(MultiRegionRules.isValidRegionName(region) == valid)
    }

    func key(_ type: MultiRegionKeyType?, region: String = "us-east-1", replicas: [String] = []) -> KMSKey {
        let primaryRegion = type == .replica ? "eu-west-1" : region
        return KMSKey(
            keyId: "mrk-" + String(repeating: "1", count: 32), accountId: "111111111111", region: region, creationDate: Date(),
            description: "", keyUsage: .encryptDecrypt, keySpec: .symmetricDefault, origin: .awsKMS, keyManager: .customer,
            keyState: .enabled, deletionDate: nil, pendingDeletionWindowInDays: nil, policy: "", tags: [], rotation: nil,
            materials: [], onDemandRotationStartDate: nil, lastUsage: nil,
            multiRegion: type.map {
                MultiRegionConfiguration(
                    keyType: $0, primaryRegion: primaryRegion, replicaRegions: $0 == .replica ? [region] + replicas : replicas)
            })
    }

    @Test func whatReplicationRefuses() {
        #expect(MultiRegionRules.replicationRefusal(of: key(.primary), to: "us-west-2") == nil)
        #expect(MultiRegionRules.replicationRefusal(of: key(nil), to: "us-west-2")?.code == "UnsupportedOperationException")
        #expect(MultiRegionRules.replicationRefusal(of: key(.replica), to: "us-west-2")?.code == "UnsupportedOperationException")
        #expect(MultiRegionRules.replicationRefusal(of: key(.primary), to: "us-east-1")?.code == "UnsupportedOperationException")
        #expect(MultiRegionRules.replicationRefusal(of: key(.primary), to: "cn-north-1")?.code == "UnsupportedOperationException")
        let twice = MultiRegionRules.replicationRefusal(of: key(.primary, replicas: ["us-west-2"]), to: "us-west-2")
        #expect(twice?.code == "AlreadyExistsException")
        #expect(
            twice?.message == "arn:aws:kms:us-west-2:111111111111:key/mrk-\(String(repeating: "1", count: 32)) already exists.")
    }

    @Test func whatUpdatePrimaryRegionRefuses() {
        let primary = key(.primary, replicas: ["us-west-2"])
        #expect(MultiRegionRules.updatePrimaryRefusal(of: primary, to: "us-west-2") == nil)
        #expect(MultiRegionRules.updatePrimaryRefusal(of: primary, to: "eu-central-1")?.code == "NotFoundException")
        #expect(
            MultiRegionRules.updatePrimaryRefusal(of: key(.replica), to: "us-west-2")?.code == "UnsupportedOperationException")
        #expect(MultiRegionRules.updatePrimaryRefusal(of: key(nil), to: "us-west-2")?.code == "UnsupportedOperationException")
    }

    @Test func configurationOfEachRelatedKey() {
        let regions = ["us-east-1", "us-west-2", "eu-west-1"]
        let replica = MultiRegionRules.configuration(of: "eu-west-1", primaryRegion: "us-west-2", regions: regions)
        #expect(replica.keyType == .replica)
        #expect(replica.primaryRegion == "us-west-2")
        #expect(replica.replicaRegions == ["us-east-1", "eu-west-1"])
        #expect(MultiRegionRules.configuration(of: "us-west-2", primaryRegion: "us-west-2", regions: regions).keyType == .primary)
    }

    @Test func keyStates() {
        let arn = "arn"
        #expect(KeyStateRules.refusal(.replicateKey, state: .enabled, keyArn: arn) == nil)
        #expect(KeyStateRules.refusal(.replicateKey, state: .disabled, keyArn: arn) == .disabled(arn))
        #expect(KeyStateRules.refusal(.replicateKey, state: .pendingImport, keyArn: arn) == nil)
        #expect(
            KeyStateRules.refusal(.replicateKey, state: .pendingDeletion, keyArn: arn)
                == .invalidState(arn, "is pending deletion"))
        #expect(
            KeyStateRules.refusal(.replicateKey, state: .pendingReplicaDeletion, keyArn: arn)
                == .invalidState(arn, "is pending replica deletion"))
        #expect(KeyStateRules.refusal(.updatePrimaryRegion, state: .disabled, keyArn: arn) == .disabled(arn))
        #expect(
            KeyStateRules.refusal(.updatePrimaryRegion, state: .pendingImport, keyArn: arn)
                == .invalidState(arn, "is pending import"))
        #expect(
            KeyStateRules.refusal(.cryptographic, state: .pendingReplicaDeletion, keyArn: arn)
                == .invalidState(arn, "is pending replica deletion"))
        #expect(KeyStateRules.refusal(.cancelKeyDeletion, state: .pendingReplicaDeletion, keyArn: arn) == nil)
        #expect(KeyStateRules.refusal(.putKeyPolicy, state: .pendingReplicaDeletion, keyArn: arn) == nil)
        #expect(KeyStateRules.refusal(.describeKey, state: .pendingReplicaDeletion, keyArn: arn) == nil)
    }
}

@Suite("Multi-Region keys: ciphertext")
struct MultiRegionCiphertextTests {
    /// A version 0x01 blob written by the format as it was before multi-Region keys (made with
    /// Python's `cryptography` from the documented layout): key id
    /// 1234abcd-12ab-34cd-56ef-1234567890ab, material 0x00...0x1f, context {"app": "orders"}.
    static let oldBlob =
        "013131313131313131313131310975732d656173742d311234abcd12ab34cd56ef1234567890ababababababababababababababababababababababababababababababababab0707070707070707070707077818cf281b6ab9d4a4f875eff234d4f6d430f91aa5a5e47e97d430da6fbb4b68692e89af73c813d770e39dc208161583"

    @Test func oldFormatStillDecrypts() throws {
        let blob = try #require(Hex.decode(Self.oldBlob))
        let parsed = try #require(SymmetricCiphertext.parse(blob))
        #expect(parsed.keyId == "1234abcd-12ab-34cd-56ef-1234567890ab")
        #expect(parsed.region == "us-east-1")
        let plaintext = try parsed.open(
            material: SymmetricKey(data: Array(0..<32) as [UInt8]), context: EncryptionContext(["app": "orders"]))
        #expect(plaintext == Array("written before multi-Region keys".utf8))
        // Single-Region keys still write version 0x01.
        let fresh = try SymmetricCiphertext.seal(
            [1], material: SymmetricKey(size: .bits256), accountId: "111111111111", region: "us-east-1",
            keyId: parsed.keyId, materialId: parsed.materialId, context: EncryptionContext())
        #expect(fresh.bytes[0] == 0x01)
    }

    @Test func multiRegionKeysWriteVersionTwo() throws {
        let material = SymmetricKey(size: .bits256)
        let keyId = "mrk-" + String(repeating: "0f", count: 16)
        let sealed = try SymmetricCiphertext.seal(
            Array("across regions".utf8), material: material, accountId: "111111111111", region: "eu-west-1", keyId: keyId,
            materialId: String(repeating: "cd", count: 32), context: EncryptionContext())
        #expect(sealed.bytes[0] == 0x02)
        let parsed = try #require(SymmetricCiphertext.parse(sealed.bytes))
        #expect(parsed.keyId == keyId)
        #expect(parsed.region == "eu-west-1")
        #expect(try parsed.open(material: material, context: EncryptionContext()) == Array("across regions".utf8))
        // The version byte is authenticated: a v2 blob relabelled v1 names another key and fails.
        var relabelled = sealed.bytes
        relabelled[0] = 0x01
        let other = try #require(SymmetricCiphertext.parse(relabelled))
        #expect(throws: (any Error).self) { try other.open(material: material, context: EncryptionContext()) }
    }
}

@Suite("Multi-Region keys: service")
struct MultiRegionServiceTests {
    let east = Fixtures.root()
    let west = Fixtures.root(region: "us-west-2")
    let europe = Fixtures.root(region: "eu-west-1")

    func pair(
        _ kms: KeyManagementService, spec: String? = nil, usage: String? = nil, origin: String? = nil
    ) async throws -> (KMSKey, KMSKey) {
        let primary = try await kms.createKey(
            CreateKeyRequest(description: "p", keyUsage: usage, keySpec: spec, origin: origin, multiRegion: true), caller: east)
        let replica = try await kms.replicateKey(
            ReplicateKeyRequest(keyId: primary.keyId, replicaRegion: "us-west-2", description: "r"), caller: east)
        return (try kms.describeKey(keyId: primary.keyId, caller: east), replica)
    }

    @Test func createAndReplicate() async throws {
        let (kms, store, _) = Fixtures.kms()
        let (primary, answered) = try await pair(kms)
        #expect(primary.keyId.hasPrefix("mrk-"))
        #expect(answered.keyState == .creating)
        #expect(answered.arn == "arn:aws:kms:us-west-2:111111111111:key/\(primary.keyId)")
        let replica = try kms.describeKey(keyId: primary.keyId, caller: west)
        #expect(replica.keyState == .enabled)
        #expect(replica.description == "r")
        #expect(
            replica.multiRegion
                == MultiRegionConfiguration(keyType: .replica, primaryRegion: "us-east-1", replicaRegions: ["us-west-2"]))
        #expect(
            primary.multiRegion
                == MultiRegionConfiguration(keyType: .primary, primaryRegion: "us-east-1", replicaRegions: ["us-west-2"]))
        #expect(replica.materials == primary.materials)
        #expect(store.contents.keys.count == 2)
        #expect(store.contents.materials.count == 2)
        // Both regions list their own key; a single-Region key's region sees nothing of another.
        #expect(try kms.listKeys(limit: nil, marker: nil, caller: west).items.map(\.arn) == [replica.arn])

        #expect(
            await errorCode {
                _ = try await kms.replicateKey(
                    ReplicateKeyRequest(keyId: primary.keyId, replicaRegion: "us-west-2"), caller: east)
            } == "AlreadyExistsException")
        #expect(
            await errorCode {
                _ = try await kms.replicateKey(
                    ReplicateKeyRequest(keyId: primary.keyId, replicaRegion: "eu-west-1"), caller: west)
            } == "UnsupportedOperationException")
        let single = try await kms.createKey(CreateKeyRequest(), caller: east)
        #expect(
            await errorCode {
                _ = try await kms.replicateKey(ReplicateKeyRequest(keyId: single.keyId, replicaRegion: "eu-west-1"), caller: east)
            } == "UnsupportedOperationException")
        try await kms.disableKey(keyId: primary.keyId, caller: east)
        #expect(
            await errorCode {
                _ = try await kms.replicateKey(
                    ReplicateKeyRequest(keyId: primary.keyId, replicaRegion: "eu-west-1"), caller: east)
            } == "DisabledException")
        // Enabled state is the replica's own.
        #expect(try kms.describeKey(keyId: primary.keyId, caller: west).keyState == .enabled)
    }

    @Test func ciphertextCrossesRegions() async throws {
        let (kms, _, _) = Fixtures.kms()
        let (primary, replica) = try await pair(kms)
        let context = EncryptionContext(["app": "orders"])
        let sealed = try kms.encrypt(
            keyId: primary.keyId, plaintext: [1, 2, 3], context: context, algorithm: nil, dryRun: false, caller: east)
        let opened = try kms.decrypt(
            ciphertext: sealed.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false, caller: west)
        #expect(opened.plaintext == [1, 2, 3])
        #expect(opened.keyArn == replica.arn)
        let named = try kms.decrypt(
            ciphertext: sealed.ciphertextBlob, context: context, keyId: replica.arn, algorithm: nil, dryRun: false, caller: west)
        #expect(named.plaintext == [1, 2, 3])
        // No related key in the region: nothing decrypts there.
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false,
                    caller: europe)
            } == "NotFoundException")
        // A single-Region key's ciphertext stays in its region.
        let single = try await kms.createKey(CreateKeyRequest(), caller: east)
        let local = try kms.encrypt(
            keyId: single.keyId, plaintext: [9], context: context, algorithm: nil, dryRun: false, caller: east)
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: local.ciphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false, caller: west)
            } == "InvalidCiphertextException")
    }

    @Test func rotationIsSharedAndSetOnThePrimary() async throws {
        let (kms, _, clock) = Fixtures.kms()
        let (primary, _) = try await pair(kms)
        let before = try kms.encrypt(
            keyId: primary.keyId, plaintext: [7], context: EncryptionContext(), algorithm: nil, dryRun: false, caller: east)
        #expect(
            await errorCode { try await kms.enableKeyRotation(keyId: primary.keyId, rotationPeriodInDays: 90, caller: west) }
                == "UnsupportedOperationException")
        #expect(
            await errorCode { _ = try await kms.rotateKeyOnDemand(keyId: primary.keyId, caller: west) }
                == "UnsupportedOperationException")
        try await kms.enableKeyRotation(keyId: primary.keyId, rotationPeriodInDays: 90, caller: east)
        #expect(try kms.getKeyRotationStatus(keyId: primary.keyId, caller: west).rotation?.periodInDays == 90)
        _ = try await kms.rotateKeyOnDemand(keyId: primary.keyId, caller: east)
        clock.advance(by: 91 * 86_400)
        let report = await kms.sweep()
        #expect(report.rotatedKeys == [primary.arn])
        let replica = try kms.describeKey(keyId: primary.keyId, caller: west)
        let rotated = try kms.describeKey(keyId: primary.keyId, caller: east)
        #expect(replica.materials == rotated.materials)
        #expect(replica.materials.count == 3)
        // Every version decrypts in either region.
        let after = try kms.encrypt(
            keyId: primary.keyId, plaintext: [8], context: EncryptionContext(), algorithm: nil, dryRun: false, caller: west)
        for (blob, plain) in [(before.ciphertextBlob, [UInt8]([7])), (after.ciphertextBlob, [8])] {
            for caller in [east, west] {
                let opened = try kms.decrypt(
                    ciphertext: blob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false, caller: caller)
                #expect(opened.plaintext == plain)
            }
        }
        try await kms.disableKeyRotation(keyId: primary.keyId, caller: east)
        #expect(try kms.describeKey(keyId: primary.keyId, caller: west).rotation == nil)
    }

    @Test func signaturesAndMacsCrossRegions() async throws {
        let (kms, _, _) = Fixtures.kms()
        let (signer, _) = try await pair(kms, spec: "ECC_NIST_P256", usage: "SIGN_VERIFY")
        let signature = try kms.sign(
            keyId: signer.keyId, message: [1, 2], messageType: nil, algorithm: "ECDSA_SHA_256", dryRun: false, caller: east)
        let verifiedBy = try kms.verify(
            keyId: signer.keyId, message: [1, 2], messageType: nil, signature: signature.signature,
            algorithm: "ECDSA_SHA_256", dryRun: false, caller: west)
        #expect(verifiedBy == "arn:aws:kms:us-west-2:111111111111:key/\(signer.keyId)")
        let (mac, _) = try await pair(kms, spec: "HMAC_256", usage: "GENERATE_VERIFY_MAC")
        let tag = try kms.generateMac(keyId: mac.keyId, message: [3], algorithm: "HMAC_SHA_256", dryRun: false, caller: west)
        _ = try kms.verifyMac(
            keyId: mac.keyId, message: [3], mac: tag.mac, algorithm: "HMAC_SHA_256", dryRun: false, caller: east)
    }

    @Test func updatePrimaryRegionSwapsRoles() async throws {
        let (kms, _, _) = Fixtures.kms()
        let (primary, _) = try await pair(kms)
        _ = try await kms.replicateKey(ReplicateKeyRequest(keyId: primary.keyId, replicaRegion: "eu-west-1"), caller: east)
        try await kms.updatePrimaryRegion(keyId: primary.keyId, primaryRegion: "us-west-2", caller: east)
        let newPrimary = try kms.describeKey(keyId: primary.keyId, caller: west)
        #expect(
            newPrimary.multiRegion
                == MultiRegionConfiguration(
                    keyType: .primary, primaryRegion: "us-west-2", replicaRegions: ["us-east-1", "eu-west-1"]))
        #expect(try kms.describeKey(keyId: primary.keyId, caller: east).multiRegion?.keyType == .replica)
        #expect(try kms.describeKey(keyId: primary.keyId, caller: europe).multiRegion?.primaryRegion == "us-west-2")
        // The old primary is a replica now: it neither replicates nor hands the role on.
        #expect(
            await errorCode { try await kms.updatePrimaryRegion(keyId: primary.keyId, primaryRegion: "eu-west-1", caller: east) }
                == "UnsupportedOperationException")
        #expect(
            await errorCode { try await kms.updatePrimaryRegion(keyId: primary.keyId, primaryRegion: "ap-south-1", caller: west) }
                == "NotFoundException")
        try await kms.disableKey(keyId: primary.keyId, caller: europe)
        #expect(
            await errorCode { try await kms.updatePrimaryRegion(keyId: primary.keyId, primaryRegion: "eu-west-1", caller: west) }
                == "DisabledException")
    }

    @Test func primaryWaitsForItsReplicasDeletion() async throws {
        let (kms, _, clock) = Fixtures.kms()
        let (primary, replica) = try await pair(kms)
        let scheduled = try await kms.scheduleKeyDeletion(keyId: primary.keyId, pendingWindowInDays: 7, caller: east)
        #expect(scheduled.keyState == .pendingReplicaDeletion)
        #expect(scheduled.deletionDate == nil)
        #expect(scheduled.pendingDeletionWindowInDays == 7)
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: primary.keyId, plaintext: [1], context: EncryptionContext(), algorithm: nil, dryRun: false,
                    caller: east)
            } == "KMSInvalidStateException")
        // Cancelled, it is Disabled; scheduled again, it waits again.
        #expect(try await kms.cancelKeyDeletion(keyId: primary.keyId, caller: east).keyState == .disabled)
        _ = try await kms.scheduleKeyDeletion(keyId: primary.keyId, pendingWindowInDays: 7, caller: east)
        clock.advance(by: 40 * 86_400)
        #expect(await kms.sweep().deletedKeys.isEmpty)
        let replicaScheduled = try await kms.scheduleKeyDeletion(keyId: replica.arn, pendingWindowInDays: 10, caller: west)
        #expect(replicaScheduled.keyState == .pendingDeletion)
        clock.advance(by: 10 * 86_400)
        #expect(await kms.sweep().deletedKeys == [replica.arn])
        let waiting = try kms.describeKey(keyId: primary.keyId, caller: east)
        #expect(waiting.keyState == .pendingDeletion)
        #expect(waiting.deletionDate == clock.now.addingTimeInterval(7 * 86_400))
        #expect(waiting.multiRegion?.replicaRegions == [])
        clock.advance(by: 7 * 86_400)
        #expect(await kms.sweep().deletedKeys == [primary.arn])
    }

    @Test func aReplicaIsReplicatedAgainAfterItsDeletion() async throws {
        let (kms, store, clock) = Fixtures.kms()
        let (primary, replica) = try await pair(kms)
        try await kms.createAlias(aliasName: "alias/west", targetKeyId: replica.arn, caller: west)
        try await kms.createAlias(aliasName: "alias/east", targetKeyId: primary.keyId, caller: east)
        _ = try await kms.scheduleKeyDeletion(keyId: replica.arn, pendingWindowInDays: 7, caller: west)
        clock.advance(by: 8 * 86_400)
        #expect(await kms.sweep().deletedKeys == [replica.arn])
        // The primary keeps its material and alias; only the replica's went.
        #expect(store.contents.materials.count == 1)
        #expect(store.contents.aliases.map(\.aliasName) == ["alias/east"])
        #expect(try kms.describeKey(keyId: "alias/east", caller: east).multiRegion?.replicaRegions == [])
        let again = try await kms.replicateKey(
            ReplicateKeyRequest(keyId: primary.keyId, replicaRegion: "us-west-2"), caller: east)
        #expect(again.arn == replica.arn)
    }

    @Test func reloadedFromTheStore() async throws {
        let store = InMemoryKeyStore()
        let vault = Fixtures.vault()
        let (kms, _, _) = Fixtures.kms(store: store, vault: vault)
        let (primary, _) = try await pair(kms)
        let sealed = try kms.encrypt(
            keyId: primary.keyId, plaintext: [5], context: EncryptionContext(), algorithm: nil, dryRun: false, caller: east)
        let (restarted, _, _) = Fixtures.kms(store: store, vault: vault)
        try await restarted.load()
        let opened = try restarted.decrypt(
            ciphertext: sealed.ciphertextBlob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false,
            caller: west)
        #expect(opened.plaintext == [5])
        #expect(try restarted.describeKey(keyId: primary.keyId, caller: west).multiRegion?.keyType == .replica)
    }

    @Test func importedMaterialIsImportedIntoEachReplica() async throws {
        let (kms, _, _) = Fixtures.kms()
        let (primary, replica) = try await pair(kms, origin: "EXTERNAL")
        #expect(primary.keyState == .pendingImport)
        #expect(try kms.describeKey(keyId: replica.arn, caller: west).keyState == .pendingImport)
        #expect(replica.origin == .external)
    }
}
