/// The asymmetric key pairs Rampart can make and use.
public enum KeyPairKind: Sendable, Hashable {
    case rsa(bits: Int)
    case ec(Curve)
    case ed25519
    case mlDSA65
    case mlDSA87
}

/// The elliptic curves for ECDSA and ECDH.
public enum Curve: Sendable, Hashable, CaseIterable {
    case p256, p384, p521, secp256k1

    var code: Int32 {
        switch self {
        case .p256: 1
        case .p384: 2
        case .p521: 3
        case .secp256k1: 4
        }
    }

    init?(code: Int32) {
        guard let curve = Curve.allCases.first(where: { $0.code == code }) else { return nil }
        self = curve
    }
}

/// A hash function of the SHA-2 family, as signature schemes and HMAC name them.
public enum HashFunction: Sendable, Hashable {
    case sha224, sha256, sha384, sha512

    /// The digest length in bytes.
    public var byteCount: Int {
        switch self {
        case .sha224: 28
        case .sha256: 32
        case .sha384: 48
        case .sha512: 64
        }
    }

    var code: Int32 {
        switch self {
        case .sha224: 224
        case .sha256: 256
        case .sha384: 384
        case .sha512: 512
        }
    }
}

/// How a signature is made.
public enum SignatureScheme: Sendable, Hashable {
    case rsaPSS(HashFunction)
    case rsaPKCS1(HashFunction)
    case ecdsa(HashFunction)
    /// Pure Ed25519 over the message (RFC 8032).
    case ed25519
    /// HashEdDSA (Ed25519ph, empty context): the message is hashed with SHA-512 first.
    case ed25519ph
    /// ML-DSA (FIPS 204) over the message, empty context.
    case mlDSA

    /// The hash a caller's DIGEST must come from, for schemes that sign a digest.
    public var digest: HashFunction? {
        switch self {
        case .rsaPSS(let h), .rsaPKCS1(let h), .ecdsa(let h): h
        case .ed25519ph: .sha512
        case .ed25519, .mlDSA: nil
        }
    }
}

/// What is signed: a whole message, or a digest the caller already computed.
public enum SignatureInput: Sendable {
    case message([UInt8])
    case digest([UInt8])
}

/// The hash of RSAES-OAEP (used for the label hash and MGF1 alike).
public enum OAEPHash: Sendable, Hashable {
    case sha1, sha256

    var code: Int32 {
        switch self {
        case .sha1: 1
        case .sha256: 256
        }
    }

    /// The hash length in bytes.
    public var byteCount: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        }
    }
}

/// Why a cryptographic operation did not happen. Never carries key material.
public enum KeyCryptoError: Error, Sendable, Equatable {
    /// Bytes that are not a key of the expected kind.
    case invalidKey
    /// Input the operation refuses (a ciphertext that does not decrypt, a wrong-length digest).
    case invalidInput
    /// The scheme does not fit the key.
    case unsupported
}
