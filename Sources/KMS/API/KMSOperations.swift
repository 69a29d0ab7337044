import AWSProtocol
import ServiceKit

/// KMS's operations as CloudTrail records them. AWS logs KMS's cryptographic operations
/// (Encrypt, Decrypt, GenerateDataKey, Sign, …) as read-only management events, and every
/// Describe, Get and List call as read-only too.
enum KMSOperations {
    static let readOnly = [
        "DescribeKey", "ListKeys", "ListAliases", "ListResourceTags", "GetKeyPolicy", "ListKeyPolicies", "Encrypt",
        "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "Sign", "Verify", "GetPublicKey", "GenerateMac", "VerifyMac",
        "DeriveSharedSecret", "GenerateRandom", "GetKeyRotationStatus", "ListKeyRotations", "GetKeyLastUsage",
        "GetParametersForImport", "ListGrants", "ListRetirableGrants",
    ]

    static let changes = [
        "CreateKey", "EnableKey", "DisableKey", "UpdateKeyDescription", "ScheduleKeyDeletion", "CancelKeyDeletion",
        "CreateAlias", "UpdateAlias", "DeleteAlias", "TagResource", "UntagResource", "PutKeyPolicy", "EnableKeyRotation",
        "DisableKeyRotation", "RotateKeyOnDemand", "ImportKeyMaterial", "DeleteImportedKeyMaterial", "CreateGrant",
        "RevokeGrant", "RetireGrant", "ReplicateKey", "UpdatePrimaryRegion",
    ]

    /// Response members a change's record may carry (never a grant token, a key or a plaintext).
    static let recordedResponse: Set<String> = [
        "KeyId", "KeyState", "DeletionDate", "PendingWindowInDays", "GrantId", "KeyMetadata", "EncryptionAlgorithm",
        "ReplicaKeyMetadata",
    ]

    static let table = OperationTable(
        actionPrefix: "kms", readOnly: readOnly, changes: changes, recordedResponse: recordedResponse
    ).adding(unserved: ServiceModel.kms.operations.keys, actionPrefix: "kms")
}
