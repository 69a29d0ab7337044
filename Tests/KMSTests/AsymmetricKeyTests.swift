import AWSProtocol
import Crypto
import Identity
import KMS
import KMSCiphertext
import RampartCore
import RampartTestSupport
import Testing

@Suite("Asymmetric, HMAC and key-agreement keys")
struct AsymmetricKeyTests {
    let caller = Fixtures.root()
    let message = Array("pay 10 to bob".utf8)

    func create(_ kms: KeyManagementService, _ spec: String, _ usage: String) async throws -> KMSKey {
        try await kms.createKey(CreateKeyRequest(keyUsage: usage, keySpec: spec), caller: caller)
    }

    @Test("Every usage a spec does not allow is refused at CreateKey; SM2 and ML-DSA-44 are refused too")
    func usageRules() async throws {
        let (kms, _, _) = Fixtures.kms()
        for spec in KeySpec.allCases where spec != .sm2 && spec != .mlDSA44 && spec != .rsa4096 && spec != .rsa3072 {
            for usage in KeyUsage.allCases {
                let code = await errorCode { _ = try await create(kms, spec.rawValue, usage.rawValue) }
                #expect((code == nil) == spec.usages.contains(usage), "\(spec) \(usage): \(code ?? "created")")
            }
        }
        #expect(await errorCode { _ = try await create(kms, "SM2", "SIGN_VERIFY") } == "UnsupportedOperationException")
        #expect(await errorCode { _ = try await create(kms, "ML_DSA_44", "SIGN_VERIFY") } == "UnsupportedOperationException")
    }

