public import Foundation
public import KMSCiphertext

/// A grant: permission for a grantee principal to use one key for the listed operations,
/// optionally only with certain encryption contexts.
public struct KMSGrant: Sendable, Codable, Hashable {
    public var grantId: String
    public var keyId: String
    public var accountId: String
    public var region: String
    public var name: String?
    public var creationDate: Date
    public var granteePrincipal: String
    public var retiringPrincipal: String?
    /// The caller that created the grant (its ARN).
    public var issuingPrincipal: String
    public var operations: [String]
    public var constraints: GrantConstraints?

    public var keyArn: String { KMSKey.arn(region: region, accountId: accountId, keyId: keyId) }
    /// The slot of the key it is on (`KMSKey.slot`).
    public var slot: String { KMSKey.slot(keyId: keyId, region: region) }
}

public struct GrantConstraints: Sendable, Codable, Hashable {
    public var encryptionContextSubset: [String: String]?
    public var encryptionContextEquals: [String: String]?

    public init(encryptionContextSubset: [String: String]?, encryptionContextEquals: [String: String]?) {
        self.encryptionContextSubset = encryptionContextSubset
        self.encryptionContextEquals = encryptionContextEquals
    }

    /// The constraints as AWS keeps them: an empty map counts as not given, and nil when
    /// neither map names a pair (a grant with no constraint).
    public var normalized: GrantConstraints? {
        let subset = encryptionContextSubset.flatMap { $0.isEmpty ? nil : $0 }
        let equals = encryptionContextEquals.flatMap { $0.isEmpty ? nil : $0 }
        if subset == nil && equals == nil { return nil }
        return GrantConstraints(encryptionContextSubset: subset, encryptionContextEquals: equals)
    }
}

/// Pure rules for grants: which operations exist, and whether a grant covers a request.
public enum GrantRules {
    public static let maxGrantsPerKey = 50_000

    /// The operations a grant may name.
    public static let operations: Set<String> = [
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "Sign",
        "Verify", "GetPublicKey", "CreateGrant", "RetireGrant", "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac", "DeriveSharedSecret",
    ]

    /// Operations that take an encryption context; constraints are allowed only on grants of these.
    public static let cryptographicOperations: Set<String> = [
        "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext", "CreateGrant", "RetireGrant",
    ]

    /// Whether `grant` lets `principalArn` perform `operation` with `context`.
    public static func covers(_ grant: KMSGrant, operation: String, principalArn: String, context: EncryptionContext?) -> Bool {
        guard grant.granteePrincipal == principalArn, grant.operations.contains(operation) else { return false }
        guard let constraints = grant.constraints else { return true }
        let pairs = context?.pairs ?? [:]
        if let equals = constraints.encryptionContextEquals, equals != pairs { return false }
        if let subset = constraints.encryptionContextSubset, !subset.allSatisfy({ pairs[$0.key] == $0.value }) { return false }
        return true
    }
}
