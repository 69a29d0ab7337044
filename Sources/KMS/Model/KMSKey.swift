public import Foundation

/// Everything KMS keeps about one key except its material (which is sealed separately): the
/// domain record behind DescribeKey, and what the store persists as one document.
public struct KMSKey: Sendable, Codable, Hashable {
    public var keyId: String
    public var accountId: String
    public var region: String
    public var creationDate: Date
    public var description: String
    public var keyUsage: KeyUsage
    public var keySpec: KeySpec
    public var origin: KeyOrigin
    public var keyManager: KeyManager
    public var keyState: KeyState
    /// When a key pending deletion will be deleted.
    public var deletionDate: Date?
    public var pendingDeletionWindowInDays: Int?
    /// The key policy document, kept exactly as given.
    public var policy: String
    public var tags: [Tag]
    public var rotation: RotationSchedule?
    /// The material rotations, oldest first; the last one's material is current.
    public var materials: [KeyMaterialInfo]
    public var onDemandRotationStartDate: Date?
    public var lastUsage: KeyLastUsage?
    /// Imported material (origin EXTERNAL): the current material's expiry, as DescribeKey shows it.
    public var expirationModel: String?
    public var validTo: Date?
    /// Multi-Region keys only: this key's role and where its related keys are. Every related
    /// key's record carries the same regions (`KeyManagementService.syncMultiRegion`).
    public var multiRegion: MultiRegionConfiguration?

    public var arn: String { KMSKey.arn(region: region, accountId: accountId, keyId: keyId) }

    /// Where the key is held and stored. A key id names one key, except that related
    /// multi-Region keys share theirs (one per region): their slot adds the region.
    public var slot: String { KMSKey.slot(keyId: keyId, region: region) }

    public static func slot(keyId: String, region: String) -> String {
        MultiRegionRules.isMultiRegionKeyId(keyId) ? "\(keyId)/\(region)" : keyId
    }

    public static func arn(region: String, accountId: String, keyId: String) -> String {
        "arn:aws:kms:\(region):\(accountId):key/\(keyId)"
    }

    /// The material that encrypts: the newest one that is not waiting for an on-demand rotation.
    public var currentMaterial: KeyMaterialInfo? { materials.last { $0.pendingRotation != true } }

    public var isEnabled: Bool { keyState == .enabled }
}

/// A multi-Region key's place among its related keys, as DescribeKey's MultiRegionConfiguration
/// shows it.
public struct MultiRegionConfiguration: Sendable, Codable, Hashable {
    public var keyType: MultiRegionKeyType
    public var primaryRegion: String
    /// The replicas' regions, in the order they were made.
    public var replicaRegions: [String]

    public init(keyType: MultiRegionKeyType, primaryRegion: String, replicaRegions: [String]) {
        self.keyType = keyType
        self.primaryRegion = primaryRegion
        self.replicaRegions = replicaRegions
    }

    /// Every region holding a related key, the primary's first.
    public var regions: [String] { [primaryRegion] + replicaRegions }
}

public enum MultiRegionKeyType: String, Sendable, Codable {
    case primary = "PRIMARY"
    case replica = "REPLICA"
}

/// When automatic rotation is on: the period and the next due date.
public struct RotationSchedule: Sendable, Codable, Hashable {
    public var periodInDays: Int
    public var nextRotationDate: Date
}

/// One generation of a key's material (its id, when it came, and how).
public struct KeyMaterialInfo: Sendable, Codable, Hashable {
    /// 64 hexadecimal characters, as AWS's key material ids.
    public var materialId: String
    public var createdAt: Date
    /// nil for the material the key was created with.
    public var rotationType: RotationType?
    /// Imported material only: whether its bytes are held, or were deleted or expired (the id
    /// stays associated, so only the same material imports again).
    public var importState: ImportState?
    /// Imported as NEW_KEY_MATERIAL and waiting for RotateKeyOnDemand to make it current.
    public var pendingRotation: Bool?
    public var expirationModel: String?
    public var validTo: Date?
    public var description: String?

    /// Whether the material's bytes are held (material made by KMS always is).
    public var isHeld: Bool { importState != .pendingImport }
}

/// Whether imported material is present, as ListKeyRotations reports it.
public enum ImportState: String, Sendable, Codable {
    case imported = "IMPORTED"
    case pendingImport = "PENDING_IMPORT"
}

/// The last cryptographic use of a key (GetKeyLastUsage).
public struct KeyLastUsage: Sendable, Codable, Hashable {
    public var operation: String
    public var timestamp: Date
    public var requestId: String
}

/// An alias: a friendly name for a key, per account and region.
public struct KMSAlias: Sendable, Codable, Hashable {
    public var accountId: String
    public var region: String
    /// The full name, `alias/...`.
    public var aliasName: String
    public var targetKeyId: String
    public var creationDate: Date
    public var lastUpdatedDate: Date

    public init(
        accountId: String, region: String, aliasName: String, targetKeyId: String, creationDate: Date,
        lastUpdatedDate: Date
    ) {
        self.accountId = accountId
        self.region = region
        self.aliasName = aliasName
        self.targetKeyId = targetKeyId
        self.creationDate = creationDate
        self.lastUpdatedDate = lastUpdatedDate
    }

    public var arn: String { "arn:aws:kms:\(region):\(accountId):\(aliasName)" }
}
