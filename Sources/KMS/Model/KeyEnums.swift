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

/// The key specs this build can create; the others are refused with AWS's error.
public enum KeySpec: String, Sendable, Codable {
    case symmetricDefault = "SYMMETRIC_DEFAULT"
}

public enum KeyUsage: String, Sendable, Codable {
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
