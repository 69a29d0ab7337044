public import AWSProtocol
public import Foundation

/// A queue's settable attributes, with AWS's defaults.
public struct QueueSettings: Sendable, Codable, Hashable {
    public var delaySeconds = 0
    public var maximumMessageSize = 262_144
    public var messageRetentionPeriod = 345_600
    public var receiveMessageWaitTimeSeconds = 0
    public var visibilityTimeout = 30
    public var policy: String?
    public var redrivePolicy: RedrivePolicy?
    public var redriveAllowPolicy: String?
    public var kmsMasterKeyId: String?
    public var kmsDataKeyReusePeriodSeconds = 300
    public var sqsManagedSseEnabled = true

    public init() {}

    /// The attributes SQS answers GetQueueAttributes with, as strings.
    public var attributes: [String: String] {
        var out: [String: String] = [
            "DelaySeconds": String(delaySeconds), "MaximumMessageSize": String(maximumMessageSize),
            "MessageRetentionPeriod": String(messageRetentionPeriod),
            "ReceiveMessageWaitTimeSeconds": String(receiveMessageWaitTimeSeconds),
            "VisibilityTimeout": String(visibilityTimeout), "SqsManagedSseEnabled": String(sqsManagedSseEnabled),
        ]
        if let policy { out["Policy"] = policy }
        if let redrivePolicy { out["RedrivePolicy"] = redrivePolicy.json }
        if let redriveAllowPolicy { out["RedriveAllowPolicy"] = redriveAllowPolicy }
        if let kmsMasterKeyId {
            out["KmsMasterKeyId"] = kmsMasterKeyId
            out["KmsDataKeyReusePeriodSeconds"] = String(kmsDataKeyReusePeriodSeconds)
        }
        return out
    }

    /// The settings with `changes` applied, each checked against AWS's limits. Attributes that
    /// only GetQueueAttributes answers, and unknown names, are refused as SQS refuses them.
    public func applying(_ changes: [String: String]) throws(AWSError) -> QueueSettings {
        var s = self
        for (name, value) in changes.sorted(by: { $0.key < $1.key }) {
            switch name {
            case "DelaySeconds": s.delaySeconds = try Self.integer(name, value, 0...900)
            case "MaximumMessageSize": s.maximumMessageSize = try Self.integer(name, value, 1024...262_144)
            case "MessageRetentionPeriod": s.messageRetentionPeriod = try Self.integer(name, value, 60...1_209_600)
            case "ReceiveMessageWaitTimeSeconds": s.receiveMessageWaitTimeSeconds = try Self.integer(name, value, 0...20)
            case "VisibilityTimeout": s.visibilityTimeout = try Self.integer(name, value, 0...43_200)
            case "KmsDataKeyReusePeriodSeconds": s.kmsDataKeyReusePeriodSeconds = try Self.integer(name, value, 60...86_400)
            case "Policy":
                guard !value.isEmpty else {
                    s.policy = nil
                    continue
                }
                guard (try? JSONParser.parse(Array(value.utf8)))?.objectValue != nil else {
                    throw .invalidAttributeValue(name, reason: "The policy is not valid JSON.")
                }
                s.policy = value
            case "RedrivePolicy":
                s.redrivePolicy = try value.isEmpty ? nil : RedrivePolicy.parse(value)
            case "RedriveAllowPolicy":
                s.redriveAllowPolicy = value.isEmpty ? nil : value
            case "KmsMasterKeyId":
                s.kmsMasterKeyId = value.isEmpty ? nil : value
                if !value.isEmpty { s.sqsManagedSseEnabled = false }
            case "SqsManagedSseEnabled":
                guard let flag = Bool(value.lowercased()) else { throw .invalidAttributeValue(name) }
                s.sqsManagedSseEnabled = flag
                if flag { s.kmsMasterKeyId = nil }
            case "FifoQueue":
                guard value.lowercased() == "false" else { throw .unsupported("FIFO queues") }
            case "ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit":
                throw .invalidAttributeName(name)
            default:
                throw .invalidAttributeName(name)
            }
        }
        return s
    }

    static func integer(_ name: String, _ value: String, _ range: ClosedRange<Int>) throws(AWSError) -> Int {
        guard let n = Int(value), range.contains(n) else { throw .invalidAttributeValue(name) }
        return n
    }
}

