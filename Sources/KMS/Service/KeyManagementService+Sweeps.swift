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
        let (due, rotations, expiring) = dueWork(at: now)
        for live in due {
            do {
                try await change { () async throws(AWSError) -> Void in
                    guard let current = self.live(slot: live.key.slot), current.key.keyState == .pendingDeletion else {
                        return
                    }
                    var batch = KeyStoreBatch()
                    batch.deleteKeyIds = [current.key.slot]
                    batch.deleteAliases = aliases(of: current.key)
                    let related = afterDeletion(of: current.key, now: now)
                    batch.putKeys = related
                    let event = KMSServiceEvent(
                        kind: .deleteKey, keyArn: current.key.arn, accountId: current.key.accountId,
                        region: current.key.region, time: now, keyMaterialId: nil)
                    try await serviceEvents.record(event) { () async throws(AWSError) in try await persist(batch) }
                    state.withLock { state in
                        state.keys.removeValue(forKey: current.key.slot)
                        state.grants.removeValue(forKey: current.key.slot)
                        for key in related { state.keys[key.slot]?.key = key }
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
                    guard let current = self.live(slot: live.key.slot), current.key.keyState == .enabled,
                        (current.key.rotation?.nextRotationDate ?? .distantFuture) <= now
                    else { return }
                    let material = try newMaterial(keyId: current.key.keyId, slot: current.key.slot)
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

    /// What has come due. Every key is looked at only when a key changed since the last look
    /// or the earliest date that look found has come: at 100,000 keys a look takes tens of
    /// milliseconds, and once a second it showed in every call's latency.
    func dueWork(
        at now: Date
    ) -> (
        deletions: [LiveKey], rotations: [LiveKey], expiring: [(key: KMSKey, materialId: String)]
    ) {
        let changed = state.withLock { $0.keysChanged }
        let unchanged = sweepMemo.withLock { memo in memo.map { $0.keysChanged == changed && now < $0.nextDue } ?? false }
        if unchanged { return ([], [], []) }
        let (keys, seen) = state.withLock { ($0.keys, $0.keysChanged) }
        let work = Self.dueWork(in: keys, at: now)
        sweepMemo.withLock { $0 = SweepMemo(keysChanged: seen, nextDue: work.nextDue) }
        return (work.deletions, work.rotations, work.expiring)
    }

    /// What has come due among `keys`: keys to delete, keys to rotate, and imported material past
    /// its ValidTo; and the earliest date something else will. `keys` is a snapshot (a
    /// copy-on-write reference), so no call waits on the state lock while 100,000 keys are
    /// looked at; the snapshot is gone before anything changes (a change while it lived would
    /// copy every key).
    static func dueWork(
        in keys: [String: LiveKey], at now: Date
    ) -> (
        deletions: [LiveKey], rotations: [LiveKey], expiring: [(key: KMSKey, materialId: String)], nextDue: Date
    ) {
        var deletions: [LiveKey] = []
        var rotations: [LiveKey] = []
        var expiring: [(key: KMSKey, materialId: String)] = []
        var nextDue = Date.distantFuture
        func due(_ date: Date?) -> Bool {
            guard let date else { return false }
            if date <= now { return true }
            nextDue = min(nextDue, date)
            return false
        }
        for live in keys.values {
            switch live.key.keyState {
            case .pendingDeletion where due(live.key.deletionDate): deletions.append(live)
            // A multi-Region key rotates at its primary, which rotates its replicas with it.
            case .enabled where live.key.multiRegion?.keyType != .replica && due(live.key.rotation?.nextRotationDate):
                rotations.append(live)
            default: break
            }
            if live.key.origin == .external {
                for material in live.key.materials where material.isHeld && due(material.validTo) {
                    expiring.append((live.key, material.materialId))
                }
            }
        }
        return (deletions, rotations, expiring, nextDue)
    }

    /// Writes the last-usage records that changed since they were last written (`persist` puts
    /// each key's latest usage in its document).
    public func flushLastUsage() async {
        let changed = state.withLock { state -> Set<String> in
            defer { state.usageToWrite = [] }
            return state.usageToWrite
        }
        guard !changed.isEmpty else { return }
        do {
            try await change { () async throws(AWSError) -> Void in
                var batch = KeyStoreBatch()
                for slot in changed {
                    guard let current = self.live(slot: slot) else { continue }
                    var key = current.key
                    key.lastUsage = current.takeUsageToWrite()
                    batch.putKeys.append(key)
                }
                try await persist(batch)
            }
        } catch {
            state.withLock { $0.usageToWrite.formUnion(changed) }
            logger.warning("writing key last-usage records failed; retrying on the next sweep")
        }
    }
}

/// What the sweep's last look at every key found: the key changes it had seen, and the earliest
/// date anything it saw comes due.
struct SweepMemo: Sendable {
    var keysChanged: UInt64
    var nextDue: Date
}
