public import Foundation

/// Persistence for KMS. `apply` commits the whole batch in one transaction before returning.
public protocol KeyStore: Sendable {
    /// Aliases, grants and import tokens: read once at start, after the keys.
    func loadAttachments() async throws -> KeyAttachments
    /// Up to `limit` keys stored after `position` (from the start when nil), in the order they
    /// are stored, with their sealed materials. Read at start, page by page, so loading many
    /// keys never holds every row and every decoded key at once.
    func keys(after position: Int64?, limit: Int) async throws -> KeyStorePage
    func apply(_ batch: KeyStoreBatch) async throws
}

/// A material as stored: sealed by the key vault.
public struct SealedMaterial: Sendable, Hashable {
    /// The key's slot (`KMSKey.slot`).
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
    /// The key's slot (`KMSKey.slot`).
    public var keyId: String
    public var materialId: String

    public init(keyId: String, materialId: String) {
        self.keyId = keyId
        self.materialId = materialId
    }
}

/// Import parameters handed out and not yet spent: the wrapping private key sealed by the key
/// vault, found by the SHA-256 of the import token (the token itself is not stored).
public struct SealedImportToken: Sendable, Hashable {
    public var tokenHash: String
    /// The key's slot (`KMSKey.slot`).
    public var keyId: String
    public var algorithm: String
    public var sealedWrappingKey: [UInt8]
    public var validTo: Date

    public init(tokenHash: String, keyId: String, algorithm: String, sealedWrappingKey: [UInt8], validTo: Date) {
        self.tokenHash = tokenHash
        self.keyId = keyId
        self.algorithm = algorithm
        self.sealedWrappingKey = sealedWrappingKey
        self.validTo = validTo
    }
}

/// One page of stored keys and their sealed materials.
public struct KeyStorePage: Sendable {
    public var keys: [KMSKey]
    public var materials: [SealedMaterial]
    /// Where the page's last key is stored: the next page starts after it. Nil when the page is empty.
    public var last: Int64?

    public init(keys: [KMSKey], materials: [SealedMaterial], last: Int64?) {
        self.keys = keys
        self.materials = materials
        self.last = last
    }
}

/// What hangs off the keys: aliases, grants and import tokens.
public struct KeyAttachments: Sendable {
    public var aliases: [KMSAlias]
    public var grants: [KMSGrant]
    public var importTokens: [SealedImportToken]

    public init(aliases: [KMSAlias] = [], grants: [KMSGrant] = [], importTokens: [SealedImportToken] = []) {
        self.aliases = aliases
        self.grants = grants
        self.importTokens = importTokens
    }
}

/// Everything a key store holds, as one value (what `InMemoryKeyStore` keeps).
public struct KeyStoreSnapshot: Sendable {
    public var keys: [KMSKey]
    public var materials: [SealedMaterial]
    public var aliases: [KMSAlias]
    public var grants: [KMSGrant]
    public var importTokens: [SealedImportToken]

    public init(
        keys: [KMSKey] = [], materials: [SealedMaterial] = [], aliases: [KMSAlias] = [], grants: [KMSGrant] = [],
        importTokens: [SealedImportToken] = []
    ) {
        self.keys = keys
        self.materials = materials
        self.aliases = aliases
        self.grants = grants
        self.importTokens = importTokens
    }
}

/// One atomic change to KMS's persistent state.
public struct KeyStoreBatch: Sendable {
    public var putKeys: [KMSKey] = []
    /// Keys deleted, by slot (`KMSKey.slot`): deleting a key deletes its materials and grants with it.
    public var deleteKeyIds: [String] = []
    public var putMaterials: [SealedMaterial] = []
    public var putAliases: [KMSAlias] = []
    public var deleteAliases: [KMSAlias] = []
    public var putGrants: [KMSGrant] = []
    public var deleteGrantIds: [String] = []
    /// Keys whose materials are all deleted, by slot.
    public var deleteMaterialKeyIds: [String] = []
    /// Single materials deleted (imported material deleted or expired).
    public var deleteMaterials: [MaterialRef] = []
    public var putImportTokens: [SealedImportToken] = []
    /// Import tokens spent or expired, by token hash.
    public var deleteImportTokens: [String] = []

    public init() {}

    public var isEmpty: Bool {
        putKeys.isEmpty && deleteKeyIds.isEmpty && putMaterials.isEmpty && putAliases.isEmpty && deleteAliases.isEmpty
            && putGrants.isEmpty && deleteGrantIds.isEmpty && deleteMaterialKeyIds.isEmpty && deleteMaterials.isEmpty
            && putImportTokens.isEmpty && deleteImportTokens.isEmpty
    }
}
