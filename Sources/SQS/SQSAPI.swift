import AWSProtocol
import AccessControl
import Foundation
import Identity
import Policy
import RampartCore
import ServiceKit

/// SQS on the wire (JSON 1.0): reads the typed requests, authorizes each call against the
/// caller's policies and the queue's policy (AWS's optional rule), and answers AWS's shapes.
struct SQSAPI: OperationHandler {
    let service: SQSService

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(call, caller: call.caller))
    }

    private func handle(_ call: Invocation, caller: Caller) async throws(AWSError) -> JSONValue {
        let input = call.input
        let region = caller.region
        switch call.operation {
        case "CreateQueue":
            let request = SQSShapes.CreateQueueRequest(input)
            let arn = "arn:aws:sqs:\(region):\(caller.accountId):\(request.queueName)"
            if let denial = Authorization.iam(caller, "sqs:CreateQueue", arn, [:]) { throw denial }
            let queue = try await service.createQueue(
                accountId: caller.accountId, region: region, name: request.queueName, attributes: request.attributes ?? [:],
                tags: request.tags ?? [:])
            return SQSShapes.CreateQueueResult(queueUrl: queue.url(endpoint: call.endpoint)).jsonValue
        case "GetQueueUrl":
            let request = SQSShapes.GetQueueUrlRequest(input)
            let owner = request.queueOwnerAWSAccountId ?? caller.accountId
            guard Queue.isValidName(request.queueName),
                let queue = try await service.queue(accountId: owner, region: region, name: request.queueName)
            else { throw .queueDoesNotExist() }
            try authorize(caller, "GetQueueUrl", queue)
            return SQSShapes.GetQueueUrlResult(queueUrl: queue.url(endpoint: call.endpoint)).jsonValue
        case "ListQueues":
            let request = SQSShapes.ListQueuesRequest(input)
            if let denial = Authorization.iam(caller, "sqs:ListQueues", "arn:aws:sqs:\(region):\(caller.accountId):*", [:]) {
                throw denial
            }
            return try await listQueues(request, caller: caller, endpoint: call.endpoint).jsonValue
        case "DeleteQueue":
            let queue = try await authorizedQueue(SQSShapes.DeleteQueueRequest(input).queueUrl, caller, "DeleteQueue")
            try await service.deleteQueue(queue)
            return [:]
        case "GetQueueAttributes":
            let queue = try await authorizedQueue(
                SQSShapes.GetQueueAttributesRequest(input).queueUrl, caller, "GetQueueAttributes")
            // As sent: the typed request would drop a name SQS does not know, which is refused by name.
            let names = SQSShapes.OperationMembers(operation: call.operation, input: input).attributeNames ?? []
            if let unknown = names.first(where: { SQSShapes.QueueAttributeName(rawValue: $0) == nil }) {
                throw .invalidAttributeName(unknown)
            }
            let all = try await attributes(of: queue)
            let chosen = names.contains("All") ? all : all.filter { names.contains($0.key) }
            return SQSShapes.GetQueueAttributesResult(attributes: chosen.isEmpty ? nil : chosen).jsonValue
        case "AddPermission":
            let request = SQSShapes.AddPermissionRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "AddPermission")
            try await service.changePolicy(queue) { (policy: String?) throws(AWSError) in
                try QueuePermissions.adding(
                    label: request.label, accounts: request.awsAccountIds, actions: request.actions, to: policy,
                    queueArn: queue.arn)
            }
            return [:]
        case "RemovePermission":
            let request = SQSShapes.RemovePermissionRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "RemovePermission")
            try await service.changePolicy(queue) { (policy: String?) throws(AWSError) in
                try QueuePermissions.removing(label: request.label, from: policy, queueArn: queue.arn)
            }
            return [:]
        case "SetQueueAttributes":
            let request = SQSShapes.SetQueueAttributesRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "SetQueueAttributes")
            try await service.setAttributes(queue, request.attributes)
            return [:]
        case "TagQueue":
            let request = SQSShapes.TagQueueRequest(input)
            try await service.tag(try await authorizedQueue(request.queueUrl, caller, "TagQueue"), request.tags)
            return [:]
        case "UntagQueue":
            let request = SQSShapes.UntagQueueRequest(input)
            try await service.untag(try await authorizedQueue(request.queueUrl, caller, "UntagQueue"), request.tagKeys)
            return [:]
        case "ListQueueTags":
            let queue = try await authorizedQueue(SQSShapes.ListQueueTagsRequest(input).queueUrl, caller, "ListQueueTags")
            return SQSShapes.ListQueueTagsResult(tags: queue.tags.isEmpty ? nil : queue.tags).jsonValue
        case "PurgeQueue":
            try await service.purge(try await authorizedQueue(SQSShapes.PurgeQueueRequest(input).queueUrl, caller, "PurgeQueue"))
            return [:]
        case "ListDeadLetterSourceQueues":
            let queue = try await authorizedQueue(
                SQSShapes.ListDeadLetterSourceQueuesRequest(input).queueUrl, caller, "ListDeadLetterSourceQueues")
            let sources = try await service.list(accountId: queue.accountId, region: queue.region)
                .filter { $0.settings.redrivePolicy?.deadLetterTargetArn == queue.arn }
            return SQSShapes.ListDeadLetterSourceQueuesResult(queueUrls: sources.map { $0.url(endpoint: call.endpoint) })
                .jsonValue
        case "SendMessage":
            let request = SQSShapes.SendMessageRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "SendMessage")
            let message = Self.outgoing(
                body: request.messageBody, delay: request.delaySeconds, attributes: request.messageAttributes,
                system: request.messageSystemAttributes)
            try service.check(message, queue: queue)
            guard let sent = try await service.send([message], to: queue, sender: caller).first else {
                throw .internalFailure()
            }
            return SQSShapes.SendMessageResult(
                md5OfMessageBody: sent.md5OfBody, md5OfMessageAttributes: sent.md5OfAttributes,
                md5OfMessageSystemAttributes: sent.md5OfSystemAttributes, messageId: sent.messageId
            ).jsonValue
        case "SendMessageBatch":
            return try await sendBatch(SQSShapes.SendMessageBatchRequest(input), caller: caller)
        case "ReceiveMessage":
            let members = SQSShapes.OperationMembers(operation: call.operation, input: input)
            return try await receive(SQSShapes.ReceiveMessageRequest(input), members: members, caller: caller).jsonValue
        case "DeleteMessage":
            let request = SQSShapes.DeleteMessageRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "DeleteMessage")
            try await service.delete(queue, receipt: try ReceiptHandle(request.receiptHandle))
            return [:]
        case "DeleteMessageBatch":
            let request = SQSShapes.DeleteMessageBatchRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "DeleteMessage")
            try Self.checkBatch(request.entries.map(\.id), entryName: "DeleteMessageBatchRequestEntry")
            let (successful, failed) = try await batch(request.entries.map { entry in (entry.id, entry) }) {
                entry throws(AWSError) in
                try await service.delete(queue, receipt: try ReceiptHandle(entry.receiptHandle))
            }
            return SQSShapes.DeleteMessageBatchResult(
                successful: successful.map { SQSShapes.DeleteMessageBatchResultEntry(id: $0) }, failed: failed
            ).jsonValue
        case "ChangeMessageVisibility":
            let request = SQSShapes.ChangeMessageVisibilityRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "ChangeMessageVisibility")
            try await service.changeVisibility(
                queue, receipt: try ReceiptHandle(request.receiptHandle), timeout: request.visibilityTimeout)
            return [:]
        case "ChangeMessageVisibilityBatch":
            let request = SQSShapes.ChangeMessageVisibilityBatchRequest(input)
            let queue = try await authorizedQueue(request.queueUrl, caller, "ChangeMessageVisibility")
            try Self.checkBatch(request.entries.map(\.id), entryName: "ChangeMessageVisibilityBatchRequestEntry")
            let (successful, failed) = try await batch(request.entries.map { entry in (entry.id, entry) }) {
                entry throws(AWSError) in
                try await service.changeVisibility(
                    queue, receipt: try ReceiptHandle(entry.receiptHandle), timeout: entry.visibilityTimeout ?? 0)
            }
            return SQSShapes.ChangeMessageVisibilityBatchResult(
                successful: successful.map { SQSShapes.ChangeMessageVisibilityBatchResultEntry(id: $0) }, failed: failed
            ).jsonValue
        default:
            throw .unsupported("The operation \(call.operation)")
        }
    }

    // MARK: Queues

    /// The queue a URL names, once the caller may act on it. `operation` names the IAM action:
    /// the batch operations are authorized as their single forms (`sqs:SendMessage` for
    /// SendMessageBatch), as AWS's service authorization reference lists no batch actions.
    private func authorizedQueue(_ url: String, _ caller: Caller, _ operation: String) async throws(AWSError) -> Queue {
        let queue = try await service.queue(url: url, region: caller.region)
        try authorize(caller, operation, queue)
        return queue
    }

    /// Identity policies or the queue's policy may allow (across accounts, both must).
    private func authorize(_ caller: Caller, _ operation: String, _ queue: Queue) throws(AWSError) {
        if let denial = Authorization.authorize(
            caller, action: "sqs:\(operation)", resource: queue.arn, resourceAccount: queue.accountId,
            resourcePolicy: queue.settings.policy, rule: .optional)
        {
            throw denial
        }
    }

    private func attributes(of queue: Queue) async throws(AWSError) -> [String: String] {
        let counts = try await service.counts(queue)
        var all = queue.settings.attributes
        all["QueueArn"] = queue.arn
        all["CreatedTimestamp"] = String(Int64(queue.created.timeIntervalSince1970))
        all["LastModifiedTimestamp"] = String(Int64(queue.lastModified.timeIntervalSince1970))
        all["ApproximateNumberOfMessages"] = String(counts.visible)
        all["ApproximateNumberOfMessagesNotVisible"] = String(counts.inFlight)
        all["ApproximateNumberOfMessagesDelayed"] = String(counts.delayed)
        return all
    }

    private func listQueues(
        _ request: SQSShapes.ListQueuesRequest, caller: Caller, endpoint: String
    ) async throws(AWSError)
        -> SQSShapes.ListQueuesResult
    {
        if let max = request.maxResults, !(1...1000).contains(max) {
            throw .invalidParameter("MaxResults", value: String(max), reason: "MaxResults must be an integer between 1 and 1000.")
        }
        var names = try await service.list(accountId: caller.accountId, region: caller.region).map(\.name)
        if let prefix = request.queueNamePrefix { names = names.filter { $0.hasPrefix(prefix) } }
        if let token = request.nextToken {
            guard let bytes = Base64.decode(token), let after = String(bytes: bytes, encoding: .utf8) else {
                throw .invalidParameterValue("Invalid NextToken value.")
            }
            names = names.filter { $0 > after }
        }
        let limit = request.maxResults ?? 1000
        let page = Array(names.prefix(limit))
        var out = SQSShapes.ListQueuesResult()
        if !page.isEmpty { out.queueUrls = page.map { "\(endpoint)/\(caller.accountId)/\($0)" } }
        if request.maxResults != nil, names.count > limit, let last = page.last {
            out.nextToken = Base64.encode(Array(last.utf8))
        }
        return out
    }

    // MARK: Messages

    static func outgoing(
        body: String, delay: Int?, attributes: [String: SQSShapes.MessageAttributeValue]?,
        system: [String: SQSShapes.MessageSystemAttributeValue]?
    ) -> SQSService.Outgoing {
        SQSService.Outgoing(
            body: body, delaySeconds: delay,
            attributes: (attributes ?? [:]).mapValues {
                MessageAttribute(dataType: $0.dataType, stringValue: $0.stringValue, binaryValue: $0.binaryValue)
            },
            traceHeader: system?["AWSTraceHeader"]?.stringValue)
    }

    /// Batch entry ids: 1 to 10 of them, distinct, each 1 to 80 letters, digits, `-` or `_`.
    static func checkBatch(_ ids: [String], entryName: String) throws(AWSError) {
        guard !ids.isEmpty else {
            throw AWSError(
                SQSShapes.ErrorCode.emptyBatchRequest, message: "There should be at least one \(entryName) in the request.")
        }
        guard ids.count <= 10 else {
            throw AWSError(
                SQSShapes.ErrorCode.tooManyEntriesInBatchRequest,
                message: "Maximum number of entries per request are 10. You have sent \(ids.count).")
        }
        var seen: Set<String> = []
        for id in ids {
            guard !id.isEmpty, id.count <= 80,
                id.unicodeScalars.allSatisfy({
                    ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_"
                })
            else {
                throw AWSError(
                    SQSShapes.ErrorCode.invalidBatchEntryId,
                    message:
                        "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long."
                )
            }
            guard seen.insert(id).inserted else {
                throw AWSError(SQSShapes.ErrorCode.batchEntryIdsNotDistinct, message: "Id \(id) repeated.")
            }
        }
    }

    /// Runs each entry on its own: failures are reported per entry, as SQS reports them. The
    /// ids of the entries that succeeded, and the failures.
    private func batch<Entry: Sendable>(
        _ entries: [(String, Entry)], _ body: (Entry) async throws(AWSError) -> Void
    ) async throws(AWSError) -> (successful: [String], failed: [SQSShapes.BatchResultErrorEntry]) {
        var successful: [String] = []
        var failed: [SQSShapes.BatchResultErrorEntry] = []
        for (id, entry) in entries {
            do throws(AWSError) {
                try await body(entry)
                successful.append(id)
            } catch {
                if !error.isSenderFault { throw error }
                failed.append(Self.failure(id: id, error))
            }
        }
        return (successful, failed)
    }

    static func failure(id: String, _ error: AWSError) -> SQSShapes.BatchResultErrorEntry {
        SQSShapes.BatchResultErrorEntry(
            id: id, senderFault: error.isSenderFault, code: SQSErrors.queryCodes.codes[error.code] ?? error.code,
            message: error.message)
    }

    private func sendBatch(_ request: SQSShapes.SendMessageBatchRequest, caller: Caller) async throws(AWSError) -> JSONValue {
        let queue = try await authorizedQueue(request.queueUrl, caller, "SendMessage")
        try Self.checkBatch(request.entries.map(\.id), entryName: "SendMessageBatchRequestEntry")
        var accepted: [(id: String, message: SQSService.Outgoing)] = []
        var failed: [SQSShapes.BatchResultErrorEntry] = []
        var total = 0
        for entry in request.entries {
            let message = Self.outgoing(
                body: entry.messageBody, delay: entry.delaySeconds, attributes: entry.messageAttributes,
                system: entry.messageSystemAttributes)
            total += message.body.utf8.count + message.attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
            do throws(AWSError) {
                try service.check(message, queue: queue)
                accepted.append((entry.id, message))
            } catch {
                failed.append(Self.failure(id: entry.id, error))
            }
        }
        guard total <= 262_144 else {
            throw AWSError(
                SQSShapes.ErrorCode.batchRequestTooLong,
                message: "Batch requests cannot be longer than 262144 bytes. You have sent \(total) bytes.")
        }
        let sent = try await service.send(accepted.map(\.message), to: queue, sender: caller)
        let successful = zip(accepted, sent).map { entry, sent in
            SQSShapes.SendMessageBatchResultEntry(
                id: entry.id, messageId: sent.messageId, md5OfMessageBody: sent.md5OfBody,
                md5OfMessageAttributes: sent.md5OfAttributes, md5OfMessageSystemAttributes: sent.md5OfSystemAttributes)
        }
        return SQSShapes.SendMessageBatchResult(successful: successful, failed: failed).jsonValue
    }

    private func receive(
        _ request: SQSShapes.ReceiveMessageRequest, members: SQSShapes.OperationMembers, caller: Caller
    ) async throws(AWSError)
        -> SQSShapes.ReceiveMessageResult
    {
        let queue = try await authorizedQueue(request.queueUrl, caller, "ReceiveMessage")
        let limit = request.maxNumberOfMessages ?? 1
        guard (1...10).contains(limit) else {
            throw .invalidParameter(
                "MaxNumberOfMessages", value: String(limit), reason: "Must be between 1 and 10, if provided.")
        }
        let visibility = request.visibilityTimeout ?? queue.settings.visibilityTimeout
        guard (0...43_200).contains(visibility) else {
            throw .invalidParameter(
                "VisibilityTimeout", value: String(visibility), reason: "Must be between 0 and 43200, if provided.")
        }
        let wait = request.waitTimeSeconds ?? queue.settings.receiveMessageWaitTimeSeconds
        guard (0...20).contains(wait) else {
            throw .invalidParameter("WaitTimeSeconds", value: String(wait), reason: "Must be >= 0 and <= 20, if provided.")
        }
        let systemNames = Set((members.attributeNames ?? []) + (members.messageSystemAttributeNames ?? []))
        let attributeNames = request.messageAttributeNames ?? []
        let received = try await service.receive(queue, limit: limit, visibilityTimeout: visibility, wait: wait)
        guard !received.isEmpty else { return SQSShapes.ReceiveMessageResult() }
        let messages = try await service.keys.open(received, queue: queue, caller: caller)
        return SQSShapes.ReceiveMessageResult(
            messages: messages.map { Self.encode($0, queue: queue, systemNames: systemNames, attributeNames: attributeNames) })
    }

    static func encode(
        _ m: StoredMessage, queue: Queue, systemNames: Set<String>, attributeNames: [String]
    ) -> SQSShapes.Message {
        var out = SQSShapes.Message(
            messageId: m.id, receiptHandle: ReceiptHandle(queueId: queue.id, messageId: m.id, token: m.receiptToken ?? "").text,
            md5OfBody: m.md5OfBody, body: m.body)
        let all = systemNames.contains("All")
        var system: [String: String] = [:]
        func add(_ name: String, _ value: String?) {
            if let value, all || systemNames.contains(name) { system[name] = value }
        }
        add("SenderId", m.senderId)
        add("SentTimestamp", String(m.sentAt))
        add("ApproximateReceiveCount", String(m.receiveCount))
        add("ApproximateFirstReceiveTimestamp", m.firstReceivedAt.map { String($0) })
        add("AWSTraceHeader", m.traceHeader)
        add("DeadLetterQueueSourceArn", m.deadLetterSource)
        if !system.isEmpty { out.attributes = system }
        var attributes: [String: MessageAttribute] = [:]
        if let text = m.attributes, let parsed = try? JSONParser.parse(Array(text.utf8)), case .object(let members) = parsed {
            for (name, value) in members { attributes[name] = MessageAttribute(json: value) }
        }
        let selected = MessageRules.selected(attributes, names: attributeNames)
        if let md5 = MessageDigest.attributes(selected) {
            out.md5OfMessageAttributes = md5
            out.messageAttributes = selected.mapValues {
                SQSShapes.MessageAttributeValue(stringValue: $0.stringValue, binaryValue: $0.binaryValue, dataType: $0.dataType)
            }
        }
        return out
    }
}
