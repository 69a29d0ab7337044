/// Which operations a key's state allows, and the error each refusal gives: AWS's key state
/// table for customer managed symmetric keys, as a pure function tested cell by cell.
public enum KeyStateRules {
    /// The operations that act on an existing key.
    public enum Operation: String, Sendable, CaseIterable {
        case cryptographic  // Encrypt, Decrypt, ReEncrypt, GenerateDataKey*
        case describeKey, enableKey, disableKey
        case scheduleKeyDeletion, cancelKeyDeletion
        case enableKeyRotation, disableKeyRotation, getKeyRotationStatus, rotateKeyOnDemand, listKeyRotations
        case updateKeyDescription, tagResource, untagResource, listResourceTags
        case createAlias, updateAlias, deleteAlias
        case getKeyPolicy, putKeyPolicy, listKeyPolicies, getKeyLastUsage
        case replicateKey, updatePrimaryRegion
    }

    /// nil when `operation` may run on a key in `state`; otherwise the error AWS answers with.
    public static func refusal(_ operation: Operation, state: KeyState, keyArn: String) -> KMSRefusal? {
        switch (operation, state) {
        case (.describeKey, _), (.deleteAlias, _), (.getKeyPolicy, _), (.listKeyPolicies, _),
            (.listResourceTags, _), (.getKeyLastUsage, _), (.listKeyRotations, _), (.getKeyRotationStatus, _):
            return nil
        case (_, .enabled):
            return operation == .cancelKeyDeletion ? .invalidState(keyArn, "is not pending deletion") : nil
        case (.cryptographic, .disabled), (.enableKeyRotation, .disabled), (.disableKeyRotation, .disabled),
            (.rotateKeyOnDemand, .disabled), (.replicateKey, .disabled), (.updatePrimaryRegion, .disabled):
            return .disabled(keyArn)
        case (.cancelKeyDeletion, .pendingDeletion), (.putKeyPolicy, .pendingDeletion),
            (.cancelKeyDeletion, .pendingReplicaDeletion), (.putKeyPolicy, .pendingReplicaDeletion):
            return nil
        case (.cancelKeyDeletion, _):
            return .invalidState(keyArn, "is not pending deletion")
        case (_, .disabled):
            return nil
        case (_, .pendingDeletion):
            return .invalidState(keyArn, "is pending deletion")
        case (_, .pendingReplicaDeletion):
            // A primary key waiting for its replicas' deletion: as PendingDeletion in AWS's table.
            return .invalidState(keyArn, "is pending replica deletion")
        case (.scheduleKeyDeletion, .pendingImport), (.replicateKey, .pendingImport), (.updateKeyDescription, .pendingImport),
            (.tagResource, .pendingImport), (.untagResource, .pendingImport), (.createAlias, .pendingImport),
            (.updateAlias, .pendingImport), (.putKeyPolicy, .pendingImport):
            return nil
        case (_, .pendingImport):
            return .invalidState(keyArn, "is pending import")
        case (_, let other):
            return .invalidState(keyArn, "is \(other.rawValue)")
        }
    }
}

/// A refusal by the key state rules.
public enum KMSRefusal: Sendable, Equatable {
    case disabled(String)
    case invalidState(String, String)
}
