import AWSProtocol
import Foundation
import Logging
import Synchronization

/// What one sweep did.
public struct SweepReport: Sendable, Equatable {
    public var deletedKeys: [String] = []
    public var rotatedKeys: [String] = []
    public var expiredMaterial: [String] = []
}

extension KeyManagementService {
    /// Acts on every time rule that has come due on the injected clock: deletes keys whose
    /// waiting period has passed (with their material and aliases: crypto-shredding) and rotates
    /// enabled keys whose automatic rotation is due. Persists last-usage records as it goes.
    @discardableResult
    public func sweep() async -> SweepReport {
        var report = SweepReport()
        let now = now()
        let (due, rotations, expiring) = Self.dueWork(in: state.withLock { $0.keys }, at: now)
        for live in due {
            do {
                try await change { () async throws(AWSError) -> Void in
                    guard let current = self.live(live.key.keyId), current.key.keyState == .pendingDeletion else { return }
                    var batch = KeyStoreBatch()
                    batch.deleteKeyIds = [current.key.keyId]
                    batch.deleteAliases = aliases(of: current.key.keyId)
                    let event = KMSServiceEvent(
                        kind: .deleteKey, keyArn: current.key.arn, accountId: current.key.accountId,
                        region: current.key.region, time: now, keyMaterialId: nil)
                    try await serviceEvents.record(event) { () async throws(AWSError) in try await persist(batch) }
                    state.withLock { state in
                        state.keys.removeValue(forKey: current.key.keyId)
                        state.lastUsage.removeValue(forKey: current.key.keyId)
                        state.grants.removeValue(forKey: current.key.keyId)
                        for alias in batch.deleteAliases {
                            state.aliases.removeValue(
                                forKey: AliasID(accountId: alias.accountId, region: alias.region, name: alias.aliasName))
                        }
                    }
                    report.deletedKeys.append(current.key.arn)
                }
            } catch {
                logger.error("deleting a key failed; the next sweep retries", metadata: ["key": "\(live.key.arn)"])
            }
        }
        for live in rotations {
            do {
                try await change { () async throws(AWSError) -> Void in
                    guard let current = self.live(live.key.keyId), current.key.keyState == .enabled,
                        (current.key.rotation?.nextRotationDate ?? .distantFuture) <= now
                    else { return }
                    let material = try newMaterial(keyId: current.key.keyId)
                    let event = KMSServiceEvent(
                        kind: .rotateKey, keyArn: current.key.arn, accountId: current.key.accountId,
                        region: current.key.region, time: now, keyMaterialId: material.2)
                    try await serviceEvents.record(event) { () async throws(AWSError) in
                        _ = try await rotate(current, type: .automatic, material: material)
                    }
                    report.rotatedKeys.append(current.key.arn)
                }
            } catch {
                logger.error("rotating a key failed; the next sweep retries", metadata: ["key": "\(live.key.arn)"])
            }
        }
        report.expiredMaterial = await expireImportedMaterial(now: now, due: expiring)
        await dropExpiredImportTokens(now: now)
        if !report.deletedKeys.isEmpty || !report.rotatedKeys.isEmpty || !report.expiredMaterial.isEmpty {
            logger.info(
                "sweep", metadata: ["deleted": "\(report.deletedKeys.count)", "rotated": "\(report.rotatedKeys.count)"])
        }
        await flushLastUsage()
        return report
    }

    /// What has come due: keys to delete, keys to rotate, and imported material past its
    /// ValidTo. It reads a snapshot of every key (a copy-on-write reference), so no call waits
    /// on the state lock while 100,000 keys are looked at; the snapshot is gone when this
    /// returns, before anything changes (a change while it lived would copy every key).
    static func dueWork(
        in keys: [String: LiveKey], at now: Date
    ) -> (
        deletions: [LiveKey], rotations: [LiveKey], expiring: [(key: KMSKey, materialId: String)]
    ) {
        var deletions: [LiveKey] = []
        var rotations: [LiveKey] = []
        var expiring: [(key: KMSKey, materialId: String)] = []
        for live in keys.values {
            switch live.key.keyState {
            case .pendingDeletion where (live.key.deletionDate ?? .distantFuture) <= now: deletions.append(live)
            case .enabled where (live.key.rotation?.nextRotationDate ?? .distantFuture) <= now: rotations.append(live)
            default: break
            }
            if live.key.origin == .external {
                for material in live.key.materials where material.isHeld && (material.validTo ?? .distantFuture) <= now {
                    expiring.append((live.key, material.materialId))
                }
            }
        }
        return (deletions, rotations, expiring)
    }

    /// Writes the last-usage records that changed since they were last written.
    public func flushLastUsage() async {
        let pending = state.withLock { state in
            state.lastUsage.compactMap { keyId, usage -> KMSKey? in
                guard var key = state.keys[keyId]?.key, key.lastUsage != usage else { return nil }
                key.lastUsage = usage
                return key
            }
        }
        guard !pending.isEmpty else { return }
        do {
            try await change { () async throws(AWSError) -> Void in
                var batch = KeyStoreBatch()
                for key in pending {
                    guard var current = self.live(key.keyId)?.key else { continue }
                    current.lastUsage = key.lastUsage
                    batch.putKeys.append(current)
                }
                try await persist(batch)
                state.withLock { state in
                    for key in batch.putKeys { state.keys[key.keyId]?.key.lastUsage = key.lastUsage }
                }
            }
        } catch {
            logger.warning("writing key last-usage records failed; retrying on the next sweep")
        }
    }
}
