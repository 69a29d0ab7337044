import AWSProtocol
import Audit
import Foundation
import Identity

/// CloudTrail on the wire (JSON 1.1): LookupEvents over the caller's account and region.
struct CloudTrailAPI: JSONServiceAPI {
    let trail: AuditTrail
    let signingName = "cloudtrail"
    let targetPrefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
    let validator = RequestValidator(model: .cloudTrail)

    func handle(operation: String, input: RequestInput, caller: Caller, requestId: String) async throws(AWSError) -> JSONValue {
        switch operation {
        case "LookupEvents":
            let attributes = input.structureList("LookupAttributes") ?? []
            guard attributes.count <= 1 else {
                throw AWSError(code: "InvalidLookupAttributesException", message: "You can specify only one lookup attribute.")
            }
            var attribute: LookupAttribute?
            if let a = attributes.first {
                guard let key = a["AttributeKey"]?.stringValue.flatMap(LookupAttribute.Key.init(rawValue:)),
                    let value = a["AttributeValue"]?.stringValue
                else {
                    throw AWSError(code: "InvalidLookupAttributesException", message: "The lookup attribute is not valid.")
                }
                attribute = LookupAttribute(key: key, value: value)
            }
            let start = input.date("StartTime")
            let end = input.date("EndTime")
            if let start, let end, start > end {
                throw AWSError(code: "InvalidTimeRangeException", message: "Start time must be before end time.")
            }
            let limit = input.int("MaxResults") ?? 50
            guard (1...50).contains(limit) else {
                throw AWSError(code: "InvalidMaxResultsException", message: "MaxResults must be between 1 and 50.")
            }
            var cursor: LookupCursor?
            if let token = input.string("NextToken") {
                guard let bytes = Base64.decode(token), let text = String(bytes: bytes, encoding: .utf8),
                    let bar = text.firstIndex(of: "|"), let time = Double(text[..<bar])
                else {
                    throw AWSError(code: "InvalidNextTokenException", message: "A token that is not valid was provided.")
                }
                cursor = LookupCursor(eventTime: Date(timeIntervalSince1970: time), eventId: String(text[text.index(after: bar)...]))
            }
            let events: [CloudTrailEvent]
            do {
                events = try await trail.lookup(
                    accountId: caller.accountId, region: caller.region, attribute: attribute, start: start, end: end,
                    after: cursor, limit: limit + 1)
            } catch {
                throw .internalFailure("CloudTrailInternalException")
            }
            let page = Array(events.prefix(limit))
            var out: [String: JSONValue] = ["Events": .array(page.map(Self.encode))]
            if events.count > limit, let last = page.last {
                out["NextToken"] = .string(Base64.encode(Array("\(last.eventTime.timeIntervalSince1970)|\(last.eventId)".utf8)))
            }
            return .object(out)
        default:
            throw AWSError(code: "UnsupportedOperationException", message: "\(operation) is not supported by this Rampart build yet.")
        }
    }

    static func encode(_ e: CloudTrailEvent) -> JSONValue {
        var out: [String: JSONValue] = [
            "EventId": .string(e.eventId), "EventName": .string(e.eventName), "ReadOnly": .string(e.readOnly ? "true" : "false"),
            "EventTime": Timestamp.epochSeconds(e.eventTime), "EventSource": .string(e.eventSource),
            "Resources": .array(e.resources.map { ["ResourceType": .string($0.type), "ResourceName": .string($0.name)] }),
            "CloudTrailEvent": .string(e.record.jsonString),
        ]
        if let u = e.username { out["Username"] = .string(u) }
        if let k = e.accessKeyId { out["AccessKeyId"] = .string(k) }
        return .object(out)
    }
}
