public import AWSProtocol
import Crypto
import Foundation
public import Identity
import Policy
import RampartCore
import Synchronization

/// What CreateKey takes.
public struct CreateKeyRequest: Sendable {
    public var description: String?
    public var policy: String?
    public var keyUsage: String?
    public var keySpec: String?
    public var origin: String?
    public var tags: [Tag]
    public var multiRegion: Bool
    public var customKeyStoreId: String?
    public var bypassPolicyLockoutSafetyCheck: Bool

    public init(
        description: String? = nil, policy: String? = nil, keyUsage: String? = nil, keySpec: String? = nil,
        origin: String? = nil, tags: [Tag] = [], multiRegion: Bool = false, customKeyStoreId: String? = nil,
        bypassPolicyLockoutSafetyCheck: Bool = false
    ) {
        self.description = description
        self.policy = policy
        self.keyUsage = keyUsage
        self.keySpec = keySpec
        self.origin = origin
        self.tags = tags
        self.multiRegion = multiRegion
        self.customKeyStoreId = customKeyStoreId
        self.bypassPolicyLockoutSafetyCheck = bypassPolicyLockoutSafetyCheck
    }
}

/// A page of a listing.
public struct Page<Element: Sendable>: Sendable {
    public var items: [Element]
    public var nextMarker: String?
    public var truncated: Bool { nextMarker != nil }
}

extension KeyManagementService {
    public func createKey(_ request: CreateKeyRequest, caller: Caller) async throws(AWSError) -> KMSKey {
        try authorize(
            "kms:CreateKey", key: nil, caller: caller,
            conditionKeys: RequestTags.conditionKeys(tags: request.tags.map { ($0.key, $0.value) }).merging([
                "kms:MultiRegion": [request.multiRegion ? "true" : "false"]
            ]) { a, _ in a })
        let spec = request.keySpec ?? "SYMMETRIC_DEFAULT"
        guard let keySpec = KeySpec(rawValue: spec) else {
            throw .validation(message: "KeySpec \(spec) is not a valid key spec.")
        }
        if let refusal = keySpec.refusal(region: caller.region) { throw refusal }
        guard request.keyUsage != nil || keySpec == .symmetricDefault else {
            throw .validation(message: "You must specify a KeyUsage value for all KMS keys except for symmetric encryption keys.")
        }
        let usageName = request.keyUsage ?? "ENCRYPT_DECRYPT"
        guard let usage = KeyUsage(rawValue: usageName), keySpec.usages.contains(usage) else {
            throw .validation(message: "KeyUsage \(usageName) is not compatible with KeySpec \(keySpec.rawValue)")
        }
        let origin = KeyOrigin(rawValue: request.origin ?? "AWS_KMS") ?? .awsKMS
        if origin != .awsKMS && origin != .external {
            throw .unsupportedOperation("Origin \(origin.rawValue) is not supported by this Rampart build yet.")
        }
        if origin == .external && (keySpec == .mlDSA65 || keySpec == .mlDSA87) {
            throw .unsupportedOperation(
                "Importing key material for KeySpec \(keySpec.rawValue) is not supported by this Rampart build yet.")
        }
        if request.customKeyStoreId != nil {
            throw AWSError(KMSShapes.ErrorCode.customKeyStoreNotFoundException, message: "Custom key stores are not supported.")
        }
        try TagRules.validate(request.tags)
        let keyId = request.multiRegion ? MultiRegionRules.keyId(randomBytes: Self.randomBytes(16)) : UUIDText.random()
        let slot = KMSKey.slot(keyId: keyId, region: caller.region)
        let policy =
            try request.policy.map { p throws(AWSError) in try KeyPolicyRules.validate(p) }
            ?? KeyPolicyRules.defaultPolicy(accountId: caller.accountId)
        // Rampart makes the material (an RSA key pair can take a while) before taking the write
        // lock; an EXTERNAL key waits for the customer's.
        let fresh = origin == .awsKMS ? try newMaterial(keyId: keyId, slot: slot, spec: keySpec) : nil
        let now = now()
        return try await change { () async throws(AWSError) -> KMSKey in
            var key = KMSKey(
                keyId: keyId, accountId: caller.accountId, region: caller.region, creationDate: now,
                description: request.description ?? "", keyUsage: usage, keySpec: keySpec, origin: origin,
                keyManager: .customer, keyState: .pendingImport, deletionDate: nil, pendingDeletionWindowInDays: nil,
                policy: policy, tags: TagRules.merge([], request.tags), rotation: nil, materials: [],
                onDemandRotationStartDate: nil, lastUsage: nil,
                multiRegion: request.multiRegion
                    ? MultiRegionConfiguration(keyType: .primary, primaryRegion: caller.region, replicaRegions: []) : nil)
            if request.policy != nil {
                try await checkNewPolicy(
                    policy, for: key, caller: caller, bypassLockoutCheck: request.bypassPolicyLockoutSafetyCheck)
            }
            var batch = KeyStoreBatch()
            var materials: [String: KeyMaterial] = [:]
            if let (material, sealed, materialId) = fresh {
                key.keyState = .enabled
                key.materials = [KeyMaterialInfo(materialId: materialId, createdAt: now, rotationType: nil)]
                batch.putMaterials = [sealed]
                materials[materialId] = material
            }
            batch.putKeys = [key]
            try await persist(batch)
            state.withLock { [key, materials] in $0.keys[slot] = LiveKey(key: key, materials: materials) }
            return key
        }
    }

