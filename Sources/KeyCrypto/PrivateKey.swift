import CKeyCrypto
import Crypto
import KeyVault

/// An asymmetric private key: made here, or read back from its stored form, and used without
/// ever leaving the process in the clear (its `material` goes only to the key vault).
public struct PrivateKey: Sendable {
    enum Storage: Sendable {
        case openSSL(OpenSSLKey)
        /// The 32-byte seed, zeroed when released.
        case ed25519(seed: SymmetricKey)
        case mlDSA65(MLDSA65.PrivateKey)
        case mlDSA87(MLDSA87.PrivateKey)
    }

    public let kind: KeyPairKind
    let storage: Storage
    /// The public key as DER SubjectPublicKeyInfo.
    public let publicKeyDER: [UInt8]

    init(kind: KeyPairKind, storage: Storage) throws(KeyCryptoError) {
        self.kind = kind
        self.storage = storage
        switch storage {
        case .openSSL(let key): publicKeyDER = key.spki
        case .ed25519(let seed):
            var publicKey = [UInt8](repeating: 0, count: 32)
            let ok = seed.withUnsafeBytes { kc_ed25519_public($0.bindMemory(to: UInt8.self).baseAddress, &publicKey) }
            guard ok == 1 else { throw .invalidKey }
            publicKeyDER = DER.spki(algorithm: DER.ed25519, publicKey: publicKey)
        case .mlDSA65(let key): publicKeyDER = DER.spki(algorithm: DER.mlDSA65, publicKey: Array(key.publicKey.rawRepresentation))
        case .mlDSA87(let key): publicKeyDER = DER.spki(algorithm: DER.mlDSA87, publicKey: Array(key.publicKey.rawRepresentation))
        }
        guard !publicKeyDER.isEmpty else { throw .invalidKey }
    }

    /// A new key pair from the system's CSPRNG.
    public static func generate(_ kind: KeyPairKind) throws(KeyCryptoError) -> PrivateKey {
        switch kind {
        case .rsa, .ec: return try PrivateKey(kind: kind, storage: .openSSL(OpenSSLKey.generate(kind)))
        case .ed25519: return try PrivateKey(kind: kind, storage: .ed25519(seed: SymmetricKey(size: .bits256)))
        case .mlDSA65:
            do { return try PrivateKey(kind: kind, storage: .mlDSA65(MLDSA65.PrivateKey())) } catch { throw .unsupported }
        case .mlDSA87:
            do { return try PrivateKey(kind: kind, storage: .mlDSA87(MLDSA87.PrivateKey())) } catch { throw .unsupported }
        }
    }

    /// Reads a key back from `material` (see `material`), refusing anything not of `kind`.
    public init(kind: KeyPairKind, material: some Collection<UInt8>) throws(KeyCryptoError) {
        let bytes = Array(material)
        switch kind {
        case .rsa, .ec:
            let key = try OpenSSLKey.privateKey(pkcs8: bytes)
            guard key.kind == kind else { throw .invalidKey }
            try self.init(kind: kind, storage: .openSSL(key))
        case .ed25519:
            guard bytes.count == 32 else { throw .invalidKey }
            try self.init(kind: kind, storage: .ed25519(seed: SymmetricKey(data: bytes)))
        case .mlDSA65:
            guard let key = try? MLDSA65.PrivateKey(seedRepresentation: bytes, publicKey: nil) else { throw .invalidKey }
            try self.init(kind: kind, storage: .mlDSA65(key))
        case .mlDSA87:
            guard let key = try? MLDSA87.PrivateKey(seedRepresentation: bytes, publicKey: nil) else { throw .invalidKey }
            try self.init(kind: kind, storage: .mlDSA87(key))
        }
    }

