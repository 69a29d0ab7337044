import AWSProtocol
import Foundation

/// A topic as kept: its settable attributes as AWS names them, and its tags.
struct Topic: Codable, Sendable, Equatable {
    var name: String
    var accountId: String
    var region: String
    /// DisplayName, Policy, DeliveryPolicy, KmsMasterKeyId, SignatureVersion, TracingConfig.
    var attributes: [String: String]
    var tags: [String: String] = [:]
    var created: Date
    /// The Rampart endpoint its owner last called it through: where the links in notifications
    /// that no call carried (EventBridge's) point.
    var endpoint: String?

    var arn: String { "arn:aws:sns:\(region):\(accountId):\(name)" }

    /// The topic's policy: the one set, or AWS's default one.
    var policy: String { attributes["Policy"] ?? TopicRules.defaultPolicy(topicArn: arn, accountId: accountId) }

    /// 1 (SHA1withRSA, the default) or 2 (SHA256withRSA).
    var signatureVersion: String { attributes["SignatureVersion"] ?? "1" }

    var kmsMasterKeyId: String? { attributes["KmsMasterKeyId"].flatMap { $0.isEmpty ? nil : $0 } }

    var deliveryPolicy: DeliveryPolicy { DeliveryPolicy(topicPolicy: attributes["DeliveryPolicy"]) }
}

/// A subscription as kept, under its topic's account and region.
struct Subscription: Codable, Sendable, Equatable {
    var id: String
    var topicArn: String
    /// The account that subscribed.
    var owner: String
    var `protocol`: String
    var endpoint: String
    /// RawMessageDelivery, FilterPolicy, FilterPolicyScope, RedrivePolicy, DeliveryPolicy,
    /// SubscriptionRoleArn.
    var attributes: [String: String]
    var confirmed: Bool
    /// The confirmation token sent to an HTTP(S) endpoint, and when it was made.
    var token: String?
    var tokenIssued: Date?
    var confirmationWasAuthenticated = false
    /// Set by an authenticated ConfirmSubscription with AuthenticateOnUnsubscribe: the
    /// unsigned UnsubscribeURL then no longer works.
    var authenticateOnUnsubscribe: Bool?
    /// An HTTP(S) subscription unsubscribed: kept (unlisted, never delivered to) so that the
    /// SubscribeURL of its UnsubscribeConfirmation can restore it, as AWS's does.
    var deleted: Bool?

    var isDeleted: Bool { deleted == true }

    var arn: String { "\(topicArn):\(id)" }

    var rawMessageDelivery: Bool { attributes["RawMessageDelivery"]?.lowercased() == "true" }

    var isHTTP: Bool { self.protocol == "http" || self.protocol == "https" }
}

/// SNS's rules for names, attributes and the default policy.
enum TopicRules {
    /// Standard topic names: 1 to 256 ASCII letters, digits, hyphens and underscores.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 256
            && name.utf8.allSatisfy { b in
                (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F
            }
    }

    /// The policy AWS gives a new topic: the owner account may do the topic's actions.
    static func defaultPolicy(topicArn: String, accountId: String) -> String {
        let actions = [
            "SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission", "SNS:RemovePermission",
            "SNS:DeleteTopic", "SNS:Subscribe", "SNS:ListSubscriptionsByTopic", "SNS:Publish",
        ]
        let statement: JSONValue = [
            "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": ["AWS": "*"],
            "Action": .array(actions.map(JSONValue.string)), "Resource": .string(topicArn),
            "Condition": ["StringEquals": ["AWS:SourceOwner": .string(accountId)]],
        ]
        return "{\"Version\":\"2008-10-17\",\"Id\":\"__default_policy_ID\",\"Statement\":[\(statement.jsonString)]}"
    }

    /// The attributes CreateTopic and SetTopicAttributes accept.
    static let settableTopicAttributes = Set([
        "DisplayName", "Policy", "DeliveryPolicy", "KmsMasterKeyId", "SignatureVersion", "TracingConfig",
    ]).union(deliveryStatusAttributes)

