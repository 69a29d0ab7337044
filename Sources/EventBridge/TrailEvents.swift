import AWSProtocol
import Audit
import Foundation
import RampartCore
import ServiceKit

/// CloudTrail records as EventBridge events, as AWS's CloudTrail sends them to the default bus
/// of the record's account and region. Pure.
enum TrailEventMapping {
    /// The events one record makes: nothing for a data event; an "AWS API Call via CloudTrail"
    /// (or, for what a service did by itself, "AWS Service Event via CloudTrail") event whose
    /// detail is the record; and for KMS's own service events, KMS's events (`KMS CMK
    /// Rotation`, `KMS CMK Deletion`, `KMS Imported Key Material Expiration`).
    static func events(for record: CloudTrailEvent) -> [EventBridgeService.Routed] {
        guard !record.isDataEvent else { return [] }
        let detail = record.record
        guard case .object = detail else { return [] }
        let service =
            record.eventSource.hasSuffix(".amazonaws.com")
            ? String(record.eventSource.dropLast(".amazonaws.com".count)) : record.eventSource
        let source = "aws.\(service)"
        let serviceEvent = detail["eventType"]?.stringValue == "AwsServiceEvent"
        let detailType = serviceEvent ? "AWS Service Event via CloudTrail" : "AWS API Call via CloudTrail"
        var out = [
            EventBridgeService.Routed(
                envelope: EventEnvelope(
                    id: EventBridgeService.eventId("\(record.eventId)|\(detailType)"), detailType: detailType,
                    source: source, account: record.accountId, time: record.eventTime, region: record.region,
                    resources: [], detail: detail),
                readOnly: record.readOnly, key: "\(record.eventId)|\(detailType)")
        ]
        if serviceEvent, service == "kms", let kms = kmsEvent(record, detail: detail) {
            out.append(kms)
        }
        return out
    }

    /// KMS's own event for a KMS service-event record, in the shape AWS's KMS documents:
    /// `resources` the key's ARN, `detail` `{"key-id": <key id>}`.
    static func kmsEvent(_ record: CloudTrailEvent, detail: JSONValue) -> EventBridgeService.Routed? {
        let detailType: String
        switch record.eventName {
        case "RotateKey": detailType = "KMS CMK Rotation"
        case "DeleteKey": detailType = "KMS CMK Deletion"
        case "DeleteExpiredKeyMaterial": detailType = "KMS Imported Key Material Expiration"
        default: return nil
        }
        guard
            let keyArn = record.resources.first(where: { $0.type == "AWS::KMS::Key" })?.name
                ?? detail["additionalEventData"]?["keyId"]?.stringValue
        else { return nil }
        let keyId = keyArn.split(separator: "/").last.map(String.init) ?? keyArn
        return EventBridgeService.Routed(
            envelope: EventEnvelope(
                id: EventBridgeService.eventId("\(record.eventId)|\(detailType)"), detailType: detailType,
                source: "aws.kms", account: record.accountId, time: record.eventTime, region: record.region,
                resources: [keyArn], detail: ["key-id": .string(keyId)]),
            readOnly: false, key: "\(record.eventId)|\(detailType)")
    }
}

/// EventBridge's part in the trail: every committed record becomes its events on the default bus
/// of its account and region, and the deliveries they make are in the outbox before `deliver`
/// returns, so the trail's cursor moves only past durable work.
struct EventBridgeTrailSubscriber: TrailSubscriber {
    let service: EventBridgeService

    var name: String { "events" }

    func wantsReadOnlyRecords() async -> Bool {
        await service.anyRuleTakesReadOnlyRecords()
    }

    func deliver(_ events: [CloudTrailEvent]) async throws {
        // Records grouped by account and region (one read of the rules per group), in order. A
        // record is parsed into its events only if a rule of its bus could take it: most trail
        // records are read-only calls (Decrypt, GenerateDataKey) that only rules in
        // ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS see, and a bus without live rules needs none
        // (the mapping drops data events).
        var byBus: [String: (account: String, region: String, records: [CloudTrailEvent])] = [:]
        var order: [String] = []
        for record in events {
            let key = "\(record.accountId)|\(record.region)"
            if byBus[key] == nil {
                byBus[key] = (record.accountId, record.region, [])
                order.append(key)
            }
            byBus[key]!.records.append(record)
        }
        var entries: [OutboxEntry] = []
        for key in order {
            guard let group = byBus[key] else { continue }
            let rules = try await service.rules(accountId: group.account, region: group.region, bus: EventBus.defaultName)
                .filter { $0.isEnabled && !$0.targets.isEmpty }
            guard !rules.isEmpty else { continue }
            let takesReadOnly = rules.contains { $0.takesReadOnlyEvents }
            let routed = group.records.filter { takesReadOnly || !$0.readOnly }.flatMap(TrailEventMapping.events(for:))
            entries += service.deliveries(for: routed, rules: rules)
        }
        try await service.pending.enqueue(entries)
        if !entries.isEmpty { service.signals.signal(Signals.eventBridgeOutbox) }
    }
}