    /// Reads a PKCS#8 private key (as customers import them), refusing anything not of `kind`.
    public init(kind: KeyPairKind, pkcs8: [UInt8]) throws(KeyCryptoError) {
        switch kind {
        case .rsa, .ec: try self.init(kind: kind, material: pkcs8)
        case .ed25519:
            guard let seed = DER.ed25519Seed(pkcs8: pkcs8) else { throw .invalidKey }
            try self.init(kind: kind, material: seed)
        case .mlDSA65, .mlDSA87: throw .unsupported
        }
    }

    /// The secret form the key vault seals: PKCS#8 for RSA and EC, the seed for Ed25519 and ML-DSA.
    /// The caller zeroes it once sealed.
    public var material: [UInt8] {
        switch storage {
        case .openSSL(let key): key.pkcs8
        case .ed25519(let seed): seed.withUnsafeBytes { Array($0) }
        case .mlDSA65(let key): Array(key.seedRepresentation)
        case .mlDSA87(let key): Array(key.seedRepresentation)
        }
    }

    /// DER PKCS#8, as GenerateDataKeyPair hands private keys out. The caller zeroes it.
    public var pkcs8: [UInt8] {
        switch storage {
        case .openSSL(let key): key.pkcs8
        case .ed25519(let seed): seed.withUnsafeBytes { DER.pkcs8(algorithm: DER.ed25519, privateKey: Array($0)) }
        case .mlDSA65, .mlDSA87: []
        }
    }

    // MARK: - Signatures

    public func sign(_ input: SignatureInput, scheme: SignatureScheme) throws(KeyCryptoError) -> [UInt8] {
        switch (storage, scheme) {
        case (.openSSL(let key), .rsaPSS(let hash)) where kind.isRSA:
            return try key.signDigest(Self.digest(input, hash), padding: Int32(KC_PAD_PSS), hash: hash)
        case (.openSSL(let key), .rsaPKCS1(let hash)) where kind.isRSA:
            return try key.signDigest(Self.digest(input, hash), padding: Int32(KC_PAD_PKCS1), hash: hash)
        case (.openSSL(let key), .ecdsa(let hash)) where !kind.isRSA:
            return try key.signDigest(Self.digest(input, hash), padding: Int32(KC_PAD_NONE), hash: hash)
        case (.ed25519(let seed), .ed25519), (.ed25519(let seed), .ed25519ph):
            let message = try Self.edMessage(input, scheme: scheme)
            var signature = [UInt8](repeating: 0, count: 64)
            let ok = seed.withUnsafeBytes { s in
                withBytes(message) { m in
                    kc_ed25519_sign(
                        s.bindMemory(to: UInt8.self).baseAddress, scheme == .ed25519ph ? 1 : 0, m.baseAddress, m.count,
                        &signature)
                }
            }
            guard ok == 1 else { throw .invalidInput }
            return signature
        case (.mlDSA65(let key), .mlDSA):
            guard case .message(let message) = input else { throw .unsupported }
            do { return Array(try key.signature(for: message)) } catch { throw .invalidInput }
        case (.mlDSA87(let key), .mlDSA):
            guard case .message(let message) = input else { throw .unsupported }
            do { return Array(try key.signature(for: message)) } catch { throw .invalidInput }
        default:
            throw .unsupported
        }
    }

    public func verify(
        _ signature: [UInt8], for input: SignatureInput, scheme: SignatureScheme
    ) throws(KeyCryptoError)
        -> Bool
    {
        switch (storage, scheme) {
        case (.openSSL(let key), .rsaPSS(let hash)) where kind.isRSA:
            return key.verifyDigest(try Self.digest(input, hash), signature: signature, padding: Int32(KC_PAD_PSS), hash: hash)
        case (.openSSL(let key), .rsaPKCS1(let hash)) where kind.isRSA:
            return key.verifyDigest(
                try Self.digest(input, hash), signature: signature, padding: Int32(KC_PAD_PKCS1), hash: hash)
        case (.openSSL(let key), .ecdsa(let hash)) where !kind.isRSA:
            return key.verifyDigest(try Self.digest(input, hash), signature: signature, padding: Int32(KC_PAD_NONE), hash: hash)
        case (.ed25519, .ed25519), (.ed25519, .ed25519ph):
            let message = try Self.edMessage(input, scheme: scheme)
            guard signature.count == 64 else { return false }
            let publicKey = Array(publicKeyDER.suffix(32))
            return withBytes(message) { m in
                kc_ed25519_verify(publicKey, scheme == .ed25519ph ? 1 : 0, m.baseAddress, m.count, signature) == 1
            }
        case (.mlDSA65(let key), .mlDSA):
            guard case .message(let message) = input else { throw .unsupported }
            return key.publicKey.isValidSignature(signature, for: message)
        case (.mlDSA87(let key), .mlDSA):
            guard case .message(let message) = input else { throw .unsupported }
            return key.publicKey.isValidSignature(signature, for: message)
        default:
            throw .unsupported
        }
    }

