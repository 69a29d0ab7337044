import AWSProtocol
import Crypto
import KeyCrypto

/// A key's unsealed material, held in memory only; the store sees it sealed by the key vault.
enum KeyMaterial: Sendable {
    /// An AES-256 key (SYMMETRIC_DEFAULT).
    case symmetric(SymmetricKey)
    /// An HMAC key.
    case hmac(SymmetricKey)
    /// An asymmetric key pair (boxed: its storage is several words, and keys hold many of these).
    indirect case pair(PrivateKey)

    /// Fresh material for `spec`: 256 random bits, an HMAC key as long as its hash, or a key pair.
    static func generate(_ spec: KeySpec) throws(AWSError) -> KeyMaterial {
        if let hash = spec.hmacHash { return .hmac(SymmetricKey(size: SymmetricKeySize(bitCount: hash.byteCount * 8))) }
        guard let kind = spec.keyPairKind else { return .symmetric(SymmetricKey(size: .bits256)) }
        do {
            return .pair(try PrivateKey.generate(kind))
        } catch {
            throw .kmsInternal
        }
    }

    /// Reads material back from the form `secret` gives, for a key of `spec`.
    init(spec: KeySpec, stored bytes: some Collection<UInt8>) throws(KeyCryptoError) {
        if spec.hmacHash != nil {
            self = .hmac(SymmetricKey(data: Array(bytes)))
        } else if let kind = spec.keyPairKind {
            self = .pair(try PrivateKey(kind: kind, material: bytes))
        } else {
            guard bytes.count == 32 else { throw .invalidKey }
            self = .symmetric(SymmetricKey(data: Array(bytes)))
        }
    }

    /// The stored form, for the key vault to seal. The caller zeroes it.
    var secret: [UInt8] {
        switch self {
        case .symmetric(let key), .hmac(let key): key.withUnsafeBytes { Array($0) }
        case .pair(let key): key.material
        }
    }

    var symmetricKey: SymmetricKey? {
        if case .symmetric(let key) = self { return key }
        return nil
    }

    var privateKey: PrivateKey? {
        if case .pair(let key) = self { return key }
        return nil
    }

    var hmacKey: SymmetricKey? {
        if case .hmac(let key) = self { return key }
        return nil
    }
}
