public import AWSProtocol
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

/// Where the key service's own actions are recorded. `record(_:during:)` runs the change the
/// event describes, so that the event's record can commit in the change's own transaction.
public protocol KMSServiceEventRecorder: Sendable {
    func record(_ event: KMSServiceEvent, during change: () async throws(AWSError) -> Void) async throws(AWSError)
}

/// Records nothing: the change just runs.
public struct UnrecordedServiceEvents: KMSServiceEventRecorder {
    public init() {}

    public func record(_ event: KMSServiceEvent, during change: () async throws(AWSError) -> Void) async throws(AWSError) {
        try await change()
    }
}