    /// Delivery status logging (`<Protocol>SuccessFeedbackRoleArn`, `...SuccessFeedbackSampleRate`,
    /// `...FailureFeedbackRoleArn` for each protocol AWS logs): kept and answered, as Terraform
    /// sets them; Rampart writes no delivery status logs yet.
    static let deliveryStatusAttributes: Set<String> = Set(
        ["Application", "HTTP", "Lambda", "SQS", "Firehose"].flatMap { p in
            ["\(p)SuccessFeedbackRoleArn", "\(p)SuccessFeedbackSampleRate", "\(p)FailureFeedbackRoleArn"]
        })

    /// The attributes Subscribe and SetSubscriptionAttributes accept.
    static let settableSubscriptionAttributes: Set<String> = [
        "DeliveryPolicy", "FilterPolicy", "FilterPolicyScope", "RawMessageDelivery", "RedrivePolicy", "SubscriptionRoleArn",
    ]

    /// The topic a topic ARN names, as (region, account, name); nil when it is not one.
    static func parseTopicArn(_ arn: String) -> (region: String, accountId: String, name: String)? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 6, parts[0] == "arn", parts[2] == "sns", !parts[3].isEmpty, parts[4].count == 12,
            parts[4].allSatisfy(\.isNumber), isValidName(parts[5])
        else { return nil }
        return (parts[3], parts[4], parts[5])
    }

    /// A subscription ARN's topic ARN and id.
    static func parseSubscriptionArn(_ arn: String) -> (topicArn: String, id: String)? {
        let parts = arn.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 7, parseTopicArn(parts[0..<6].joined(separator: ":")) != nil, parts[6].count == 36 else {
            return nil
        }
        return (parts[0..<6].joined(separator: ":"), parts[6])
    }
}

/// An HTTP(S) delivery policy: AWS's retry phases. Defaults are AWS's (3 retries, 20 s apart).
struct DeliveryPolicy: Codable, Sendable, Equatable {
    var minDelayTarget = 20
    var maxDelayTarget = 20
    var numRetries = 3
    var numMaxDelayRetries = 0
    var numNoDelayRetries = 0
    var numMinDelayRetries = 0
    var backoffFunction = "linear"

    init() {}

    /// The topic's `http.defaultHealthyRetryPolicy`, over the defaults.
    init(topicPolicy text: String?) {
        self.init()
        guard let text, let json = try? JSONParser.parse(Array(text.utf8)) else { return }
        apply(json["http"]?["defaultHealthyRetryPolicy"])
    }

    /// A subscription's `healthyRetryPolicy` over the topic's policy (unless the topic forbids it).
    func overridden(bySubscription text: String?, topicPolicy: String?) -> DeliveryPolicy {
        guard let text, let json = try? JSONParser.parse(Array(text.utf8)) else { return self }
        if let topic = topicPolicy.flatMap({ try? JSONParser.parse(Array($0.utf8)) }),
            topic["http"]?["disableSubscriptionOverrides"]?.boolValue == true
        {
            return self
        }
        var copy = self
        copy.apply(json["healthyRetryPolicy"])
        return copy
    }

    private mutating func apply(_ policy: JSONValue?) {
        guard let policy else { return }
        func int(_ name: String) -> Int? { policy[name]?.intValue.map(Int.init) }
        minDelayTarget = int("minDelayTarget") ?? minDelayTarget
        maxDelayTarget = int("maxDelayTarget") ?? maxDelayTarget
        numRetries = int("numRetries") ?? numRetries
        numMaxDelayRetries = int("numMaxDelayRetries") ?? numMaxDelayRetries
        numNoDelayRetries = int("numNoDelayRetries") ?? numNoDelayRetries
        numMinDelayRetries = int("numMinDelayRetries") ?? numMinDelayRetries
        backoffFunction = policy["backoffFunction"]?.stringValue ?? backoffFunction
    }