    /// The digest to sign: the caller's (its length checked) or the message's.
    static func digest(_ input: SignatureInput, _ hash: HashFunction) throws(KeyCryptoError) -> [UInt8] {
        switch input {
        case .digest(let digest):
            guard digest.count == hash.byteCount else { throw .invalidInput }
            return digest
        case .message(let message):
            switch hash {
            case .sha224: throw .unsupported
            case .sha256: return Array(SHA256.hash(data: message))
            case .sha384: return Array(SHA384.hash(data: message))
            case .sha512: return Array(SHA512.hash(data: message))
            }
        }
    }

    /// Ed25519 signs messages; Ed25519ph takes a 64-byte digest as KMS does, and hashes it again.
    static func edMessage(_ input: SignatureInput, scheme: SignatureScheme) throws(KeyCryptoError) -> [UInt8] {
        switch (input, scheme) {
        case (.message(let m), .ed25519): return m
        case (.digest(let d), .ed25519ph):
            guard d.count == 64 else { throw .invalidInput }
            return d
        default: throw .unsupported
        }
    }

    // MARK: - Encryption and key agreement

    /// RSAES-OAEP decryption.
    public func decrypt(_ ciphertext: [UInt8], oaep hash: OAEPHash) throws(KeyCryptoError) -> [UInt8] {
        guard case .openSSL(let key) = storage, kind.isRSA else { throw .unsupported }
        return try key.oaepDecrypt(ciphertext, hash: hash)
    }

    /// RSAES-OAEP encryption with the public half.
    public func encrypt(_ plaintext: [UInt8], oaep hash: OAEPHash) throws(KeyCryptoError) -> [UInt8] {
        guard case .openSSL(let key) = storage, kind.isRSA else { throw .unsupported }
        return try key.oaepEncrypt(plaintext, hash: hash)
    }

    /// The largest plaintext RSAES-OAEP takes with this key.
    public func maximumPlaintext(oaep hash: OAEPHash) -> Int {
        guard case .rsa(let bits) = kind else { return 0 }
        return bits / 8 - 2 * hash.byteCount - 2
    }

    /// ECDH with a peer's public key (DER SubjectPublicKeyInfo) on the same curve: the shared x.
    public func sharedSecret(peerPublicKey spki: [UInt8]) throws(KeyCryptoError) -> [UInt8] {
        guard case .openSSL(let key) = storage, case .ec = kind else { throw .unsupported }
        let peer = try OpenSSLKey.publicKey(spki: spki)
        guard peer.kind == kind else { throw .invalidKey }
        return try key.deriveSharedSecret(with: peer)
    }
}

extension KeyPairKind {
    var isRSA: Bool {
        if case .rsa = self { return true }
        return false
    }
}

/// Calls `body` with a non-null pointer even for an empty array (C APIs prefer one).
func withBytes<R>(_ bytes: [UInt8], _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if bytes.isEmpty {
        let one: [UInt8] = [0]
        return one.withUnsafeBufferPointer { body(UnsafeBufferPointer(start: $0.baseAddress, count: 0)) }
    }
    return bytes.withUnsafeBufferPointer(body)
}
