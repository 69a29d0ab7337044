public import AWSProtocol
public import KeyCrypto

/// What each key spec is: the key pair or MAC behind it, the usages it allows, the algorithms
/// it offers for each usage, and which specs this build refuses (with AWS's error).
extension KeySpec {
    /// The key pair behind an asymmetric spec; nil for symmetric and HMAC specs and the unbuilt ones.
    public var keyPairKind: KeyPairKind? {
        switch self {
        case .rsa2048: .rsa(bits: 2048)
        case .rsa3072: .rsa(bits: 3072)
        case .rsa4096: .rsa(bits: 4096)
        case .eccNistP256: .ec(.p256)
        case .eccNistP384: .ec(.p384)
        case .eccNistP521: .ec(.p521)
        case .eccSecgP256K1: .ec(.secp256k1)
        case .eccNistEdwards25519: .ed25519
        case .mlDSA65: .mlDSA65
        case .mlDSA87: .mlDSA87
        case .symmetricDefault, .hmac224, .hmac256, .hmac384, .hmac512, .sm2, .mlDSA44: nil
        }
    }

    /// The hash of an HMAC spec.
    public var hmacHash: HashFunction? {
        switch self {
        case .hmac224: .sha224
        case .hmac256: .sha256
        case .hmac384: .sha384
        case .hmac512: .sha512
        default: nil
        }
    }

    public var isRSA: Bool { self == .rsa2048 || self == .rsa3072 || self == .rsa4096 }

    /// Asymmetric specs: a key pair, with a public key to hand out.
    public var isAsymmetric: Bool { self != .symmetricDefault && hmacHash == nil }

    /// The usages AWS allows for the spec.
    public var usages: [KeyUsage] {
        switch self {
        case .symmetricDefault: [.encryptDecrypt]
        case .hmac224, .hmac256, .hmac384, .hmac512: [.generateVerifyMac]
        case .rsa2048, .rsa3072, .rsa4096: [.encryptDecrypt, .signVerify]
        case .eccNistP256, .eccNistP384, .eccNistP521: [.signVerify, .keyAgreement]
        case .eccSecgP256K1, .eccNistEdwards25519, .mlDSA44, .mlDSA65, .mlDSA87: [.signVerify]
        case .sm2: [.encryptDecrypt, .signVerify, .keyAgreement]
        }
    }

    /// nil when this build makes keys of the spec in `region`; otherwise the refusal.
    public func refusal(region: String) -> AWSError? {
        switch self {
        case .sm2 where !region.hasPrefix("cn-"):
            return .unsupportedOperation("KeySpec SM2 is not supported in this Region")
        case .sm2:
            return .unsupportedOperation("KeySpec SM2 is not supported by this Rampart build.")
        case .mlDSA44:
            return .unsupportedOperation(
                "KeySpec ML_DSA_44 is not supported by this Rampart build: swift-crypto offers ML-DSA-65 and ML-DSA-87 only.")
        default:
            return nil
        }
    }

    public func encryptionAlgorithms(usage: KeyUsage) -> [String] {
        guard usage == .encryptDecrypt else { return [] }
        if self == .symmetricDefault { return ["SYMMETRIC_DEFAULT"] }
        return isRSA ? EncryptionAlgorithm.rsa.map(\.rawValue) : []
    }

    public func signingAlgorithms(usage: KeyUsage) -> [SigningAlgorithm] {
        guard usage == .signVerify else { return [] }
        switch self {
        case .rsa2048, .rsa3072, .rsa4096:
            return [.rsaPSSSHA256, .rsaPSSSHA384, .rsaPSSSHA512, .rsaPKCS1SHA256, .rsaPKCS1SHA384, .rsaPKCS1SHA512]
        case .eccNistP256, .eccSecgP256K1: return [.ecdsaSHA256]
        case .eccNistP384: return [.ecdsaSHA384]
        case .eccNistP521: return [.ecdsaSHA512]
        case .eccNistEdwards25519: return [.ed25519SHA512, .ed25519PHSHA512]
        case .mlDSA44, .mlDSA65, .mlDSA87: return [.mlDSASHAKE256]
        case .sm2: return [.sm2DSA]
        case .symmetricDefault, .hmac224, .hmac256, .hmac384, .hmac512: return []
        }
    }

