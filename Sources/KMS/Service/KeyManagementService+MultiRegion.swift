public import AWSProtocol
import Foundation
public import Identity
import Policy
import ServiceKit
import Synchronization

/// What ReplicateKey takes.
public struct ReplicateKeyRequest: Sendable {
    public var keyId: String
    public var replicaRegion: String
    public var policy: String?
    public var bypassPolicyLockoutSafetyCheck: Bool
    public var description: String?
    public var tags: [Tag]

    public init(
        keyId: String, replicaRegion: String, policy: String? = nil, bypassPolicyLockoutSafetyCheck: Bool = false,
        description: String? = nil, tags: [Tag] = []
    ) {
        self.keyId = keyId
        self.replicaRegion = replicaRegion
        self.policy = policy
        self.bypassPolicyLockoutSafetyCheck = bypassPolicyLockoutSafetyCheck
        self.description = description
        self.tags = tags
    }
}

extension KeyManagementService {
    /// The keys related to the multi-Region key `key` (itself included), as held now, primary first.
    func related(_ key: KMSKey) -> [LiveKey] {
        guard let configuration = key.multiRegion else { return [] }
        return state.withLock { state in
            configuration.regions.compactMap { region in
                state.keys[KMSKey.slot(keyId: key.keyId, region: region)].flatMap {
                    $0.key.accountId == key.accountId ? $0 : nil
                }
            }
        }
    }

    /// `keys` (related multi-Region keys) each with the configuration of `regions`, whose key in
    /// `primaryRegion` is the primary.
    static func configured(_ keys: [KMSKey], primaryRegion: String, regions: [String]) -> [KMSKey] {
        keys.map { key in
            var key = key
            key.multiRegion = MultiRegionRules.configuration(of: key.region, primaryRegion: primaryRegion, regions: regions)
            return key
        }
    }

    /// Makes a replica of a multi-Region primary key in another region of the caller's account:
    /// the same key id, key spec, usage, origin, automatic rotation and every material the primary
    /// holds (so ciphertext of any of its materials decrypts in either region), with a policy,
    /// description and tags of its own. Asked of the primary's region: `kms:ReplicateKey` on the
    /// primary, and `kms:CreateKey` (and `kms:TagResource` for tags) in the replica's region.
    ///
    /// AWS's replica is `Creating` for a few seconds; Rampart's is made at once: the answer shows
    /// `Creating`, as AWS's does, and the replica is `Enabled` (`PendingImport` for imported
    /// material, which must be imported into the replica too) by the time it is read.
    public func replicateKey(_ request: ReplicateKeyRequest, caller: Caller) async throws(AWSError) -> KMSKey {
        try TagRules.validate(request.tags)
        let replicaPolicy =
            try request.policy.map { p throws(AWSError) in try KeyPolicyRules.validate(p) }
            ?? KeyPolicyRules.defaultPolicy(accountId: caller.accountId)
        return try await change { () async throws(AWSError) -> KMSKey in
            let primary = try resolve(request.keyId, caller: caller, allowAlias: false)
            try authorize(
                "kms:ReplicateKey", key: primary.key, caller: caller,
                conditionKeys: ["kms:ReplicaRegion": [request.replicaRegion]])
            if let refusal = MultiRegionRules.replicationRefusal(of: primary.key, to: request.replicaRegion) {
                throw refusal
            }
            try checkState(.replicateKey, primary.key)
            let replicaSlot = KMSKey.slot(keyId: primary.key.keyId, region: request.replicaRegion)
            if live(slot: replicaSlot) != nil {
                throw .alreadyExists(
                    "\(KMSKey.arn(region: request.replicaRegion, accountId: primary.key.accountId, keyId: primary.key.keyId)) already exists."
                )
            }
            var inReplicaRegion = caller
            inReplicaRegion.region = request.replicaRegion
            let tagKeys = RequestTags.conditionKeys(tags: request.tags.map { ($0.key, $0.value) })
            try authorize(
                "kms:CreateKey", key: nil, caller: inReplicaRegion,
                conditionKeys: tagKeys.merging(["kms:MultiRegion": ["true"]]) { a, _ in a })
            if !request.tags.isEmpty {
                try authorize("kms:TagResource", key: nil, caller: inReplicaRegion, conditionKeys: tagKeys)
            }

            let now = now()
            var replica = primary.key
            replica.region = request.replicaRegion
            replica.creationDate = now
            replica.description = request.description ?? ""
            replica.policy = replicaPolicy
            replica.tags = TagRules.merge([], request.tags)
            replica.deletionDate = nil
            replica.pendingDeletionWindowInDays = nil
            replica.onDemandRotationStartDate = nil
            replica.lastUsage = nil
            if request.policy != nil {
                try await checkNewPolicy(
                    replicaPolicy, for: replica, caller: inReplicaRegion,
                    bypassLockoutCheck: request.bypassPolicyLockoutSafetyCheck)
            }
            var batch = KeyStoreBatch()
            var materials: [String: KeyMaterial] = [:]
            if primary.key.origin == .external {
                // Imported material is imported into each replica: the replica knows which
                // material it must be, and holds none until then.
                replica.materials = primary.key.materials.filter { $0.pendingRotation != true }.map {
                    var info = $0
                    info.importState = .pendingImport
                    info.expirationModel = nil
                    info.validTo = nil
                    return info
                }
                replica.keyState = .pendingImport
                replica.expirationModel = nil
                replica.validTo = nil
            } else {
                for info in primary.key.materials {
                    guard let material = primary.materials[info.materialId] else { continue }
                    let (sealed, _) = try seal(
                        material, keyId: replica.keyId, slot: replica.slot, materialId: info.materialId)
                    batch.putMaterials.append(sealed)
                    materials[info.materialId] = material
                }
                replica.keyState = .enabled
            }
            let configuration = primary.key.multiRegion!
            let regions = configuration.regions + [request.replicaRegion]
            let keys = Self.configured(
                related(primary.key).map(\.key) + [replica], primaryRegion: configuration.primaryRegion, regions: regions)
            replica = keys.last!
            batch.putKeys = keys
            try await persist(batch)
            state.withLock { [keys, replica, materials] state in
                for key in keys.dropLast() { state.keys[key.slot]?.key = key }
                state.keys[replica.slot] = LiveKey(key: replica, materials: materials)
            }
            CallNotes.current?.acted(on: primary.key.arn)
            var answered = replica
            answered.keyState = .creating
            return answered
        }
    }