/// The dead-letter queue a queue's messages move to after `maxReceiveCount` receives.
public struct RedrivePolicy: Sendable, Codable, Hashable {
    public var deadLetterTargetArn: String
    public var maxReceiveCount: Int

    public init(deadLetterTargetArn: String, maxReceiveCount: Int) {
        self.deadLetterTargetArn = deadLetterTargetArn
        self.maxReceiveCount = maxReceiveCount
    }

    /// The policy as SQS answers it.
    public var json: String {
        JSONValue.object([
            "deadLetterTargetArn": .string(deadLetterTargetArn), "maxReceiveCount": .int(Int64(maxReceiveCount)),
        ]).jsonString
    }

    /// Parses the `RedrivePolicy` attribute: a JSON object with `deadLetterTargetArn` (an SQS
    /// queue ARN) and `maxReceiveCount` (1 to 1000, a number or a numeric string).
    public static func parse(_ text: String) throws(AWSError) -> RedrivePolicy {
        func invalid(_ reason: String) -> AWSError {
            .invalidParameterValue("Value \(text) for parameter RedrivePolicy is invalid. Reason: \(reason)")
        }
        guard let object = (try? JSONParser.parse(Array(text.utf8)))?.objectValue else {
            throw invalid("Redrive policy is not a valid JSON map.")
        }
        guard let arn = object["deadLetterTargetArn"]?.stringValue else {
            throw invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
        }
        guard let count = object["maxReceiveCount"] else {
            throw invalid("Redrive policy does not contain mandatory attribute: maxReceiveCount.")
        }
        guard let n = count.intValue.map(Int.init) ?? count.stringValue.flatMap({ Int($0) }), (1...1000).contains(n) else {
            throw invalid(
                "Invalid value for maxReceiveCount: \(count.jsonString), valid values are from 1 to 1000 both inclusive.")
        }
        guard let parsed = ARN(arn), parsed.service == "sqs", Queue.isValidName(parsed.resource) else {
            throw invalid("Invalid value for deadLetterTargetArn.")
        }
        return RedrivePolicy(deadLetterTargetArn: arn, maxReceiveCount: n)
    }
}

/// A queue as stored: who owns it, its settings, tags and times. Its messages are kept apart,
/// under `id` (a queue deleted and created again under its name starts empty).
public struct Queue: Sendable, Codable, Hashable {
    public var id: String
    public var accountId: String
    public var region: String
    public var name: String
    public var settings: QueueSettings
    public var tags: [String: String]
    public var created: Date
    public var lastModified: Date
    public var lastPurged: Date?

    public init(id: String, accountId: String, region: String, name: String, settings: QueueSettings, created: Date) {
        self.id = id
        self.accountId = accountId
        self.region = region
        self.name = name
        self.settings = settings
        self.tags = [:]
        self.created = created
        self.lastModified = created
    }

    public var arn: String { "arn:aws:sqs:\(region):\(accountId):\(name)" }

    /// Queue names: 1 to 80 letters, digits, hyphens and underscores (a `.fifo` suffix for FIFO queues).
    public static func isValidName(_ name: String) -> Bool {
        let base = name.hasSuffix(".fifo") ? String(name.dropLast(5)) : name
        return !base.isEmpty && name.count <= 80
            && base.unicodeScalars.allSatisfy {
                ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
            }
    }

    /// The queue's URL on an endpoint: `<endpoint>/<account>/<name>`.
    public func url(endpoint: String) -> String { "\(endpoint)/\(accountId)/\(name)" }
}

/// Where a queue URL points: the owner's account and the queue's name. Any scheme and host are
/// accepted (a client may reach Rampart by many names); the path must be `/<account>/<name>`.
public struct QueueAddress: Sendable, Hashable {
    public var accountId: String
    public var name: String

    public init(accountId: String, name: String) {
        self.accountId = accountId
        self.name = name
    }

    public init?(url: String) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            guard let slash = rest.firstIndex(of: "/") else { return nil }
            rest = rest[slash...]
        }
        if let query = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<query] }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].count == 12, parts[0].allSatisfy(\.isASCII), parts[0].allSatisfy(\.isNumber),
            Queue.isValidName(String(parts[1]))
        else { return nil }
        self.accountId = String(parts[0])
        self.name = String(parts[1])
    }
}
