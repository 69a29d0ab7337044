public import AWSProtocol
import Foundation
public import Identity
import Policy
import Synchronization

extension KeyManagementService {
    public static let defaultPendingWindowInDays = 30

    public func scheduleKeyDeletion(keyId: String, pendingWindowInDays: Int?, caller: Caller) async throws(AWSError) -> KMSKey {
        let days = pendingWindowInDays ?? Self.defaultPendingWindowInDays
        if days < 7 {
            throw .validation([
                "Value '\(days)' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7"
            ])
        }
        if days > 30 {
            throw .validation([
                "Value '\(days)' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value less than or equal to 30"
            ])
        }
        let now = now()
        return try await update(keyId, caller: caller, action: "kms:ScheduleKeyDeletion", operation: .scheduleKeyDeletion) {
            key throws(AWSError) in
            key.pendingDeletionWindowInDays = days
            if key.multiRegion?.keyType == .primary, key.multiRegion?.replicaRegions.isEmpty == false {
                // A primary key outlives its replicas: its waiting period starts when the last is
                // deleted (`afterDeletion`), so it has no deletion date yet.
                key.keyState = .pendingReplicaDeletion
                key.deletionDate = nil
            } else {
                key.keyState = .pendingDeletion
                key.deletionDate = now.addingTimeInterval(TimeInterval(days) * 86_400)
            }
        }
    }

    /// A cancelled deletion leaves the key Disabled, as in AWS.
    public func cancelKeyDeletion(keyId: String, caller: Caller) async throws(AWSError) -> KMSKey {
        try await update(keyId, caller: caller, action: "kms:CancelKeyDeletion", operation: .cancelKeyDeletion) {
            key throws(AWSError) in
            key.keyState = .disabled
            key.deletionDate = nil
            key.pendingDeletionWindowInDays = nil
        }
    }

    // MARK: Policies

    public func getKeyPolicy(keyId: String, policyName: String?, caller: Caller) throws(AWSError) -> String {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:GetKeyPolicy", key: live.key, caller: caller)
        try Self.checkPolicyName(policyName)
        return live.key.policy
    }

    public func putKeyPolicy(
        keyId: String, policyName: String?, policy: String, bypassLockoutCheck: Bool = false, caller: Caller
    ) async throws(AWSError) {
        try Self.checkPolicyName(policyName)
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:PutKeyPolicy", key: live.key, caller: caller)
        let document = try KeyPolicyRules.validate(policy)
        try await checkNewPolicy(document, for: live.key, caller: caller, bypassLockoutCheck: bypassLockoutCheck)
        try await update(keyId, caller: caller, action: "kms:PutKeyPolicy", operation: .putKeyPolicy) {
            key throws(AWSError) in
            key.policy = document
        }
    }

    public func listKeyPolicies(keyId: String, caller: Caller) throws(AWSError) -> [String] {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:ListKeyPolicies", key: live.key, caller: caller)
        return [KeyPolicyRules.policyName]
    }

    static func checkPolicyName(_ name: String?) throws(AWSError) {
        if let name, name != KeyPolicyRules.policyName {
            throw .kmsNotFound("No such policy exists: \(name)")
        }
    }

    // MARK: Tags

    public func tagResource(keyId: String, tags: [Tag], caller: Caller) async throws(AWSError) {
        try TagRules.validate(tags)
        try await update(
            keyId, caller: caller, action: "kms:TagResource", operation: .tagResource,
            conditionKeys: RequestTags.conditionKeys(tags: tags.map { ($0.key, $0.value) })
        ) { key throws(AWSError) in
            let merged = TagRules.merge(key.tags, tags)
            guard merged.count <= TagRules.maxTagsPerKey else { throw TagRules.tooManyTags() }
            key.tags = merged
        }
    }

    public func untagResource(keyId: String, tagKeys: [String], caller: Caller) async throws(AWSError) {
        try await update(
            keyId, caller: caller, action: "kms:UntagResource", operation: .untagResource,
            conditionKeys: RequestTags.conditionKeys(tags: [], removing: tagKeys)
        ) { key throws(AWSError) in
            key.tags.removeAll { tagKeys.contains($0.key) }
        }
    }

    public func listResourceTags(keyId: String, limit: Int?, marker: String?, caller: Caller) throws(AWSError) -> Page<Tag> {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:ListResourceTags", key: live.key, caller: caller)
        return try Self.page(live.key.tags, limit: limit ?? 50, marker: marker, id: \.key)
    }

    // MARK: Last usage

    public func getKeyLastUsage(keyId: String, caller: Caller) throws(AWSError) -> (KMSKey, KeyLastUsage?) {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:GetKeyLastUsage", key: live.key, caller: caller)
        return (live.key, live.lastUsage)
    }

    func recordUsage(of key: KMSKey, operation: String, requestId: String?) {
        guard let requestId else { return }
        let usage = KeyLastUsage(operation: operation, timestamp: now(), requestId: requestId)
        state.withLock { state in
            if state.keys[key.slot]?.noteUsage(usage) == true { state.usageToWrite.insert(key.slot) }
        }
    }
}
