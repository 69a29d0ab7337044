public import AWSProtocol
import Foundation
public import Identity
import Synchronization

/// One entry of ListKeyRotations.
public struct KeyRotation: Sendable {
    public var keyId: String
    public var material: KeyMaterialInfo
    public var isCurrent: Bool
}

extension KeyManagementService {
    public static let defaultRotationPeriodInDays = 365

    /// Rotation exists for symmetric encryption keys only; automatic rotation (`automatic`) only
    /// for material KMS made, while imported material rotates on demand.
    func checkRotatable(_ key: KMSKey, automatic: Bool = true) throws(AWSError) {
        guard key.keySpec == .symmetricDefault else {
            throw .unsupportedOperation("\(key.arn) key spec is \(key.keySpec.rawValue) which does not support key rotation.")
        }
        guard key.origin == .awsKMS || (!automatic && key.origin == .external) else {
            throw .unsupportedOperation("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
        }
    }

    public func enableKeyRotation(keyId: String, rotationPeriodInDays: Int?, caller: Caller) async throws(AWSError) {
        let period = rotationPeriodInDays ?? Self.defaultRotationPeriodInDays
        let now = now()
        try await update(
            keyId, caller: caller, action: "kms:EnableKeyRotation", operation: .enableKeyRotation, sharing: sharingRotation
        ) {
            key throws(AWSError) in
            try checkRotatable(key)
            try requirePrimary(key)
            if let current = key.rotation, current.periodInDays == period { return }
            let lastRotation = key.materials.last(where: { $0.rotationType == .automatic })?.createdAt
            let base = key.rotation == nil ? now : (lastRotation ?? key.creationDate)
            var next = base.addingTimeInterval(TimeInterval(period) * 86_400)
            if next < now { next = now }
            key.rotation = RotationSchedule(periodInDays: period, nextRotationDate: next)
        }
    }

    public func disableKeyRotation(keyId: String, caller: Caller) async throws(AWSError) {
        try await update(
            keyId, caller: caller, action: "kms:DisableKeyRotation", operation: .disableKeyRotation, sharing: sharingRotation
        ) {
            key throws(AWSError) in
            try checkRotatable(key)
            try requirePrimary(key)
            key.rotation = nil
        }
    }

    /// The key, whose `rotation` is the automatic rotation schedule. Keys that cannot rotate
    /// automatically (asymmetric, HMAC, key agreement, imported material) are no error: AWS
    /// answers `KeyRotationEnabled: false` for them, with no period or next date.
    public func getKeyRotationStatus(keyId: String, caller: Caller) throws(AWSError) -> KMSKey {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:GetKeyRotationStatus", key: live.key, caller: caller)
        try checkState(.getKeyRotationStatus, live.key)
        return live.key
    }

    /// Rotates at once: new material becomes current; old ciphertext still decrypts.
    public func rotateKeyOnDemand(keyId: String, caller: Caller) async throws(AWSError) -> KMSKey {
        try await change { () async throws(AWSError) -> KMSKey in
            let live = try resolve(keyId, caller: caller, allowAlias: false)
            try authorize("kms:RotateKeyOnDemand", key: live.key, caller: caller)
            try checkState(.rotateKeyOnDemand, live.key)
            try checkRotatable(live.key, automatic: false)
            try requirePrimary(live.key)
            let done = live.key.materials.filter { $0.rotationType == .onDemand }.count
            guard done < Self.onDemandRotationLimit else {
                throw .kmsLimitExceeded(
                    "\(live.key.arn) has reached the limit of \(Self.onDemandRotationLimit) on-demand rotations.")
            }
            if live.key.origin == .external { return try await rotateToImported(live.key) }
            return try await rotate(live, type: .onDemand)
        }
    }

    /// Imported keys rotate to the material imported as NEW_KEY_MATERIAL. Call under the write lock.
    func rotateToImported(_ current: KMSKey) async throws(AWSError) -> KMSKey {
        var key = current
        guard let index = key.materials.firstIndex(where: { $0.pendingRotation == true && $0.isHeld }) else {
            throw .kmsInvalidState("No available key material pending rotation for the key: \(key.arn).")
        }
        var material = key.materials.remove(at: index)
        material.pendingRotation = nil
        material.rotationType = .onDemand
        material.createdAt = now()
        key.materials.append(material)
        Self.syncImportedState(&key)
        var batch = KeyStoreBatch()
        batch.putKeys = [key]
        try await persist(batch)
        state.withLock { [key] in $0.keys[key.slot]?.key = key }
        return key
    }

    /// Adds new material (`material`, or fresh) to a key and commits it. Call under the write lock.
    func rotate(
        _ live: LiveKey, type: RotationType, material prepared: (KeyMaterial, SealedMaterial, String)? = nil
    ) async throws(AWSError) -> KMSKey {
        let (material, sealed, materialId) =
            if let prepared { prepared } else { try newMaterial(keyId: live.key.keyId, slot: live.key.slot) }
        let now = now()
        var key = live.key
        key.materials.append(KeyMaterialInfo(materialId: materialId, createdAt: now, rotationType: type))
        if type == .automatic, var schedule = key.rotation {
            while schedule.nextRotationDate <= now {
                schedule.nextRotationDate.addTimeInterval(TimeInterval(schedule.periodInDays) * 86_400)
            }
            key.rotation = schedule
        }
        var batch = KeyStoreBatch()
        batch.putKeys = [key]
        batch.putMaterials = [sealed]
        // Related multi-Region keys share the new material and the schedule.
        for var other in sharingRotation(of: key) {
            other.materials.append(KeyMaterialInfo(materialId: materialId, createdAt: now, rotationType: type))
            batch.putKeys.append(other)
            batch.putMaterials.append(try seal(material, keyId: other.keyId, slot: other.slot, materialId: materialId).0)
        }
        try await persist(batch)
        state.withLock { [batch] state in
            for key in batch.putKeys {
                state.keys[key.slot]?.key = key
                state.keys[key.slot]?.materials[materialId] = material
            }
        }
        return key
    }

    /// The key's rotations, oldest first; with `includeInitial`, the original material too.
    public func listKeyRotations(
        keyId: String, includeInitial: Bool, limit: Int?, marker: String?, caller: Caller
    )
        throws(AWSError) -> Page<KeyRotation>
    {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:ListKeyRotations", key: live.key, caller: caller)
        try checkRotatable(live.key, automatic: false)
        let current = live.key.currentMaterial?.materialId
        let entries = live.key.materials
            .filter { includeInitial || $0.rotationType != nil }
            .map { KeyRotation(keyId: live.key.keyId, material: $0, isCurrent: $0.materialId == current) }
        return try Self.page(entries, limit: limit, marker: marker, id: \.material.materialId)
    }
}
