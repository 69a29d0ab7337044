import AWSProtocol
import AccessControl
import Foundation
import Identity
import Policy
import RampartCore
import ServiceKit

/// SNS on the wire (AWS Query): reads the typed requests, authorizes each call against the
/// caller's policies and the topic's policy (AWS's optional rule), and answers AWS's shapes.
struct SNSAPI: OperationHandler {
    let service: SNSService

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(call, caller: call.caller))
    }

    private func handle(_ call: Invocation, caller: Caller) async throws(AWSError) -> JSONValue {
        let input = call.input
        let region = caller.region
        switch call.operation {
        case "CreateTopic":
            let request = SNSShapes.CreateTopicInput(input)
            let arn = "arn:aws:sns:\(region):\(caller.accountId):\(request.name)"
            if let denial = Authorization.iam(caller, "sns:CreateTopic", arn, [:]) { throw Self.snsDenial(denial) }
            var tags: [String: String] = [:]
            for tag in request.tags ?? [] { tags[tag.key] = tag.value }
            if request.dataProtectionPolicy != nil {
                throw .invalidParameter("DataProtectionPolicy Reason: not supported by this Rampart build")
            }
            let topic = try await service.createTopic(
                name: request.name, accountId: caller.accountId, region: region, attributes: request.attributes ?? [:],
                tags: tags)
            if topic.endpoint != call.endpoint {
                try await service.updateTopic(topic.arn) { $0.endpoint = call.endpoint }
            }
            return SNSShapes.CreateTopicResponse(topicArn: topic.arn).jsonValue
        case "DeleteTopic":
            let arn = SNSShapes.DeleteTopicInput(input).topicArn
            let topic: Topic
            do {
                topic = try await service.topic(arn: arn)
            } catch let error where error.code == "NotFound" {
                return [:]  // AWS: deleting a topic that does not exist is not an error.
            }
            try authorize(caller, "DeleteTopic", topic)
            try await service.deleteTopic(topic)
            return [:]
        case "ListTopics":
            if let denial = Authorization.iam(caller, "sns:ListTopics", "arn:aws:sns:\(region):\(caller.accountId):*", [:]) {
                throw Self.snsDenial(denial)
            }
            let arns = try await service.listTopics(accountId: caller.accountId, region: region).map(\.arn).sorted()
            let (page, next) = try Self.page(arns, token: SNSShapes.ListTopicsInput(input).nextToken)
            return SNSShapes.ListTopicsResponse(topics: page.map { SNSShapes.Topic(topicArn: $0) }, nextToken: next).jsonValue
        case "GetTopicAttributes":
            let topic = try await service.topic(arn: SNSShapes.GetTopicAttributesInput(input).topicArn)
            try authorize(caller, "GetTopicAttributes", topic)
            return SNSShapes.GetTopicAttributesResponse(attributes: try await attributes(of: topic)).jsonValue
        case "SetTopicAttributes":
            let request = SNSShapes.SetTopicAttributesInput(input)
            let topic = try await service.topic(arn: request.topicArn)
            try authorize(caller, "SetTopicAttributes", topic)
            let value = request.attributeValue ?? ""
            let checked = try SNSService.checkTopicAttribute(request.attributeName, value)
            try await service.updateTopic(topic.arn) { t in
                if value.isEmpty && ["Policy", "DeliveryPolicy", "KmsMasterKeyId"].contains(request.attributeName) {
                    t.attributes.removeValue(forKey: request.attributeName)
                } else {
                    t.attributes[request.attributeName] = checked
                }
            }
            return [:]
        case "AddPermission":
            let request = SNSShapes.AddPermissionInput(input)
            let topic = try await service.topic(arn: request.topicArn)
            try authorize(caller, "AddPermission", topic)
            try await addPermission(request, topic: topic)
            return [:]
        case "RemovePermission":
            let request = SNSShapes.RemovePermissionInput(input)
            let topic = try await service.topic(arn: request.topicArn)
            try authorize(caller, "RemovePermission", topic)
            try await service.updateTopic(topic.arn) { t throws(AWSError) in
                guard var policy = try? JSONParser.parse(Array(t.policy.utf8)), case .object(var members) = policy,
                    case .array(let statements)? = members["Statement"]
                else { throw .invalidParameter("Policy") }
                let kept = statements.filter { $0["Sid"]?.stringValue != request.label }
                guard kept.count < statements.count else {
                    throw .invalidParameter("Label Reason: Statement doesn't exist")
                }
                members["Statement"] = .array(kept)
                policy = .object(members)
                t.attributes["Policy"] = policy.jsonString
            }
            return [:]
        case "Subscribe":
            return try await subscribe(SNSShapes.SubscribeInput(input), caller: caller, endpoint: call.endpoint)
        case "ConfirmSubscription":
            let request = SNSShapes.ConfirmSubscriptionInput(input)
            let subscription = try await service.confirm(
                topicArn: request.topicArn, token: request.token, authenticated: true,
                authenticateOnUnsubscribe: request.authenticateOnUnsubscribe?.lowercased() == "true")
            return SNSShapes.ConfirmSubscriptionResponse(subscriptionArn: subscription.arn).jsonValue
        case "Unsubscribe":
            let (subscription, topic) = try await service.subscription(
                arn: SNSShapes.UnsubscribeInput(input).subscriptionArn)
            try authorizeSubscription(caller, "Unsubscribe", subscription, topic)
            try await service.unsubscribe(subscription, topic: topic, serviceEndpoint: call.endpoint)
            return [:]
        case "ListSubscriptions":
            if let denial = Authorization.iam(caller, "sns:ListSubscriptions", "arn:aws:sns:\(region):\(caller.accountId):*", [:])
            {
                throw Self.snsDenial(denial)
            }
            let all = try await service.allSubscriptions(accountId: caller.accountId, region: region)
            let (subscriptions, next) = try Self.subscriptionPage(all, token: SNSShapes.ListSubscriptionsInput(input).nextToken)
            return SNSShapes.ListSubscriptionsResponse(subscriptions: subscriptions, nextToken: next).jsonValue
        case "ListSubscriptionsByTopic":
            let request = SNSShapes.ListSubscriptionsByTopicInput(input)
            let topic = try await service.topic(arn: request.topicArn)
            try authorize(caller, "ListSubscriptionsByTopic", topic)
            let (subscriptions, next) = try Self.subscriptionPage(
                try await service.subscriptions(of: topic.arn), token: request.nextToken)
            return SNSShapes.ListSubscriptionsByTopicResponse(subscriptions: subscriptions, nextToken: next).jsonValue
        case "GetSubscriptionAttributes":
            let (subscription, topic) = try await service.subscription(
                arn: SNSShapes.GetSubscriptionAttributesInput(input).subscriptionArn)
            try authorizeSubscription(caller, "GetSubscriptionAttributes", subscription, topic)
            return SNSShapes.GetSubscriptionAttributesResponse(attributes: Self.attributes(of: subscription, topic: topic))
                .jsonValue
        case "SetSubscriptionAttributes":
            let request = SNSShapes.SetSubscriptionAttributesInput(input)
            let (subscription, topic) = try await service.subscription(arn: request.subscriptionArn)
            try authorizeSubscription(caller, "SetSubscriptionAttributes", subscription, topic)
            let value = request.attributeValue ?? ""
            var attributes = subscription.attributes
            if value.isEmpty, ["FilterPolicy", "RedrivePolicy", "DeliveryPolicy"].contains(request.attributeName) {
                guard TopicRules.settableSubscriptionAttributes.contains(request.attributeName) else {
                    throw .invalidParameter("AttributeName")
                }
                attributes.removeValue(forKey: request.attributeName)
                if request.attributeName == "FilterPolicy" { attributes.removeValue(forKey: "FilterPolicyScope") }
            } else {
                attributes[request.attributeName] = try SNSService.checkSubscriptionAttribute(
                    request.attributeName, value, protocol: subscription.protocol)
                try SNSService.checkFilterPolicy(attributes)
            }
            var changed = subscription
            changed.attributes = attributes
            try await service.put(changed, topic: topic)
            return [:]
        case "Publish":
            return try await publish(SNSShapes.PublishInput(input), call: call)
        case "PublishBatch":
            return try await publishBatch(SNSShapes.PublishBatchInput(input), call: call)
        case "TagResource":
            let request = SNSShapes.TagResourceRequest(input)
            let topic = try await taggedTopic(request.resourceArn)
            try authorize(caller, "TagResource", topic)
            var tags = topic.tags
            for tag in request.tags { tags[tag.key] = tag.value }
            try SNSService.checkTags(tags)
            try await service.updateTopic(topic.arn) { $0.tags = tags }
            return [:]
        case "UntagResource":
            let request = SNSShapes.UntagResourceRequest(input)
            let topic = try await taggedTopic(request.resourceArn)
            try authorize(caller, "UntagResource", topic)
            try await service.updateTopic(topic.arn) { t in for key in request.tagKeys { t.tags.removeValue(forKey: key) } }
            return [:]
        case "ListTagsForResource":
            let topic = try await taggedTopic(SNSShapes.ListTagsForResourceRequest(input).resourceArn)
            try authorize(caller, "ListTagsForResource", topic)
            return SNSShapes.ListTagsForResourceResponse(
                tags: topic.tags.sorted { $0.key < $1.key }.map { SNSShapes.Tag(key: $0.key, value: $0.value) }
            ).jsonValue
        default:
            throw AWSError(
                code: "InvalidAction", message: "\(call.operation) is not supported by this Rampart build.", httpStatus: 400)
        }
    }

    // MARK: Authorization

    /// The caller's identity policies or the topic's policy may allow (across accounts, both
    /// must; a service principal only through the topic's policy).
    static func denial(_ caller: Caller, _ operation: String, _ topic: Topic) -> AWSError? {
        var extra: [String: [String]] = [:]
        if caller.principal.kind != .awsService { extra["aws:SourceOwner"] = [caller.accountId] }
        guard
            let denial = Authorization.authorize(
                caller, action: "sns:\(operation)", resource: topic.arn, resourceAccount: topic.accountId,
                resourcePolicy: topic.policy, rule: .optional, extra: extra)
        else { return nil }
        return snsDenial(denial)
    }

    /// AccessDenied as SNS words it: AuthorizationError, with AWS's `SNS:` action prefix.
    static func snsDenial(_ denial: AWSError) -> AWSError {
        .authorizationError(denial.message.replacingOccurrences(of: " sns:", with: " SNS:"))
    }

    private func authorize(_ caller: Caller, _ operation: String, _ topic: Topic) throws(AWSError) {
        if let denial = Self.denial(caller, operation, topic) { throw denial }
    }

    /// A subscription's owner or its topic's owner may manage it, as their policies allow.
    private func authorizeSubscription(
        _ caller: Caller, _ operation: String, _ subscription: Subscription, _ topic: Topic
    )
        throws(AWSError)
    {
        guard caller.accountId == subscription.owner || caller.accountId == topic.accountId else {
            throw .authorizationError(
                "User: \(caller.principal.arn) is not authorized to perform: SNS:\(operation) on resource: \(subscription.arn)")
        }
        if let denial = Authorization.iam(caller, "sns:\(operation)", topic.arn, [:]) { throw Self.snsDenial(denial) }
    }

    private func taggedTopic(_ arn: String) async throws(AWSError) -> Topic {
        guard TopicRules.parseTopicArn(arn) != nil else { throw .resourceNotFound() }
        do {
            return try await service.topic(arn: arn)
        } catch let error where error.code == "NotFound" {
            throw .resourceNotFound()
        }
    }

    // MARK: Attributes

    private func attributes(of topic: Topic) async throws(AWSError) -> [String: String] {
        let everything = try await service.subscriptionsIncludingDeleted(of: topic.arn)
        let subscriptions = everything.filter { !$0.isDeleted }
        var all = topic.attributes
        all["TopicArn"] = topic.arn
        all["Owner"] = topic.accountId
        all["Policy"] = topic.policy
        all["DisplayName"] = topic.attributes["DisplayName"] ?? ""
        all["SubscriptionsConfirmed"] = String(subscriptions.filter(\.confirmed).count)
        all["SubscriptionsPending"] = String(subscriptions.filter { !$0.confirmed }.count)
        all["SubscriptionsDeleted"] = String(everything.count - subscriptions.count)
        all["EffectiveDeliveryPolicy"] = topic.deliveryPolicy.effectiveJSON
        all["SignatureVersion"] = topic.signatureVersion
        if all["TracingConfig"] == nil { all["TracingConfig"] = "PassThrough" }
        return all
    }

    static func attributes(of subscription: Subscription, topic: Topic) -> [String: String] {
        var all = subscription.attributes
        all["SubscriptionArn"] = subscription.arn
        all["TopicArn"] = topic.arn
        all["Owner"] = subscription.owner
        all["Protocol"] = subscription.protocol
        all["Endpoint"] = subscription.endpoint
        all["PendingConfirmation"] = subscription.confirmed ? "false" : "true"
        all["ConfirmationWasAuthenticated"] = subscription.confirmationWasAuthenticated || !subscription.isHTTP ? "true" : "false"
        all["RawMessageDelivery"] = subscription.rawMessageDelivery ? "true" : "false"
        if all["FilterPolicy"] != nil, all["FilterPolicyScope"] == nil { all["FilterPolicyScope"] = "MessageAttributes" }
        if subscription.isHTTP {
            let policy = topic.deliveryPolicy.overridden(
                bySubscription: subscription.attributes["DeliveryPolicy"], topicPolicy: topic.attributes["DeliveryPolicy"])
            all["EffectiveDeliveryPolicy"] = policy.effectiveJSON
        }
        return all
    }

    // MARK: Paging

    static let pageSize = 100

    /// A page of sorted names after the token's position, and the next token if more remain.
    static func page(_ items: [String], token: String?) throws(AWSError) -> ([String], String?) {
        var start = 0
        if let token {
            guard let bytes = Base64.decode(token), let after = String(bytes: bytes, encoding: .utf8) else {
                throw .invalidParameter("NextToken")
            }
            start = items.firstIndex { $0 > after } ?? items.count
        }
        let end = min(items.count, start + pageSize)
        let page = Array(items[start..<end])
        let next = end < items.count ? page.last.map { Base64.encode(Array($0.utf8)) } : nil
        return (page, next)
    }

    /// A page of subscriptions as the List calls show them, and the next page's token.
    static func subscriptionPage(
        _ all: [Subscription], token: String?
    ) throws(AWSError) -> (subscriptions: [SNSShapes.Subscription], nextToken: String?) {
        let byArn = Dictionary(all.map { ($0.arn, $0) }, uniquingKeysWith: { a, _ in a })
        let (page, next) = try Self.page(byArn.keys.sorted(), token: token)
        let subscriptions = page.compactMap { byArn[$0] }.map { s in
            SNSShapes.Subscription(
                subscriptionArn: s.confirmed ? s.arn : "PendingConfirmation", owner: s.owner, protocol: s.protocol,
                endpoint: s.endpoint, topicArn: s.topicArn)
        }
        return (subscriptions, next)
    }

    // MARK: Permissions

    static let permissionActions: Set<String> = [
        "GetTopicAttributes", "SetTopicAttributes", "AddPermission", "RemovePermission", "DeleteTopic", "Subscribe",
        "ListSubscriptionsByTopic", "Publish", "Receive",
    ]

    private func addPermission(_ request: SNSShapes.AddPermissionInput, topic: Topic) async throws(AWSError) {
        for action in request.actionName where !Self.permissionActions.contains(action) {
            throw .invalidParameter("Policy statement action out of service scope!")
        }
        for account in request.awsAccountId where !(account.count == 12 && account.allSatisfy(\.isNumber)) {
            throw .invalidParameter("AWSAccountId")
        }
        try await service.updateTopic(topic.arn) { t throws(AWSError) in
            guard let policy = try? JSONParser.parse(Array(t.policy.utf8)), case .object(var members) = policy else {
                throw .invalidParameter("Policy")
            }
            var statements = members["Statement"]?.arrayValue ?? []
            if statements.contains(where: { $0["Sid"]?.stringValue == request.label }) {
                throw .invalidParameter("Statement already exists")
            }
            let principals = request.awsAccountId.map { JSONValue.string("arn:aws:iam::\($0):root") }
            let statement: JSONValue = [
                "Sid": .string(request.label), "Effect": "Allow",
                "Principal": ["AWS": principals.count == 1 ? principals[0] : .array(principals)],
                "Action": request.actionName.count == 1
                    ? .string("SNS:\(request.actionName[0])") : .array(request.actionName.map { .string("SNS:\($0)") }),
                "Resource": .string(t.arn),
            ]
            statements.append(statement)
            members["Statement"] = .array(statements)
            t.attributes["Policy"] = JSONValue.object(members).jsonString
        }
    }

    // MARK: Subscribe

    static let protocols: Set<String> = [
        "http", "https", "sqs", "lambda", "email", "email-json", "sms", "application", "firehose",
    ]

    private func subscribe(
        _ request: SNSShapes.SubscribeInput, caller: Caller, endpoint: String
    ) async throws(AWSError)
        -> JSONValue
    {
        let proto = request.protocol
        guard Self.protocols.contains(proto) else {
            throw .invalidParameter("Amazon SNS does not support this protocol string: \(proto.prefix(64))")
        }
        let topic = try await service.topic(arn: request.topicArn)
        try authorize(caller, "Subscribe", topic)
        let target = request.endpoint ?? ""
        switch proto {
        case "http", "https":
            guard target.lowercased().hasPrefix("\(proto)://"), URL(string: target)?.host != nil else {
                throw .invalidParameter("Endpoint must match the specified protocol")
            }
        case "sqs":
            guard let arn = ARN(target), arn.service == "sqs", arn.partition == "aws" else {
                throw .invalidParameter("SQS endpoint ARN")
            }
        case "lambda":
            guard let arn = ARN(target), arn.service == "lambda" else { throw .invalidParameter("Lambda endpoint ARN") }
        default:
            throw .invalidParameter("Protocol Reason: \(proto) subscriptions are not supported by this Rampart build")
        }
        let subscription = try await service.subscribe(
            topic: topic, protocol: proto, endpoint: target, attributes: request.attributes ?? [:], owner: caller.accountId,
            serviceEndpoint: endpoint)
        if topic.endpoint != endpoint { try await service.updateTopic(topic.arn) { $0.endpoint = endpoint } }
        let shown = subscription.confirmed || request.returnSubscriptionArn == true
        return SNSShapes.SubscribeResponse(subscriptionArn: shown ? subscription.arn : "pending confirmation").jsonValue
    }

    // MARK: Publish

    /// A message checked as Publish checks it: body, Subject, MessageStructure and attributes.
    static func outgoing(
        message: String, subject: String?, structure: String?, attributes: [String: MessageAttribute]
    ) throws(AWSError) -> SNSService.Outgoing {
        guard !message.isEmpty else { throw .invalidParameter("Empty message") }
        if let subject {
            guard !subject.isEmpty, subject.count <= 100,
                subject.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7F })
            else { throw .invalidParameter("Subject") }
        }
        var perProtocol: [String: String]?
        if let structure {
            guard structure == "json" else { throw .invalidParameter("MessageStructure") }
            guard let json = try? JSONParser.parse(Array(message.utf8)), case .object(let members) = json else {
                throw .invalidParameter("Message Structure - JSON message body failed to parse")
            }
            guard members["default"] != nil else {
                throw .invalidParameter("Message Structure - No default entry in JSON message body")
            }
            var texts: [String: String] = [:]
            for (key, value) in members {
                guard let text = value.stringValue else {
                    throw .invalidParameter("Message Structure - JSON message body failed to parse")
                }
                texts[key] = text
            }
            perProtocol = texts
        }
        try checkAttributes(attributes)
        var size = message.utf8.count
        for (name, a) in attributes {
            size += name.utf8.count + a.dataType.utf8.count + (a.stringValue?.utf8.count ?? a.binaryValue?.count ?? 0)
        }
        guard size <= 262_144 else { throw .invalidParameter("Message too long") }
        return SNSService.Outgoing(message: message, subject: subject, perProtocol: perProtocol, attributes: attributes)
    }

    static func checkAttributes(_ attributes: [String: MessageAttribute]) throws(AWSError) {
        guard attributes.count <= 10 else {
            throw .invalidParameter(
                "Number of message attributes [\(attributes.count)] exceeds the allowed maximum [10].")
        }
        for (name, a) in attributes.sorted(by: { $0.key < $1.key }) {
            let shown = name.prefix(256)
            guard !name.isEmpty, name.utf8.count <= 256,
                name.unicodeScalars.allSatisfy({
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                        || "-_.".unicodeScalars.contains($0)
                }), !name.hasPrefix("."), !name.hasSuffix("."), !name.contains(".."),
                !name.lowercased().hasPrefix("aws."), !name.lowercased().hasPrefix("amazon.")
            else { throw .invalidParameter("The message attribute name '\(shown)' is invalid.") }
            let base = a.dataType.split(separator: ".", maxSplits: 1).first.map(String.init) ?? ""
            guard ["String", "Number", "Binary"].contains(base), a.dataType.utf8.count <= 256 else {
                throw .parameterValueInvalid(
                    "The message attribute '\(shown)' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String."
                )
            }
            switch base {
            case "Binary":
                guard let value = a.binaryValue, !value.isEmpty else {
                    throw .parameterValueInvalid(
                        "The message attribute '\(shown)' must contain non-empty message attribute value for message attribute type '\(a.dataType)'."
                    )
                }
            default:
                guard let value = a.stringValue, !value.isEmpty else {
                    throw .parameterValueInvalid(
                        "The message attribute '\(shown)' must contain non-empty message attribute value for message attribute type '\(a.dataType)'."
                    )
                }
                if base == "Number", Double(value) == nil {
                    throw .parameterValueInvalid("Could not cast message attribute '\(shown)' value to number.")
                }
                if a.dataType == "String.Array" {
                    guard let json = try? JSONParser.parse(Array(value.utf8)), case .array = json else {
                        throw .parameterValueInvalid(
                            "The message attribute '\(shown)' with type 'String.Array' must be a valid JSON array.")
                    }
                }
            }
        }
    }

    static func attributes(_ input: [String: SNSShapes.MessageAttributeValue]?) -> [String: MessageAttribute] {
        (input ?? [:]).mapValues {
            MessageAttribute(dataType: $0.dataType, stringValue: $0.stringValue, binaryValue: $0.binaryValue)
        }
    }

    private func publishTopic(_ request: SNSShapes.PublishInput) throws(AWSError) -> String {
        if request.phoneNumber != nil {
            throw .invalidParameter("PhoneNumber Reason: SMS is not supported by this Rampart build")
        }
        switch (request.topicArn, request.targetArn) {
        case (let t?, nil), (nil, let t?): return t
        case (nil, nil): throw .invalidParameter("TopicArn or TargetArn Reason: no value for required parameter")
        case (.some, .some): throw .invalidParameter("TopicArn Reason: Only one of TopicArn or TargetArn may be set")
        }
    }

    private func publish(_ request: SNSShapes.PublishInput, call: Invocation) async throws(AWSError) -> JSONValue {
        let arn = try publishTopic(request)
        guard TopicRules.parseTopicArn(arn) != nil else {
            throw .invalidParameter(request.topicArn != nil ? "TopicArn" : "TargetArn")
        }
        let topic = try await service.topic(arn: arn)
        try authorize(call.caller, "Publish", topic)
        if request.messageDeduplicationId != nil || request.messageGroupId != nil {
            throw .invalidParameter(
                "The request includes MessageGroupId parameter that is not valid for this topic type")
        }
        let outgoing = try Self.outgoing(
            message: request.message, subject: request.subject, structure: request.messageStructure,
            attributes: Self.attributes(request.messageAttributes))
        try await service.checkEncryption(topic, publisher: call.caller, requestId: call.requestId)
        let messageId = UUIDText.random()
        try await service.publish(outgoing, to: topic, messageId: messageId, serviceEndpoint: call.endpoint)
        return SNSShapes.PublishResponse(messageId: messageId).jsonValue
    }

    private func publishBatch(_ request: SNSShapes.PublishBatchInput, call: Invocation) async throws(AWSError) -> JSONValue {
        let entries = request.publishBatchRequestEntries
        guard !entries.isEmpty else {
            throw AWSError(SNSShapes.ErrorCode.emptyBatchRequest, message: "The batch request doesn't contain any entries.")
        }
        guard entries.count <= 10 else {
            throw AWSError(
                SNSShapes.ErrorCode.tooManyEntriesInBatchRequest,
                message: "The batch request contains more entries than permissible.")
        }
        for entry in entries {
            guard !entry.id.isEmpty, entry.id.utf8.count <= 80,
                entry.id.unicodeScalars.allSatisfy({
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
                })
            else {
                throw AWSError(
                    SNSShapes.ErrorCode.invalidBatchEntryId,
                    message:
                        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."
                )
            }
        }
        guard Set(entries.map(\.id)).count == entries.count else {
            throw AWSError(
                SNSShapes.ErrorCode.batchEntryIdsNotDistinct,
                message: "Two or more batch entries in the request have the same Id.")
        }
        let total = entries.reduce(0) { sum, e in
            sum + e.message.utf8.count
                + (e.messageAttributes ?? [:]).reduce(0) {
                    $0 + $1.key.utf8.count + $1.value.dataType.utf8.count
                        + ($1.value.stringValue?.utf8.count ?? $1.value.binaryValue?.count ?? 0)
                }
        }
        guard total <= 262_144 else {
            throw AWSError(
                SNSShapes.ErrorCode.batchRequestTooLong,
                message: "The length of all the messages put together is more than the limit.")
        }
        guard TopicRules.parseTopicArn(request.topicArn) != nil else { throw .invalidParameter("TopicArn") }
        let topic = try await service.topic(arn: request.topicArn)
        try authorize(call.caller, "Publish", topic)
        try await service.checkEncryption(topic, publisher: call.caller, requestId: call.requestId)
        var successful: [SNSShapes.PublishBatchResultEntry] = []
        var failed: [SNSShapes.BatchResultErrorEntry] = []
        for entry in entries {
            do {
                if entry.messageDeduplicationId != nil || entry.messageGroupId != nil {
                    throw AWSError.invalidParameter(
                        "The request includes MessageGroupId parameter that is not valid for this topic type")
                }
                let outgoing = try Self.outgoing(
                    message: entry.message, subject: entry.subject, structure: entry.messageStructure,
                    attributes: Self.attributes(entry.messageAttributes))
                let messageId = UUIDText.random()
                try await service.publish(outgoing, to: topic, messageId: messageId, serviceEndpoint: call.endpoint)
                successful.append(SNSShapes.PublishBatchResultEntry(id: entry.id, messageId: messageId))
            } catch let error as AWSError {
                failed.append(
                    SNSShapes.BatchResultErrorEntry(
                        id: entry.id, code: error.code, message: error.message, senderFault: error.httpStatus < 500))
            } catch {
                failed.append(
                    SNSShapes.BatchResultErrorEntry(
                        id: entry.id, code: "InternalError", message: "Internal Error", senderFault: false))
            }
        }
        return SNSShapes.PublishBatchResponse(successful: successful, failed: failed).jsonValue
    }
}
