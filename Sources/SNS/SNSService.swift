import AWSProtocol
import AccessControl
import EventPatterns
import Foundation
import Identity
import KeyVault
import Policy
import RampartCore
import ServiceKit

/// Topics and subscriptions (documents), publishing (fan-out into the outbox), and confirmation.
/// It knows nothing of HTTP; `SNSAPI` reads requests around it and `DeliveryLoop` sends.
struct SNSService: Sendable {
    let topics: DocumentCollection<Topic>
    let subscriptions: DocumentCollection<Subscription>
    let outbox: Outbox
    let signing: SigningKeys
    let clock: any ServiceClock
    let integrations: Integrations
    let wakeup: Signals
    /// Serializes read-modify-write of topic and subscription documents.
    let writes = AsyncLock()

    var nowMillis: Int64 { Int64((clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Topics

    func topic(arn: String) async throws(AWSError) -> Topic {
        guard let (region, accountId, name) = TopicRules.parseTopicArn(arn) else { throw .invalidParameter("TopicArn") }
        guard let topic = try await stored({ try await topics.get(accountId: accountId, region: region, id: name) }) else {
            throw .topicNotFound()
        }
        return topic
    }

    func createTopic(
        name: String, accountId: String, region: String, attributes: [String: String], tags: [String: String]
    ) async throws(AWSError) -> Topic {
        if name.hasSuffix(".fifo") || attributes["FifoTopic"]?.lowercased() == "true" {
            guard TopicRules.isValidName(String(name.dropLast(5))) else { throw .invalidParameter("Topic Name") }
            throw .invalidParameter("Attributes Reason: FIFO topics are not supported by this Rampart build")
        }
        guard TopicRules.isValidName(name) else { throw .invalidParameter("Topic Name") }
        var checked: [String: String] = [:]
        for (key, value) in attributes where key != "FifoTopic" || value.lowercased() != "false" {
            checked[key] = try Self.checkTopicAttribute(key, value)
        }
        try Self.checkTags(tags)
        return try await locked { () async throws(AWSError) -> Topic in
            if let existing = try await stored({ try await topics.get(accountId: accountId, region: region, id: name) }) {
                // Idempotent for the same attributes (and tags), as AWS's CreateTopic.
                for (key, value) in checked where existing.attributes[key] != value {
                    throw .invalidParameter("Attributes Reason: Topic already exists with different attributes")
                }
                for (key, value) in tags where existing.tags[key] != value {
                    throw .invalidParameter("Tags Reason: Topic already exists with different tags")
                }
                return existing
            }
            let count = try await stored({ try await topics.all(accountId: accountId, region: region) }).count
            guard count < 100_000 else {
                throw AWSError(SNSShapes.ErrorCode.topicLimitExceeded, message: "Topic limit exceeded")
            }
            let topic = Topic(
                name: name, accountId: accountId, region: region, attributes: checked, tags: tags, created: clock.now)
            try await stored { try await topics.put(topic, accountId: accountId, region: region, id: name) }
            return topic
        }
    }

    /// A topic attribute's value as stored, or SNS's error for it.
    static func checkTopicAttribute(_ name: String, _ value: String) throws(AWSError) -> String {
        guard TopicRules.settableTopicAttributes.contains(name) else { throw .invalidParameter("AttributeName") }
        switch name {
        case "DisplayName":
            guard value.count <= 100 else { throw .invalidParameter("DisplayName") }
        case "Policy":
            if let problem = Authorization.validate(value, kind: .resource) {
                throw .invalidParameter("Policy Error: \(problem)")
            }
        case "DeliveryPolicy":
            if let problem = DeliveryPolicy.problem(value) { throw .invalidParameter(problem) }
        case "SignatureVersion":
            guard value == "1" || value == "2" else { throw .invalidParameter("SignatureVersion") }
        case "TracingConfig":
            guard value == "PassThrough" || value == "Active" else { throw .invalidParameter("TracingConfig") }
        case "KmsMasterKeyId":
            guard value.utf8.count <= 2048 else { throw .invalidParameter("KmsMasterKeyId") }
        case _ where name.hasSuffix("SampleRate"):
            guard let rate = Int(value), (0...100).contains(rate) else { throw .invalidParameter(name) }
        case _ where name.hasSuffix("RoleArn"):
            guard value.isEmpty || value.hasPrefix("arn:") else { throw .invalidParameter(name) }
        default: break
        }
        return value
    }

    static func checkTags(_ tags: [String: String]) throws(AWSError) {
        guard tags.count <= 50 else {
            throw AWSError(
                SNSShapes.ErrorCode.tagLimitExceeded, message: "Could not complete request: tag quota of per resource exceeded")
        }
        for (key, value) in tags {
            guard !key.isEmpty, key.count <= 128, value.count <= 256, !key.lowercased().hasPrefix("aws:") else {
                throw .invalidParameter(
                    "Tags Reason: A tag key must be 1 to 128 characters, not start with aws:, and its value at most 256")
            }
        }
    }

    func updateTopic(_ arn: String, _ change: (inout Topic) throws(AWSError) -> Void) async throws(AWSError) {
        try await locked { () async throws(AWSError) in
            var topic = try await self.topic(arn: arn)
            try change(&topic)
            try await stored { try await topics.put(topic, accountId: topic.accountId, region: topic.region, id: topic.name) }
        }
    }

    func deleteTopic(_ topic: Topic) async throws(AWSError) {
        try await locked { () async throws(AWSError) in
            for subscription in try await subscriptionsIncludingDeleted(of: topic.arn) {
                _ = try await stored {
                    try await subscriptions.delete(accountId: topic.accountId, region: topic.region, id: subscription.id)
                }
            }
            _ = try await stored { try await topics.delete(accountId: topic.accountId, region: topic.region, id: topic.name) }
        }
    }

    func listTopics(accountId: String, region: String) async throws(AWSError) -> [Topic] {
        try await stored { try await topics.all(accountId: accountId, region: region) }
    }

    // MARK: Subscriptions

    /// The topic's subscriptions, without the unsubscribed ones kept for restoring.
    func subscriptions(of topicArn: String) async throws(AWSError) -> [Subscription] {
        try await subscriptionsIncludingDeleted(of: topicArn).filter { !$0.isDeleted }
    }

    func subscriptionsIncludingDeleted(of topicArn: String) async throws(AWSError) -> [Subscription] {
        guard let (region, accountId, _) = TopicRules.parseTopicArn(topicArn) else { return [] }
        return try await stored { try await subscriptions.all(accountId: accountId, region: region) }
            .filter { $0.topicArn == topicArn }
    }

    func allSubscriptions(accountId: String, region: String) async throws(AWSError) -> [Subscription] {
        try await stored { try await subscriptions.all(accountId: accountId, region: region) }.filter { !$0.isDeleted }
    }

    func subscription(arn: String) async throws(AWSError) -> (Subscription, Topic) {
        guard let (topicArn, id) = TopicRules.parseSubscriptionArn(arn), let parsed = TopicRules.parseTopicArn(topicArn)
        else {
            throw .invalidParameter(
                "SubscriptionArn Reason: An ARN must have at least 6 elements, not \(arn.split(separator: ":", omittingEmptySubsequences: false).count)"
            )
        }
        guard
            let subscription = try await stored({
                try await subscriptions.get(accountId: parsed.accountId, region: parsed.region, id: id)
            }), subscription.topicArn == topicArn, !subscription.isDeleted
        else { throw .subscriptionNotFound() }
        return (subscription, try await topic(arn: topicArn))
    }

    func put(_ subscription: Subscription, topic: Topic) async throws(AWSError) {
        try await stored {
            try await subscriptions.put(subscription, accountId: topic.accountId, region: topic.region, id: subscription.id)
        }
    }

    /// Subscribes, or answers the existing subscription of the same endpoint. HTTP(S)
    /// subscriptions are pending until their endpoint confirms; a confirmation is sent.
    func subscribe(
        topic: Topic, protocol proto: String, endpoint: String, attributes: [String: String], owner: String,
        serviceEndpoint: String
    ) async throws(AWSError) -> Subscription {
        var checked: [String: String] = [:]
        for (key, value) in attributes { checked[key] = try Self.checkSubscriptionAttribute(key, value, protocol: proto) }
        if checked["FilterPolicyScope"] != nil, checked["FilterPolicy"] == nil {
            throw .invalidParameter(
                "Attributes Reason: FilterPolicyScope: Filter policy scope can be set only if a filter policy is set.")
        }
        try Self.checkFilterPolicy(checked)
        let subscription = try await locked { () async throws(AWSError) -> Subscription in
            let all = try await subscriptionsIncludingDeleted(of: topic.arn)
            for gone in all where gone.isDeleted && gone.protocol == proto && gone.endpoint == endpoint {
                _ = try await stored {
                    try await subscriptions.delete(accountId: topic.accountId, region: topic.region, id: gone.id)
                }
            }
            let existing = all.first { !$0.isDeleted && $0.protocol == proto && $0.endpoint == endpoint }
            if var existing {
                for (key, value) in checked where existing.attributes[key] != value {
                    throw .invalidParameter("Attributes Reason: Subscription already exists with different attributes")
                }
                if !existing.confirmed {
                    existing.token = Self.newToken()
                    existing.tokenIssued = clock.now
                    try await put(existing, topic: topic)
                }
                return existing
            }
            let subscription = Subscription(
                id: UUIDText.random(), topicArn: topic.arn, owner: owner, protocol: proto, endpoint: endpoint,
                attributes: checked, confirmed: !(proto == "http" || proto == "https"),
                token: proto == "http" || proto == "https" ? Self.newToken() : nil,
                tokenIssued: proto == "http" || proto == "https" ? clock.now : nil)
            try await put(subscription, topic: topic)
            return subscription
        }
        if !subscription.confirmed, subscription.isHTTP {
            try await sendConfirmation(subscription, topic: topic, serviceEndpoint: serviceEndpoint)
        }
        return subscription
    }

    /// AWS's confirmation tokens are long hex strings; ours hold 256 random bits.
    static func newToken() -> String { Hex.encode(SecureRandom.bytes(32)) + Hex.encode(SecureRandom.bytes(32)) }

    static func checkSubscriptionAttribute(
        _ name: String, _ value: String, protocol proto: String
    ) throws(AWSError)
        -> String
    {
        guard TopicRules.settableSubscriptionAttributes.contains(name) else { throw .invalidParameter("AttributeName") }
        switch name {
        case "RawMessageDelivery":
            guard ["true", "false"].contains(value.lowercased()) else {
                throw .invalidParameter(
                    "Attributes Reason: RawMessageDelivery: Invalid value [\(value.prefix(64))]. Must be true or false.")
            }
            guard ["sqs", "http", "https", "firehose"].contains(proto) || value.lowercased() == "false" else {
                throw .invalidParameter("Attributes Reason: Delivery protocol [\(proto)] does not support raw message delivery.")
            }
            return value.lowercased()
        case "FilterPolicyScope":
            guard value == "MessageAttributes" || value == "MessageBody" else {
                throw .invalidParameter("Attributes Reason: FilterPolicyScope: Invalid filter policy scope: \(value.prefix(64))")
            }
        case "RedrivePolicy":
            guard let json = try? JSONParser.parse(Array(value.utf8)), let target = json["deadLetterTargetArn"]?.stringValue
            else {
                throw .invalidParameter(
                    "RedrivePolicy: Redrive policy is not a valid JSON or does not contain deadLetterTargetArn")
            }
            guard let arn = ARN(target), arn.service == "sqs" else {
                throw .invalidParameter("RedrivePolicy: deadLetterTargetArn is an invalid arn")
            }
        case "DeliveryPolicy":
            if let problem = DeliveryPolicy.problem(value) { throw .invalidParameter(problem) }
        default: break
        }
        return value
    }

    /// Compiles the filter policy the attributes name (InvalidParameter with its reason if not).
    static func checkFilterPolicy(_ attributes: [String: String]) throws(AWSError) {
        guard let text = attributes["FilterPolicy"], !text.isEmpty else { return }
        let scope = FilterPolicy.Scope(rawValue: attributes["FilterPolicyScope"] ?? "MessageAttributes") ?? .messageAttributes
        do {
            _ = try FilterPolicy(json: text, scope: scope)
        } catch {
            throw AWSError(SNSShapes.ErrorCode.invalidParameter, message: error.message)
        }
    }

    /// Unsubscribes. A confirmed HTTP(S) endpoint is sent AWS's UnsubscribeConfirmation, whose
    /// SubscribeURL restores the subscription (for three days); the others are simply deleted.
    func unsubscribe(_ subscription: Subscription, topic: Topic, serviceEndpoint: String) async throws(AWSError) {
        guard subscription.isHTTP, subscription.confirmed else {
            _ = try await locked { () async throws(AWSError) in
                try await stored {
                    try await subscriptions.delete(accountId: topic.accountId, region: topic.region, id: subscription.id)
                }
            }
            return
        }
        var gone = subscription
        gone.deleted = true
        gone.confirmed = false
        gone.token = Self.newToken()
        gone.tokenIssued = clock.now
        let kept = gone
        try await locked { () async throws(AWSError) in try await put(kept, topic: topic) }
        try await sendConfirmation(kept, topic: topic, serviceEndpoint: serviceEndpoint, kind: .unsubscribeConfirmation)
    }

    /// Confirms the pending subscription the token was sent for (tokens last three days).
    func confirm(
        topicArn: String, token: String, authenticated: Bool, authenticateOnUnsubscribe: Bool = false
    ) async throws(AWSError) -> Subscription {
        let topic = try await topic(arn: topicArn)
        return try await locked { () async throws(AWSError) -> Subscription in
            let candidates = try await subscriptionsIncludingDeleted(of: topic.arn)
            guard
                var subscription = candidates.first(where: {
                    guard let t = $0.token else { return false }
                    return Self.constantTimeEqual(Array(t.utf8), Array(token.utf8))
                })
            else { throw .invalidParameter("Token") }
            if subscription.confirmed { return subscription }
            subscription.deleted = nil
            if let issued = subscription.tokenIssued, clock.now.timeIntervalSince(issued) > 3 * 86400 {
                throw .invalidParameter("Token")
            }
            subscription.confirmed = true
            subscription.confirmationWasAuthenticated = authenticated
            if authenticateOnUnsubscribe { subscription.authenticateOnUnsubscribe = true }
            try await put(subscription, topic: topic)
            return subscription
        }
    }

    private func sendConfirmation(
        _ subscription: Subscription, topic: Topic, serviceEndpoint: String,
        kind: Envelope.Kind = .subscriptionConfirmation
    ) async throws(AWSError) {
        guard let token = subscription.token else { return }
        let messageId = UUIDText.random()
        let subscribeURL =
            "\(serviceEndpoint)/?Action=ConfirmSubscription&TopicArn=\(Self.queryEscaped(topic.arn))&Token=\(token)"
        let message =
            kind == .subscriptionConfirmation
            ? "You have chosen to subscribe to the topic \(topic.arn).\nTo confirm the subscription, visit the SubscribeURL included in this message."
            : "You have chosen to deactivate subscription \(subscription.arn).\nTo cancel this operation and restore the subscription, visit the SubscribeURL included in this message."
        var envelope = Envelope(
            type: kind, messageId: messageId, topicArn: topic.arn,
            message: message,
            timestamp: Envelope.timestamp(clock.now), signatureVersion: topic.signatureVersion, signingCertURL: "",
            token: token, subscribeURL: subscribeURL)
        try await sign(&envelope, serviceEndpoint: serviceEndpoint)
        let delivery = Delivery(
            kind: .http, subscriptionArn: subscription.arn, topicArn: topic.arn, messageId: messageId,
            target: subscription.endpoint, body: envelope.json,
            headers: [
                "x-amz-sns-message-type": kind.rawValue, "x-amz-sns-message-id": messageId,
                "x-amz-sns-topic-arn": topic.arn, "Content-Type": "text/plain; charset=UTF-8",
            ], retryPolicy: topic.deliveryPolicy, topicAccount: topic.accountId, region: topic.region)
        try await stored { try await outbox.add([delivery], sealed: false, now: nowMillis) }
        wakeup.signal(Signals.snsOutbox)
    }

    private func sign(_ envelope: inout Envelope, serviceEndpoint: String) async throws(AWSError) {
        do {
            let signer = try await signing.signer()
            envelope.signingCertURL = serviceEndpoint + signer.certificatePath
            try signer.sign(&envelope)
        } catch {
            throw .snsInternal()
        }
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    // MARK: Publishing

    /// A message to publish, checked.
    struct Outgoing: Sendable {
        var message: String
        var subject: String?
        /// Per-protocol messages (MessageStructure json), with `default`.
        var perProtocol: [String: String]?
        var attributes: [String: MessageAttribute]

        func body(for proto: String) -> String { perProtocol?[proto] ?? perProtocol?["default"] ?? message }
    }

    /// Fans a checked message out to the topic's confirmed subscriptions whose filter policy
    /// lets it through: each delivery is committed to the outbox before this returns.
    func publish(_ message: Outgoing, to topic: Topic, messageId: String, serviceEndpoint: String) async throws(AWSError) {
        let subscriptions = try await subscriptions(of: topic.arn).filter(\.confirmed)
        var deliveries: [Delivery] = []
        let timestamp = Envelope.timestamp(clock.now)
        for subscription in subscriptions where Self.passes(message, subscription) {
            let body = message.body(for: subscription.protocol)
            var envelope = Envelope(
                type: .notification, messageId: messageId, topicArn: topic.arn, subject: message.subject, message: body,
                timestamp: timestamp, signatureVersion: topic.signatureVersion, signingCertURL: "",
                unsubscribeURL:
                    "\(serviceEndpoint)/?Action=Unsubscribe&SubscriptionArn=\(Self.queryEscaped(subscription.arn))",
                messageAttributes: message.attributes)
            let deadLetter = subscription.attributes["RedrivePolicy"].flatMap {
                try? JSONParser.parse(Array($0.utf8))["deadLetterTargetArn"]?.stringValue
            }
            switch subscription.protocol {
            case "sqs":
                let raw = subscription.rawMessageDelivery
                if !raw { try await sign(&envelope, serviceEndpoint: serviceEndpoint) }
                deliveries.append(
                    Delivery(
                        kind: .sqs, subscriptionArn: subscription.arn, topicArn: topic.arn, messageId: messageId,
                        target: subscription.endpoint, body: raw ? body : envelope.json,
                        attributes: raw ? message.attributes : [:], deadLetterArn: deadLetter, topicAccount: topic.accountId,
                        region: topic.region))
            case "http", "https":
                let raw = subscription.rawMessageDelivery
                if !raw { try await sign(&envelope, serviceEndpoint: serviceEndpoint) }
                var headers = [
                    "x-amz-sns-message-type": "Notification", "x-amz-sns-message-id": messageId,
                    "x-amz-sns-topic-arn": topic.arn, "x-amz-sns-subscription-arn": subscription.arn,
                    "Content-Type": DeliveryPolicy.contentType(
                        topicPolicy: topic.attributes["DeliveryPolicy"],
                        subscriptionPolicy: subscription.attributes["DeliveryPolicy"]),
                ]
                if raw { headers["x-amz-sns-rawdelivery"] = "true" }
                let policy = topic.deliveryPolicy.overridden(
                    bySubscription: subscription.attributes["DeliveryPolicy"], topicPolicy: topic.attributes["DeliveryPolicy"])
                deliveries.append(
                    Delivery(
                        kind: .http, subscriptionArn: subscription.arn, topicArn: topic.arn, messageId: messageId,
                        target: subscription.endpoint, body: raw ? body : envelope.json, headers: headers,
                        retryPolicy: policy, deadLetterArn: deadLetter, topicAccount: topic.accountId, region: topic.region))
            case "lambda":
                try await sign(&envelope, serviceEndpoint: serviceEndpoint)
                deliveries.append(
                    Delivery(
                        kind: .lambda, subscriptionArn: subscription.arn, topicArn: topic.arn, messageId: messageId,
                        target: subscription.endpoint, body: envelope.json, deadLetterArn: deadLetter,
                        topicAccount: topic.accountId, region: topic.region))
            default: continue
            }
        }
        try await stored { try await outbox.add(deliveries, sealed: topic.kmsMasterKeyId != nil, now: nowMillis) }
        if !deliveries.isEmpty { wakeup.signal(Signals.snsOutbox) }
    }

    /// Whether the subscription's filter policy lets the message through (no policy: all pass).
    static func passes(_ message: Outgoing, _ subscription: Subscription) -> Bool {
        guard let text = subscription.attributes["FilterPolicy"], !text.isEmpty else { return true }
        let scope =
            FilterPolicy.Scope(rawValue: subscription.attributes["FilterPolicyScope"] ?? "MessageAttributes")
            ?? .messageAttributes
        guard let policy = try? FilterPolicy(json: text, scope: scope) else { return false }
        let attributes = message.attributes.compactMapValues { a -> FilterPolicy.Attribute? in
            guard let value = a.stringValue else { return nil }
            return FilterPolicy.Attribute(dataType: a.dataType, value: value)
        }
        return policy.matches(attributes: attributes, body: message.body(for: subscription.protocol))
    }

    /// Asks KMS for a data key as the publisher, through SNS (`kms:ViaService`), for a topic
    /// encrypted under a customer's key; KMS's refusal becomes SNS's KMS error.
    func checkEncryption(_ topic: Topic, publisher: Caller, requestId: String) async throws(AWSError) {
        guard let keyId = topic.kmsMasterKeyId else { return }
        guard let keys = integrations.dataKeys else { throw .snsInternal() }
        let caller = publisher.principal.kind == .awsService ? publisher : publisher.onBehalf(via: "sns")
        do {
            var key = try await keys.generateDataKey(
                keyId: keyId, caller: caller, encryptionContext: ["aws:sns:topicArn": topic.arn])
            for i in key.plaintext.indices { key.plaintext[i] = 0 }
        } catch {
            throw .fromKMS(error, requestId: requestId)
        }
    }

    // MARK: Helpers

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    func locked<T: Sendable>(_ body: () async throws(AWSError) -> T) async throws(AWSError) -> T {
        do {
            return try await writes.withLock { () async throws -> T in try await body() }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .snsInternal()
        }
    }

    func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch let error as AWSError {
            throw error
        } catch {
            throw .snsInternal()
        }
    }
}
