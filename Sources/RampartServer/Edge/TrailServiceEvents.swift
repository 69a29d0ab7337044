import AWSProtocol
import Audit
import KMS

/// Records what KMS does by itself (rotations, deletions, material expiry) as AWS service events,
/// each committed in the transaction of the change it describes.
struct TrailServiceEvents: KMSServiceEventRecorder {
    let trail: AuditTrail

    func record(_ event: KMSServiceEvent, during change: () async throws(AWSError) -> Void) async throws(AWSError) {
        var data: [String: JSONValue] = ["keyId": .string(event.keyArn)]
        if let material = event.keyMaterialId { data["keyMaterialId"] = .string(material) }
        let pending = PendingAuditRecord(
            .serviceEvent(
                service: "kms", eventName: event.kind.rawValue, accountId: event.accountId, region: event.region,
                time: event.time, resourceType: "AWS::KMS::Key", resourceArn: event.keyArn,
                additionalEventData: .object(data)))
        do {
            try await PendingAuditRecord.$current.withValue(pending) { try await change() }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .internalFailure()
        }
        await trail.finish(pending, as: pending.event)
    }
}