    /// Checks a DeliveryPolicy attribute's text as SNS does; the reason when it is refused.
    static func problem(_ text: String) -> String? {
        guard let json = try? JSONParser.parse(Array(text.utf8)), case .object = json else {
            return "DeliveryPolicy: failed to parse JSON."
        }
        for scope in [json["http"]?["defaultHealthyRetryPolicy"], json["healthyRetryPolicy"]] {
            guard let scope else { continue }
            let policy = DeliveryPolicy(topicPolicy: #"{"http":{"defaultHealthyRetryPolicy":\#(scope.jsonString)}}"#)
            if policy.minDelayTarget < 1 || policy.maxDelayTarget < policy.minDelayTarget || policy.maxDelayTarget > 3600 {
                return "DeliveryPolicy: minDelayTarget must be at least 1 and at most maxDelayTarget, which is at most 3600"
            }
            if policy.numRetries < 0 || policy.numRetries > 100 {
                return "DeliveryPolicy: numRetries must be between 0 and 100"
            }
            if policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries > policy.numRetries {
                return "DeliveryPolicy: numRetries must be at least the sum of the other retry counts"
            }
            if !["linear", "arithmetic", "geometric", "exponential"].contains(policy.backoffFunction) {
                return "DeliveryPolicy: backoffFunction must be one of linear, arithmetic, geometric, exponential"
            }
        }
        return nil
    }

    /// The delay before retry `n` (1 for the first retry), in seconds; nil when none is left.
    func delay(beforeRetry n: Int) -> Int? {
        guard n >= 1, n <= numRetries else { return nil }
        if n <= numNoDelayRetries { return 0 }
        if n <= numNoDelayRetries + numMinDelayRetries { return minDelayTarget }
        let backoff = numRetries - numNoDelayRetries - numMinDelayRetries - numMaxDelayRetries
        let i = n - numNoDelayRetries - numMinDelayRetries
        guard i <= backoff, backoff > 0 else { return maxDelayTarget }
        let span = Double(maxDelayTarget - minDelayTarget)
        let x = backoff == 1 ? 1.0 : Double(i - 1) / Double(backoff - 1)
        let f: Double =
            switch backoffFunction {
            case "arithmetic": x * x
            case "geometric": x * x * x
            case "exponential": (pow(2, x * 10) - 1) / 1023
            default: x
            }
        return minDelayTarget + Int((span * f).rounded())
    }

    /// The Content-Type of HTTP(S) deliveries: the subscription's `requestPolicy`, else the
    /// topic's `http.defaultRequestPolicy`, else AWS's `text/plain; charset=UTF-8`.
    static func contentType(topicPolicy: String?, subscriptionPolicy: String?) -> String {
        func parsed(_ text: String?) -> JSONValue? { text.flatMap { try? JSONParser.parse(Array($0.utf8)) } }
        let chosen =
            parsed(subscriptionPolicy)?["requestPolicy"]?["headerContentType"]?.stringValue
            ?? parsed(topicPolicy)?["http"]?["defaultRequestPolicy"]?["headerContentType"]?.stringValue
        guard let chosen, chosen.utf8.count <= 128,
            chosen.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
        else { return "text/plain; charset=UTF-8" }
        return chosen
    }

    /// The topic's EffectiveDeliveryPolicy, as GetTopicAttributes shows it.
    var effectiveJSON: String {
        let retry: JSONValue = [
            "minDelayTarget": .int(Int64(minDelayTarget)), "maxDelayTarget": .int(Int64(maxDelayTarget)),
            "numRetries": .int(Int64(numRetries)), "numMaxDelayRetries": .int(Int64(numMaxDelayRetries)),
            "numNoDelayRetries": .int(Int64(numNoDelayRetries)), "numMinDelayRetries": .int(Int64(numMinDelayRetries)),
            "backoffFunction": .string(backoffFunction),
        ]
        let out: JSONValue = [
            "http": [
                "defaultHealthyRetryPolicy": retry, "disableSubscriptionOverrides": false,
                "defaultRequestPolicy": ["headerContentType": "text/plain; charset=UTF-8"],
            ]
        ]
        return out.jsonString
    }
}
