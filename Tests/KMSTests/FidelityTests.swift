import AWSProtocol
import Foundation
import Identity
import KMS
import KMSCiphertext
import RampartCore
import RampartTestSupport
import Testing

/// The AWS error `body` throws, or nil if it succeeds: for checking the message as well as the code.
func awsError(_ body: () async throws -> Void) async -> AWSError? {
    do {
        try await body()
        return nil
    } catch let error as AWSError {
        return error
    } catch {
        return AWSError(code: "\(error)", message: "")
    }
}

/// Issue 18: answers where Rampart differed from AWS.
@Suite("AWS fidelity (issue 18)")
struct FidelityTests {
    let caller = Fixtures.root()

    func create(_ kms: KeyManagementService, _ spec: String, _ usage: String) async throws -> KMSKey {
        try await kms.createKey(CreateKeyRequest(keyUsage: usage, keySpec: spec), caller: caller)
    }

    @Test(
        "GetKeyRotationStatus on keys that cannot rotate answers not enabled, with no schedule",
        arguments: [
            ("RSA_2048", "ENCRYPT_DECRYPT", nil), ("ECC_NIST_P256", "SIGN_VERIFY", nil),
            ("ECC_NIST_P384", "KEY_AGREEMENT", nil), ("HMAC_256", "GENERATE_VERIFY_MAC", nil),
            ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", "EXTERNAL"),
        ] as [(String, String, String?)])
    func rotationStatusOfKeysThatCannotRotate(spec: String, usage: String, origin: String?) async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(keyUsage: usage, keySpec: spec, origin: origin), caller: caller)
        let status = try kms.getKeyRotationStatus(keyId: key.keyId, caller: caller)
        #expect(status.arn == key.arn)
        #expect(status.rotation == nil)
        // Turning rotation on is still refused (a key pending import is refused for its state first).
        let refusal = await errorCode {
            try await kms.enableKeyRotation(keyId: key.keyId, rotationPeriodInDays: nil, caller: caller)
        }
        #expect(refusal == (origin == nil ? "UnsupportedOperationException" : "KMSInvalidStateException"))
    }

    @Test("An empty map in a grant's constraints counts as not given")
    func emptyGrantConstraintsAreNotGiven() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let grantee = "arn:aws:iam::111111111111:user/dave"
        func grant(_ subset: [String: String]?, _ equals: [String: String]?) async throws -> KMSGrant {
            try await kms.createGrant(
                CreateGrantRequest(
                    keyId: key.keyId, granteePrincipal: grantee, retiringPrincipal: nil, operations: ["Encrypt"],
                    constraints: GrantConstraints(encryptionContextSubset: subset, encryptionContextEquals: equals),
                    name: nil, dryRun: false), caller: caller
            ).0
        }
        let subsetOnly = try await grant(["app": "orders"], [:])
        #expect(
            subsetOnly.constraints == GrantConstraints(encryptionContextSubset: ["app": "orders"], encryptionContextEquals: nil))
        let equalsOnly = try await grant([:], ["app": "orders"])
        #expect(
            equalsOnly.constraints == GrantConstraints(encryptionContextSubset: nil, encryptionContextEquals: ["app": "orders"]))
        let neither = try await grant([:], [:])
        #expect(neither.constraints == nil)
        let listed = try kms.listGrants(
            keyId: key.keyId, grantId: subsetOnly.grantId, granteePrincipal: nil, limit: nil, marker: nil, caller: caller)
        #expect(listed.items.first?.constraints?.encryptionContextEquals == nil)
        // Two non-empty maps are still refused.
        #expect(await errorCode { _ = try await grant(["a": "1"], ["b": "2"]) } == "ValidationException")
    }

    @Test("An alias name without alias/ is a ValidationException with AWS's message; alias/aws/ stays InvalidAliasName")
    func aliasPrefix() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let expected =
            "Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html"
        let created = await awsError { try await kms.createAlias(aliasName: "orders", targetKeyId: key.keyId, caller: caller) }
        #expect(created?.code == "ValidationException")
        #expect(created?.message == expected)
        let updated = await awsError { try await kms.updateAlias(aliasName: "orders", targetKeyId: key.keyId, caller: caller) }
        #expect(updated?.code == "ValidationException")
        #expect(updated?.message == expected)
        let deleted = await awsError { try await kms.deleteAlias(aliasName: "orders", caller: caller) }
        #expect(deleted?.code == "ValidationException")
        #expect(deleted?.message == expected)
        #expect(
            await errorCode { try await kms.createAlias(aliasName: "alias/aws/orders", targetKeyId: key.keyId, caller: caller) }
                == "InvalidAliasNameException")
    }

    @Test(
        "ReEncrypt naming another key as the source is IncorrectKeyException, whatever that key's usage",
        arguments: [("HMAC_256", "GENERATE_VERIFY_MAC"), ("ECC_NIST_P256", "SIGN_VERIFY"), ("RSA_2048", "ENCRYPT_DECRYPT")])
    func reEncryptWithAnotherSourceKey(spec: String, usage: String) async throws {
        let (kms, _, _) = Fixtures.kms()
        let source = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let destination = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let other = try await create(kms, spec, usage)
        let sealed = try kms.encrypt(
            keyId: source.keyId, plaintext: [1, 2, 3], context: EncryptionContext(), algorithm: nil, dryRun: false,
            caller: caller)
        let error = await awsError {
            _ = try kms.reEncrypt(
                ciphertext: sealed.ciphertextBlob, sourceContext: EncryptionContext(), sourceKeyId: other.keyId,
                sourceAlgorithm: nil, destinationKeyId: destination.keyId, destinationContext: EncryptionContext(),
                destinationAlgorithm: nil, dryRun: false, caller: caller)
        }
        #expect(error?.code == "IncorrectKeyException")
        #expect(error?.message == "The key ID in the request does not identify a CMK that can perform this operation.")
    }

    @Test("RetireGrant by grant id with the key's ARN or key id")
    func retireGrantByIdAndKey() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        func grant() async throws -> KMSGrant {
            try await kms.createGrant(
                CreateGrantRequest(
                    keyId: key.keyId, granteePrincipal: "arn:aws:iam::111111111111:user/dave", retiringPrincipal: nil,
                    operations: ["Encrypt"], constraints: nil, name: nil, dryRun: false), caller: caller
            ).0
        }
        func remaining() throws -> [String] {
            try kms.listGrants(keyId: key.keyId, grantId: nil, granteePrincipal: nil, limit: nil, marker: nil, caller: caller)
                .items.map(\.grantId)
        }
        let byArn = try await grant()
        try await kms.retireGrant(grantToken: nil, keyId: key.arn, grantId: byArn.grantId, dryRun: false, caller: caller)
        #expect(try !remaining().contains(byArn.grantId))
        let byId = try await grant()
        try await kms.retireGrant(grantToken: nil, keyId: key.keyId, grantId: byId.grantId, dryRun: false, caller: caller)
        #expect(try remaining().isEmpty)
        // Another account's ARN around the same key id names no grant.
        let kept = try await grant()
        let foreign = KMSKey.arn(region: key.region, accountId: Fixtures.accountB, keyId: key.keyId)
        #expect(
            await errorCode {
                try await kms.retireGrant(grantToken: nil, keyId: foreign, grantId: kept.grantId, dryRun: false, caller: caller)
            } == "NotFoundException")
    }

    @Test("Messages in AWS's words")
    func awsWording() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
        func message(_ body: () async throws -> Void) async -> String? { await awsError(body)?.message }

        #expect(
            await message { try await kms.tagResource(keyId: key.keyId, tags: [Tag(key: "aws:x", value: "1")], caller: caller) }
                == "Tags beginning with aws: are reserved")
        #expect(
            await message {
                try await kms.tagResource(
                    keyId: key.keyId, tags: [Tag(key: "a", value: "1"), Tag(key: "a", value: "2")], caller: caller)
            } == "Duplicate tag keys")
        let many = (0..<51).map { Tag(key: "k\($0)", value: "v") }
        #expect(await message { try await kms.tagResource(keyId: key.keyId, tags: many, caller: caller) } == "Too many tags")
        try await kms.tagResource(keyId: key.keyId, tags: Array(many.prefix(50)), caller: caller)
        #expect(
            await message {
                try await kms.tagResource(keyId: key.keyId, tags: [Tag(key: "one-more", value: "v")], caller: caller)
            }
                == "Too many tags")

        let rsa = try await create(kms, "RSA_2048", "ENCRYPT_DECRYPT")
        let large = await awsError {
            _ = try kms.encrypt(
                keyId: rsa.keyId, plaintext: [UInt8](repeating: 7, count: 191), context: EncryptionContext(),
                algorithm: "RSAES_OAEP_SHA_256", dryRun: false, caller: caller)
        }
        #expect(large?.code == "ValidationException")
        #expect(large?.message == "Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.")

        let hmac = try await create(kms, "HMAC_256", "GENERATE_VERIFY_MAC")
        let wrongMac = await awsError {
            _ = try kms.generateMac(keyId: hmac.keyId, message: [1], algorithm: "HMAC_SHA_512", dryRun: false, caller: caller)
        }
        #expect(wrongMac?.code == "InvalidKeyUsageException")
        #expect(wrongMac?.message == "Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.")

        let noUsage = await awsError { _ = try await kms.createKey(CreateKeyRequest(keySpec: "RSA_2048"), caller: caller) }
        #expect(noUsage?.code == "ValidationException")
        #expect(noUsage?.message == "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
        let hmacNoUsage = await awsError { _ = try await kms.createKey(CreateKeyRequest(keySpec: "HMAC_256"), caller: caller) }
        #expect(
            hmacNoUsage?.message == "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")

        let external = try await kms.createKey(CreateKeyRequest(origin: "EXTERNAL"), caller: caller)
        let noValidTo = await awsError {
            try await kms.importKeyMaterial(
                keyId: external.keyId, importToken: [], encryptedKeyMaterial: [], expirationModel: "KEY_MATERIAL_EXPIRES",
                validTo: nil, caller: caller)
        }
        #expect(noValidTo?.code == "ValidationException")
        #expect(noValidTo?.message == "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")

        #expect(
            await message { _ = try kms.describeKey(keyId: "alias/missing", caller: caller) }
                == "Alias arn:aws:kms:us-east-1:111111111111:alias/missing is not found.")

        let other = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let sealed = try kms.encrypt(
            keyId: key.keyId, plaintext: [1], context: EncryptionContext(), algorithm: nil, dryRun: false, caller: caller)
        #expect(
            await message {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: EncryptionContext(), keyId: other.keyId, algorithm: nil,
                    dryRun: false, caller: caller)
            } == "The key ID in the request does not identify a CMK that can perform this operation.")
    }
}
