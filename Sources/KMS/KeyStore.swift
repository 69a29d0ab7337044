/// Persistence for KMS. `apply` commits the whole batch in one transaction before returning.
public protocol KeyStore: Sendable {
    /// Every key, sealed material and alias: read once at start.
    func load() async throws -> KeyStoreSnapshot
    func apply(_ batch: KeyStoreBatch) async throws
}

/// A material as stored: sealed by the key vault.
public struct SealedMaterial: Sendable, Hashable {
    public var keyId: String
    public var materialId: String
    public var sealed: [UInt8]

    public init(keyId: String, materialId: String, sealed: [UInt8]) {
        self.keyId = keyId
        self.materialId = materialId
        self.sealed = sealed
    }
}

/// Names one material of one key.
public struct MaterialRef: Sendable, Hashable {
    public var keyId: String
    public var materialId: String

    public init(keyId: String, materialId: String) {
        self.keyId = keyId
        self.materialId = materialId
    }
}

public struct KeyStoreSnapshot: Sendable {
    public var keys: [KMSKey]
    public var materials: [SealedMaterial]
    public var aliases: [KMSAlias]
    public var grants: [KMSGrant]

    public init(keys: [KMSKey] = [], materials: [SealedMaterial] = [], aliases: [KMSAlias] = [], grants: [KMSGrant] = []) {
        self.keys = keys
        self.materials = materials
        self.aliases = aliases
        self.grants = grants
    }
}

/// One atomic change to KMS's persistent state.
public struct KeyStoreBatch: Sendable {
    public var putKeys: [KMSKey] = []
    /// Deleting a key deletes its materials and grants with it.
    public var deleteKeyIds: [String] = []
    public var putMaterials: [SealedMaterial] = []
    public var putAliases: [KMSAlias] = []
    public var deleteAliases: [KMSAlias] = []
    public var putGrants: [KMSGrant] = []
    public var deleteGrantIds: [String] = []
    /// Keys whose materials are all deleted.
    public var deleteMaterialKeyIds: [String] = []
    /// Single materials deleted (imported material deleted or expired).
    public var deleteMaterials: [MaterialRef] = []

    public init() {}

    public var isEmpty: Bool {
        putKeys.isEmpty && deleteKeyIds.isEmpty && putMaterials.isEmpty && putAliases.isEmpty && deleteAliases.isEmpty
            && putGrants.isEmpty && deleteGrantIds.isEmpty && deleteMaterialKeyIds.isEmpty && deleteMaterials.isEmpty
    }
}