    public var macAlgorithms: [MacAlgorithm] {
        switch self {
        case .hmac224: [.hmacSHA224]
        case .hmac256: [.hmacSHA256]
        case .hmac384: [.hmacSHA384]
        case .hmac512: [.hmacSHA512]
        default: []
        }
    }

    public func keyAgreementAlgorithms(usage: KeyUsage) -> [String] {
        usage == .keyAgreement ? ["ECDH"] : []
    }
}

/// The signing algorithms of AWS's model.
public enum SigningAlgorithm: String, Sendable, CaseIterable {
    case rsaPSSSHA256 = "RSASSA_PSS_SHA_256"
    case rsaPSSSHA384 = "RSASSA_PSS_SHA_384"
    case rsaPSSSHA512 = "RSASSA_PSS_SHA_512"
    case rsaPKCS1SHA256 = "RSASSA_PKCS1_V1_5_SHA_256"
    case rsaPKCS1SHA384 = "RSASSA_PKCS1_V1_5_SHA_384"
    case rsaPKCS1SHA512 = "RSASSA_PKCS1_V1_5_SHA_512"
    case ecdsaSHA256 = "ECDSA_SHA_256"
    case ecdsaSHA384 = "ECDSA_SHA_384"
    case ecdsaSHA512 = "ECDSA_SHA_512"
    case sm2DSA = "SM2DSA"
    case mlDSASHAKE256 = "ML_DSA_SHAKE_256"
    case ed25519SHA512 = "ED25519_SHA_512"
    case ed25519PHSHA512 = "ED25519_PH_SHA_512"

    /// The scheme behind the name; nil for SM2DSA, which this build does not make.
    public var scheme: SignatureScheme? {
        switch self {
        case .rsaPSSSHA256: .rsaPSS(.sha256)
        case .rsaPSSSHA384: .rsaPSS(.sha384)
        case .rsaPSSSHA512: .rsaPSS(.sha512)
        case .rsaPKCS1SHA256: .rsaPKCS1(.sha256)
        case .rsaPKCS1SHA384: .rsaPKCS1(.sha384)
        case .rsaPKCS1SHA512: .rsaPKCS1(.sha512)
        case .ecdsaSHA256: .ecdsa(.sha256)
        case .ecdsaSHA384: .ecdsa(.sha384)
        case .ecdsaSHA512: .ecdsa(.sha512)
        case .mlDSASHAKE256: .mlDSA
        case .ed25519SHA512: .ed25519
        case .ed25519PHSHA512: .ed25519ph
        case .sm2DSA: nil
        }
    }
}

/// The MAC algorithms of AWS's model.
public enum MacAlgorithm: String, Sendable, CaseIterable {
    case hmacSHA224 = "HMAC_SHA_224"
    case hmacSHA256 = "HMAC_SHA_256"
    case hmacSHA384 = "HMAC_SHA_384"
    case hmacSHA512 = "HMAC_SHA_512"
}

/// The encryption algorithms of AWS's model that this build offers.
public enum EncryptionAlgorithm: String, Sendable, CaseIterable {
    case symmetricDefault = "SYMMETRIC_DEFAULT"
    case rsaOAEPSHA1 = "RSAES_OAEP_SHA_1"
    case rsaOAEPSHA256 = "RSAES_OAEP_SHA_256"

    static let rsa: [EncryptionAlgorithm] = [.rsaOAEPSHA1, .rsaOAEPSHA256]

    public var oaepHash: OAEPHash? {
        switch self {
        case .symmetricDefault: nil
        case .rsaOAEPSHA1: .sha1
        case .rsaOAEPSHA256: .sha256
        }
    }
}

/// The key pairs GenerateDataKeyPair makes, by DataKeyPairSpec.
public enum DataKeyPairSpec {
    /// The key pair for `spec`, or the refusal AWS answers with.
    public static func kind(_ spec: String, region: String) throws(AWSError) -> KeyPairKind {
        guard let keySpec = KeySpec(rawValue: spec), keySpec.isAsymmetric, !keySpec.rawValue.hasPrefix("ML_DSA") else {
            throw .validation(message: "Unknown key pair spec \(spec).")
        }
        if let refusal = keySpec.refusal(region: region) { throw refusal }
        guard let kind = keySpec.keyPairKind else { throw .unsupportedOperation("KeyPairSpec \(spec) is not supported.") }
        return kind
    }
}