    public func describeKey(keyId: String, caller: Caller) throws(AWSError) -> KMSKey {
        let live = try resolve(keyId, caller: caller)
        try authorize("kms:DescribeKey", key: live.key, caller: caller)
        return live.key
    }

    public func listKeys(limit: Int?, marker: String?, caller: Caller) throws(AWSError) -> Page<KMSKey> {
        try authorize("kms:ListKeys", key: nil, caller: caller)
        let keys = state.withLock { state in
            state.keys.values.lazy.map(\.key).filter { $0.accountId == caller.accountId && $0.region == caller.region }
        }
        return try Self.page(
            keys.sorted { ($0.creationDate, $0.keyId) < ($1.creationDate, $1.keyId) }, limit: limit, marker: marker,
            id: \.keyId)
    }

    /// Pages a sorted listing; the marker is the id of the last item returned, opaque to clients.
    static func page<T>(_ all: [T], limit: Int?, marker: String?, id: (T) -> String) throws(AWSError) -> Page<T> {
        var start = 0
        if let marker {
            guard let decoded = Base64.decode(marker).flatMap({ String(bytes: $0, encoding: .utf8) }),
                let index = all.firstIndex(where: { id($0) == decoded })
            else { throw .invalidMarker() }
            start = index + 1
        }
        let limit = limit ?? 100
        let end = min(all.count, start + limit)
        let items = Array(all[start..<end])
        let next = end < all.count ? items.last.map { Base64.encode(Array(id($0).utf8)) } : nil
        return Page(items: items, nextMarker: next)
    }

    public func enableKey(keyId: String, caller: Caller) async throws(AWSError) {
        try await update(keyId, caller: caller, action: "kms:EnableKey", operation: .enableKey) { key throws(AWSError) in
            key.keyState = .enabled
        }
    }

    public func disableKey(keyId: String, caller: Caller) async throws(AWSError) {
        try await update(keyId, caller: caller, action: "kms:DisableKey", operation: .disableKey) { key throws(AWSError) in
            key.keyState = .disabled
        }
    }

    public func updateKeyDescription(keyId: String, description: String, caller: Caller) async throws(AWSError) {
        try await update(keyId, caller: caller, action: "kms:UpdateKeyDescription", operation: .updateKeyDescription) {
            key throws(AWSError) in
            key.description = description
        }
    }

    /// Applies `mutation` to one key (named by key id or ARN) under the write lock and commits it.
    @discardableResult
    func update(
        _ keyId: String, caller: Caller, action: String, operation: KeyStateRules.Operation, allowAlias: Bool = false,
        conditionKeys: [String: [String]] = [:], batch extra: KeyStoreBatch = KeyStoreBatch(),
        sharing: (KMSKey) -> [KMSKey] = { _ in [] }, mutation: (inout KMSKey) throws(AWSError) -> Void
    ) async throws(AWSError) -> KMSKey {
        try await change { () async throws(AWSError) -> KMSKey in
            let live = try resolve(keyId, caller: caller, allowAlias: allowAlias)
            try authorize(action, key: live.key, caller: caller, conditionKeys: conditionKeys)
            try checkState(operation, live.key)
            var key = live.key
            try mutation(&key)
            guard key != live.key else { return key }
            var batch = extra
            batch.putKeys.append(key)
            // What related multi-Region keys take over from the change (`sharing`) commits with it.
            batch.putKeys.append(contentsOf: sharing(key))
            try await persist(batch)
            state.withLock { [batch] state in
                for changed in batch.putKeys { state.keys[changed.slot]?.key = changed }
            }
            return key
        }
    }
}
