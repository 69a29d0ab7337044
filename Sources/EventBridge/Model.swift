import AWSProtocol
import Foundation

/// An event bus of one account and region. The `default` bus always exists; it is stored only
/// once it has a policy or tags.
struct EventBus: Codable, Sendable {
    var name: String
    var accountId: String
    var region: String
    var description: String?
    var policy: String?
    var kmsKeyIdentifier: String?
    var deadLetterArn: String?
    var created: Date
    var lastModified: Date
    var tags: [String: String] = [:]

    static let defaultName = "default"

    var arn: String { Self.arn(accountId: accountId, region: region, name: name) }

    static func arn(accountId: String, region: String, name: String) -> String {
        "arn:aws:events:\(region):\(accountId):event-bus/\(name)"
    }
}

/// A rule: a pattern or a schedule, its state, and up to five targets.
struct Rule: Codable, Sendable {
    var name: String
    var busName: String
    var accountId: String
    var region: String
    var eventPattern: String?
    var scheduleExpression: String?
    var state: String
    var description: String?
    var roleArn: String?
    var targets: [StoredTarget] = []
    var tags: [String: String] = [:]
    var createdBy: String

    var arn: String { Self.arn(accountId: accountId, region: region, bus: busName, name: name) }

    static func arn(accountId: String, region: String, bus: String, name: String) -> String {
        bus == EventBus.defaultName
            ? "arn:aws:events:\(region):\(accountId):rule/\(name)"
            : "arn:aws:events:\(region):\(accountId):rule/\(bus)/\(name)"
    }

    /// The document id: bus and rule, so rules of two buses may share a name.
    static func id(bus: String, name: String) -> String { "\(bus)|\(name)" }

    var isEnabled: Bool { state != RuleState.disabled.rawValue }
    /// Whether read-only CloudTrail management events reach the rule.
    var takesReadOnlyEvents: Bool { state == RuleState.enabledWithAllCloudtrailManagementEvents.rawValue }

    typealias RuleState = EventBridgeShapes.RuleState
}

/// A target as PutTargets gave it: the request's member object, kept whole so ListTargetsByRule
/// answers it back, with what delivery reads from it.
struct StoredTarget: Codable, Sendable {
    var id: String
    var arn: String
    /// The target's members as sent (JSON text).
    var document: String

    var json: JSONValue { (try? JSONParser.parse(Array(document.utf8))) ?? ["Id": .string(id), "Arn": .string(arn)] }

    var shape: EventBridgeShapes.Target {
        EventBridgeShapes.Target(members: json.objectValue ?? [:])
    }

    /// What the target receives, from its Input, InputPath or InputTransformer.
    var input: TargetInput {
        let t = shape
        if let text = t.input { return .constant(text) }
        if let path = t.inputPath.flatMap(JSONPath.init) { return .path(path) }
        if let transformer = t.inputTransformer {
            var paths: [String: JSONPath] = [:]
            for (name, text) in transformer.inputPathsMap ?? [:] { paths[name] = JSONPath(text) }
            return .transformer(paths: paths, template: transformer.inputTemplate)
        }
        return .event
    }

    var retry: RetrySettings {
        let policy = shape.retryPolicy
        return RetrySettings(
            maximumRetryAttempts: policy?.maximumRetryAttempts ?? RetrySettings.defaultAttempts,
            maximumEventAgeSeconds: policy?.maximumEventAgeInSeconds ?? RetrySettings.defaultAge)
    }
}

/// A target's RetryPolicy with AWS's defaults (185 retries, 24 hours).
struct RetrySettings: Sendable, Equatable, Codable {
    static let defaultAttempts = 185
    static let defaultAge = 86_400

    var maximumRetryAttempts: Int
    var maximumEventAgeSeconds: Int
}

/// An EventBridge event as targets receive it, written with AWS's member order.
struct EventEnvelope: Sendable {
    var id: String
    var detailType: String
    var source: String
    var account: String
    var time: Date
    var region: String
    var resources: [String]
    var detail: JSONValue

    var text: String {
        var out = "{\"version\":\"0\",\"id\":" + JSONValue.string(id).jsonString
        out += ",\"detail-type\":" + JSONValue.string(detailType).jsonString
        out += ",\"source\":" + JSONValue.string(source).jsonString
        out += ",\"account\":" + JSONValue.string(account).jsonString
        out += ",\"time\":" + JSONValue.string(Timestamp.iso8601(time, fractional: false)).jsonString
        out += ",\"region\":" + JSONValue.string(region).jsonString
        out += ",\"resources\":" + JSONValue.array(resources.map(JSONValue.string)).jsonString
        out += ",\"detail\":" + detail.jsonString + "}"
        return out
    }

    var value: JSONValue {
        [
            "version": "0", "id": .string(id), "detail-type": .string(detailType), "source": .string(source),
            "account": .string(account), "time": .string(Timestamp.iso8601(time, fractional: false)),
            "region": .string(region), "resources": .array(resources.map(JSONValue.string)), "detail": detail,
        ]
    }
}