    /// Makes the replica in `primaryRegion` the primary key and the current primary (named by
    /// `keyId`) a replica; every related key's configuration says so. Both must be Enabled and
    /// allow `kms:UpdatePrimaryRegion`. AWS's keys are `Updating` for a few seconds afterwards;
    /// Rampart's change at once and keep their state.
    public func updatePrimaryRegion(keyId: String, primaryRegion: String, caller: Caller) async throws(AWSError) {
        try await change { () async throws(AWSError) -> Void in
            let primary = try resolve(keyId, caller: caller, allowAlias: false)
            let conditionKeys = ["kms:PrimaryRegion": [primaryRegion]]
            try authorize("kms:UpdatePrimaryRegion", key: primary.key, caller: caller, conditionKeys: conditionKeys)
            if let refusal = MultiRegionRules.updatePrimaryRefusal(of: primary.key, to: primaryRegion) { throw refusal }
            CallNotes.current?.acted(on: primary.key.arn)
            try checkState(.updatePrimaryRegion, primary.key)
            guard primaryRegion != primary.key.region else { return }
            let targetArn = KMSKey.arn(region: primaryRegion, accountId: primary.key.accountId, keyId: primary.key.keyId)
            guard let target = live(slot: KMSKey.slot(keyId: primary.key.keyId, region: primaryRegion)) else {
                throw .keyNotFound(targetArn)
            }
            var inPrimaryRegion = caller
            inPrimaryRegion.region = primaryRegion
            try authorize("kms:UpdatePrimaryRegion", key: target.key, caller: inPrimaryRegion, conditionKeys: conditionKeys)
            try checkState(.updatePrimaryRegion, target.key)
            let old = primary.key.multiRegion!.regions
            let regions = [primaryRegion] + old.filter { $0 != primaryRegion }
            let keys = Self.configured(related(primary.key).map(\.key), primaryRegion: primaryRegion, regions: regions)
            var batch = KeyStoreBatch()
            batch.putKeys = keys
            try await persist(batch)
            state.withLock { [keys] state in
                for key in keys { state.keys[key.slot]?.key = key }
            }
        }
    }

    /// Shared properties are set on the primary key only: UnsupportedOperationException for a replica.
    func requirePrimary(_ key: KMSKey) throws(AWSError) {
        if key.multiRegion?.keyType == .replica {
            throw .unsupportedOperation("\(key.arn) is not a multi-Region primary key.")
        }
    }

    /// The keys related to `key` other than itself, with its automatic rotation schedule: a
    /// property multi-Region keys share.
    func sharingRotation(of key: KMSKey) -> [KMSKey] {
        related(key).map(\.key).filter { $0.region != key.region }.map {
            var other = $0
            other.rotation = key.rotation
            return other
        }
    }

    /// After a key is deleted, what changes in its related keys: each forgets it, and a primary
    /// waiting for its replicas' deletion starts its own waiting period once the last is gone.
    func afterDeletion(of deleted: KMSKey, now: Date) -> [KMSKey] {
        guard let configuration = deleted.multiRegion else { return [] }
        let remaining = related(deleted).map(\.key).filter { $0.region != deleted.region }
        guard !remaining.isEmpty else { return [] }
        // A deleted primary (only possible without replicas) leaves none; a deleted replica's
        // primary stays the primary.
        let regions = configuration.regions.filter { $0 != deleted.region }
        let primaryRegion = regions.contains(configuration.primaryRegion) ? configuration.primaryRegion : regions[0]
        return Self.configured(remaining, primaryRegion: primaryRegion, regions: regions).map { key in
            var key = key
            if key.keyState == .pendingReplicaDeletion, key.multiRegion?.replicaRegions.isEmpty == true {
                let days = key.pendingDeletionWindowInDays ?? Self.defaultPendingWindowInDays
                key.keyState = .pendingDeletion
                key.deletionDate = now.addingTimeInterval(TimeInterval(days) * 86_400)
            }
            return key
        }
    }
}