    @Test("Sign and Verify, raw and digest; a changed message is KMSInvalidSignatureException")
    func signAndVerify() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await create(kms, "ECC_NIST_P256", "SIGN_VERIFY")
        let signed = try kms.sign(
            keyId: key.keyId, message: message, messageType: nil, algorithm: "ECDSA_SHA_256", dryRun: false, caller: caller)
        #expect(
            try kms.verify(
                keyId: key.keyId, message: message, messageType: "RAW", signature: signed.signature, algorithm: "ECDSA_SHA_256",
                dryRun: false, caller: caller) == key.arn)
        let digest = Array(SHA256.hash(data: message))
        #expect(
            try kms.verify(
                keyId: key.keyId, message: digest, messageType: "DIGEST", signature: signed.signature,
                algorithm: "ECDSA_SHA_256", dryRun: false, caller: caller) == key.arn)
        #expect(
            await errorCode {
                _ = try kms.verify(
                    keyId: key.keyId, message: Array("pay 99 to bob".utf8), messageType: nil, signature: signed.signature,
                    algorithm: "ECDSA_SHA_256", dryRun: false, caller: caller)
            } == "KMSInvalidSignatureException")
        let wrong: [(String, String?, [UInt8], String)] = [
            ("ECDSA_SHA_384", nil, message, "InvalidKeyUsageException"),
            ("RSASSA_PSS_SHA_256", nil, message, "InvalidKeyUsageException"),
            ("ECDSA_SHA_256", "DIGEST", Array(digest.dropLast()), "ValidationException"),
            ("ECDSA_SHA_256", "EXTERNAL_MU", digest + digest, "ValidationException"),
        ]
        for (algorithm, type, input, expected) in wrong {
            #expect(
                await errorCode {
                    _ = try kms.sign(
                        keyId: key.keyId, message: input, messageType: type, algorithm: algorithm, dryRun: false, caller: caller)
                } == expected, "\(algorithm) \(type ?? "RAW")")
        }
        #expect(
            await errorCode {
                _ = try kms.sign(
                    keyId: key.keyId, message: message, messageType: nil, algorithm: "ECDSA_SHA_256", dryRun: true, caller: caller
                )
            } == "DryRunOperationException")
    }

    @Test("Wrong usage: Sign with an encryption key, Encrypt with a signing key, MAC with either")
    func wrongUsage() async throws {
        let (kms, _, _) = Fixtures.kms()
        let symmetric = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let signing = try await create(kms, "ECC_NIST_P256", "SIGN_VERIFY")
        #expect(
            await errorCode {
                _ = try kms.sign(
                    keyId: symmetric.keyId, message: message, messageType: nil, algorithm: "ECDSA_SHA_256", dryRun: false,
                    caller: caller)
            } == "InvalidKeyUsageException")
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: signing.keyId, plaintext: message, context: EncryptionContext(), algorithm: nil, dryRun: false,
                    caller: caller)
            } == "InvalidKeyUsageException")
        #expect(
            await errorCode {
                _ = try kms.generateMac(
                    keyId: signing.keyId, message: message, algorithm: "HMAC_SHA_256", dryRun: false, caller: caller)
            } == "InvalidKeyUsageException")
        #expect(
            await errorCode { _ = try kms.getPublicKey(keyId: symmetric.keyId, caller: caller) }
                == "UnsupportedOperationException")
        #expect(
            await errorCode { try await kms.enableKeyRotation(keyId: signing.keyId, rotationPeriodInDays: nil, caller: caller) }
                == "UnsupportedOperationException")
    }

    @Test("HMAC: GenerateMac and VerifyMac, and the MAC is HMAC over the key's material")
    func mac() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await create(kms, "HMAC_384", "GENERATE_VERIFY_MAC")
        let made = try kms.generateMac(
            keyId: key.keyId, message: message, algorithm: "HMAC_SHA_384", dryRun: false, caller: caller)
        #expect(made.mac.count == 48)
        #expect(
            try kms.verifyMac(
                keyId: key.keyId, message: message, mac: made.mac, algorithm: "HMAC_SHA_384", dryRun: false, caller: caller)
                == key.arn)
        var tampered = made.mac
        tampered[0] ^= 0x80
        #expect(
            await errorCode {
                _ = try kms.verifyMac(
                    keyId: key.keyId, message: message, mac: tampered, algorithm: "HMAC_SHA_384", dryRun: false, caller: caller)
            } == "KMSInvalidMacException")
        #expect(
            await errorCode {
                _ = try kms.generateMac(
                    keyId: key.keyId, message: message, algorithm: "HMAC_SHA_256", dryRun: false, caller: caller)
            } == "InvalidKeyUsageException")
    }

    @Test("RSA: Encrypt and Decrypt with OAEP, the size limit, and ReEncrypt to a symmetric key")
    func rsaEncryption() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await create(kms, "RSA_2048", "ENCRYPT_DECRYPT")
        let none = EncryptionContext()
        let sealed = try kms.encrypt(
            keyId: key.keyId, plaintext: message, context: none, algorithm: "RSAES_OAEP_SHA_1", dryRun: false, caller: caller)
        #expect(sealed.ciphertextBlob.count == 256)
        #expect(sealed.keyMaterialId == nil)
        let opened = try kms.decrypt(
            ciphertext: sealed.ciphertextBlob, context: none, keyId: key.keyId, algorithm: "RSAES_OAEP_SHA_1", dryRun: false,
            caller: caller)
        #expect(opened.plaintext == message)
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: none, keyId: key.keyId, algorithm: "RSAES_OAEP_SHA_256",
                    dryRun: false, caller: caller)
            } == "InvalidCiphertextException")
        #expect(
            await errorCode {
                _ = try kms.decrypt(
                    ciphertext: sealed.ciphertextBlob, context: none, keyId: nil, algorithm: nil, dryRun: false, caller: caller)
            } == "InvalidCiphertextException")
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: key.keyId, plaintext: message, context: none, algorithm: nil, dryRun: false, caller: caller)
            } == "InvalidKeyUsageException")
        _ = try kms.encrypt(
            keyId: key.keyId, plaintext: [UInt8](repeating: 1, count: 190), context: none, algorithm: "RSAES_OAEP_SHA_256",
            dryRun: false, caller: caller)
        #expect(
            await errorCode {
                _ = try kms.encrypt(
                    keyId: key.keyId, plaintext: [UInt8](repeating: 1, count: 191), context: none,
                    algorithm: "RSAES_OAEP_SHA_256", dryRun: false, caller: caller)
            } == "ValidationException")
        let symmetric = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let moved = try kms.reEncrypt(
            ciphertext: sealed.ciphertextBlob, sourceContext: none, sourceKeyId: key.keyId, sourceAlgorithm: "RSAES_OAEP_SHA_1",
            destinationKeyId: symmetric.keyId, destinationContext: none, destinationAlgorithm: nil, dryRun: false,
            caller: caller)
        #expect(moved.sourceAlgorithm == "RSAES_OAEP_SHA_1")
        #expect(
            try kms.decrypt(
                ciphertext: moved.ciphertextBlob, context: none, keyId: nil, algorithm: nil, dryRun: false, caller: caller
            ).plaintext == message)
    }

    @Test("ECDH with the same peer gives the same secret; another curve is a ValidationException")
    func keyAgreement() async throws {
        let (kms, _, _) = Fixtures.kms()
        let key = try await create(kms, "ECC_NIST_P256", "KEY_AGREEMENT")
        let peer = P256.KeyAgreement.PrivateKey()
        let secret = try kms.deriveSharedSecret(
            keyId: key.keyId, algorithm: "ECDH", peerPublicKey: Array(peer.publicKey.derRepresentation), recipient: false,
            dryRun: false, caller: caller)
        let ours = try P256.KeyAgreement.PublicKey(
            derRepresentation: kms.getPublicKey(keyId: key.keyId, caller: caller).publicKey)
        let expected = try peer.sharedSecretFromKeyAgreement(with: ours).withUnsafeBytes { Array($0) }
        #expect(secret.sharedSecret == expected)
        #expect(
            await errorCode {
                _ = try kms.deriveSharedSecret(
                    keyId: key.keyId, algorithm: "ECDH",
                    peerPublicKey: Array(P384.KeyAgreement.PrivateKey().publicKey.derRepresentation),
                    recipient: false, dryRun: false, caller: caller)
            } == "ValidationException")
    }

    @Test("Data key pairs: the private key decrypts from its blob and matches the public key")
    func dataKeyPairs() async throws {
        let (kms, _, _) = Fixtures.kms()
        let symmetric = try await kms.createKey(CreateKeyRequest(), caller: caller)
        let context = EncryptionContext(["purpose": "test"])
        let pair = try kms.generateDataKeyPair(
            keyId: symmetric.keyId, keyPairSpec: "ECC_NIST_P256", context: context, includePlaintext: true, recipient: false,
            dryRun: false, caller: caller)
        let privateKey = try P256.Signing.PrivateKey(derRepresentation: pair.privateKeyPlaintext!)
        #expect(Array(privateKey.publicKey.derRepresentation) == pair.publicKey)
        let opened = try kms.decrypt(
            ciphertext: pair.privateKeyCiphertextBlob, context: context, keyId: nil, algorithm: nil, dryRun: false,
            caller: caller)
        #expect(opened.plaintext == pair.privateKeyPlaintext)
        let without = try kms.generateDataKeyPair(
            keyId: symmetric.keyId, keyPairSpec: "ECC_NIST_EDWARDS25519", context: context, includePlaintext: false,
            recipient: false, dryRun: false, caller: caller)
        #expect(without.privateKeyPlaintext == nil)
        #expect(
            await errorCode {
                _ = try kms.generateDataKeyPair(
                    keyId: symmetric.keyId, keyPairSpec: "SM2", context: context, includePlaintext: true, recipient: false,
                    dryRun: false, caller: caller)
            } == "UnsupportedOperationException")
    }

    @Test("Private keys survive a reload and are stored only sealed")
    func reload() async throws {
        let store = InMemoryKeyStore()
        let vault = Fixtures.vault()
        let (kms, _, clock) = Fixtures.kms(store: store, vault: vault)
        var keys: [(KMSKey, String)] = []
        for (spec, algorithm) in [
            ("ECC_SECG_P256K1", "ECDSA_SHA_256"), ("ECC_NIST_EDWARDS25519", "ED25519_SHA_512"), ("ML_DSA_87", "ML_DSA_SHAKE_256"),
            ("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256"),
        ] {
            keys.append((try await create(kms, spec, "SIGN_VERIFY"), algorithm))
        }
        let hmac = try await create(kms, "HMAC_512", "GENERATE_VERIFY_MAC")
        let mac = try kms.generateMac(
            keyId: hmac.keyId, message: message, algorithm: "HMAC_SHA_512", dryRun: false, caller: caller)
        let (reloaded, _, _) = Fixtures.kms(clock: clock, store: store, vault: vault)
        try await reloaded.load()
        for (key, algorithm) in keys {
            let signed = try kms.sign(
                keyId: key.keyId, message: message, messageType: nil, algorithm: algorithm, dryRun: false, caller: caller)
            #expect(
                try reloaded.verify(
                    keyId: key.keyId, message: message, messageType: nil, signature: signed.signature, algorithm: algorithm,
                    dryRun: false, caller: caller) == key.arn)
            #expect(
                try reloaded.getPublicKey(keyId: key.keyId, caller: caller).publicKey
                    == kms.getPublicKey(keyId: key.keyId, caller: caller).publicKey)
        }
        #expect(
            try reloaded.verifyMac(
                keyId: hmac.keyId, message: message, mac: mac.mac, algorithm: "HMAC_SHA_512", dryRun: false, caller: caller)
                == hmac.arn)
        // The public key's bytes appear in the store nowhere in the clear, nor does the private key.
        let publicKey = try kms.getPublicKey(keyId: keys[0].0.keyId, caller: caller).publicKey
        for material in store.contents.materials {
            #expect(!Array(material.sealed).containsSubsequence(publicKey.suffix(32)))
        }
    }
}

extension Array where Element == UInt8 {
    func containsSubsequence(_ needle: ArraySlice<UInt8>) -> Bool {
        guard needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)] == needle }
    }
}
