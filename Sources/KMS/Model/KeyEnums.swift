/// A key's state, as AWS names them.
public enum KeyState: String, Sendable, Codable, CaseIterable {
    case creating = "Creating"
    case enabled = "Enabled"
    case disabled = "Disabled"
    case pendingDeletion = "PendingDeletion"
    case pendingImport = "PendingImport"
    case pendingReplicaDeletion = "PendingReplicaDeletion"
    case unavailable = "Unavailable"
    case updating = "Updating"
}

/// Every key spec in AWS's model; `KeySpecRules` says which this build makes and what each does.
public enum KeySpec: String, Sendable, Codable, CaseIterable {
    case symmetricDefault = "SYMMETRIC_DEFAULT"
    case rsa2048 = "RSA_2048"
    case rsa3072 = "RSA_3072"
    case rsa4096 = "RSA_4096"
    case eccNistP256 = "ECC_NIST_P256"
    case eccNistP384 = "ECC_NIST_P384"
    case eccNistP521 = "ECC_NIST_P521"
    case eccSecgP256K1 = "ECC_SECG_P256K1"
    case eccNistEdwards25519 = "ECC_NIST_EDWARDS25519"
    case hmac224 = "HMAC_224"
    case hmac256 = "HMAC_256"
    case hmac384 = "HMAC_384"
    case hmac512 = "HMAC_512"
    case sm2 = "SM2"
    case mlDSA44 = "ML_DSA_44"
    case mlDSA65 = "ML_DSA_65"
    case mlDSA87 = "ML_DSA_87"
}

public enum KeyUsage: String, Sendable, Codable, CaseIterable {
    case encryptDecrypt = "ENCRYPT_DECRYPT"
    case signVerify = "SIGN_VERIFY"
    case generateVerifyMac = "GENERATE_VERIFY_MAC"
    case keyAgreement = "KEY_AGREEMENT"
}

public enum KeyOrigin: String, Sendable, Codable {
    case awsKMS = "AWS_KMS"
    case external = "EXTERNAL"
    case awsCloudHSM = "AWS_CLOUDHSM"
    case externalKeyStore = "EXTERNAL_KEY_STORE"
}

public enum KeyManager: String, Sendable, Codable {
    case customer = "CUSTOMER"
    case aws = "AWS"
}

public enum RotationType: String, Sendable, Codable {
    case automatic = "AUTOMATIC"
    case onDemand = "ON_DEMAND"
}

/// A tag on a key.
public struct Tag: Sendable, Codable, Hashable {
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
