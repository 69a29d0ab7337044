public import Foundation

/// Something the key service did by itself, on its clock, for the audit trail.
public struct KMSServiceEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// Automatic rotation (CloudTrail's `RotateKey`).
        case rotateKey = "RotateKey"
        /// A key deleted at the end of its waiting period (`DeleteKey`).
        case deleteKey = "DeleteKey"
        /// Imported material deleted at its ValidTo (`DeleteExpiredKeyMaterial`).
        case deleteExpiredKeyMaterial = "DeleteExpiredKeyMaterial"
    }

    public var kind: Kind
    public var keyArn: String
    public var accountId: String
    public var region: String
    public var time: Date
    /// For rotations: the new material's id.
    public var keyMaterialId: String?
}
