import AWSProtocol
import Foundation
import Identity
import RampartCore

/// The queue service: queues kept as documents, their messages in the module's own table.
/// It knows nothing of HTTP; the handler reads requests and writes answers around it.
struct SQSService: Sendable {
    let queues: DocumentCollection<Queue>
    let messages: MessageStore
    let clock: any ServiceClock
    /// KMS, for queues that keep their messages encrypted.
    let keys: QueueKeys
    let signals = Signals()
    /// Serializes read-modify-write of queue documents (create, attributes, tags).
    let queueWrites = AsyncLock()

    var nowMillis: Int64 { Int64((clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Queues

    func queue(accountId: String, region: String, name: String) async throws(AWSError) -> Queue? {
        try await stored { try await queues.get(accountId: accountId, region: region, id: name) }
    }

    /// The queue a URL names in the caller's region, or AWS's NonExistentQueue.
    func queue(url: String, region: String) async throws(AWSError) -> Queue {
        guard let address = QueueAddress(url: url) else {
            throw .invalidAddress(url)
        }
        guard let queue = try await queue(accountId: address.accountId, region: region, name: address.name) else {
            throw .queueDoesNotExist()
        }
        return queue
    }

    /// Creates the queue, or answers the existing one when every attribute asked for matches.
    func createQueue(
        accountId: String, region: String, name: String, attributes: [String: String], tags: [String: String]
    )
        async throws(AWSError) -> Queue
    {
        guard Queue.isValidName(name) else {
            throw .invalidParameterValue("Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length")
        }
        if name.hasSuffix(".fifo") || attributes["FifoQueue"]?.lowercased() == "true" { throw .unsupported("FIFO queues") }
        let settings = try QueueSettings().applying(attributes)
        try await checkDeadLetterTarget(settings, accountId: accountId, region: region)
        try validateTags(tags)
        return try await locked { () async throws(AWSError) -> Queue in
            if let existing = try await queue(accountId: accountId, region: region, name: name) {
                let current = existing.settings.attributes
                for (attribute, _) in attributes.sorted(by: { $0.key < $1.key }) where attribute != "FifoQueue" {
                    if current[attribute] != settings.attributes[attribute] { throw .queueNameExists(attribute) }
                }
                return existing
            }
            var queue = Queue(
                id: UUIDText.random(), accountId: accountId, region: region, name: name, settings: settings, created: clock.now)
            queue.tags = tags
            try await put(queue)
            return queue
        }
    }

    func setAttributes(_ queue: Queue, _ attributes: [String: String]) async throws(AWSError) {
        let settings = try queue.settings.applying(attributes)
        try await checkDeadLetterTarget(settings, accountId: queue.accountId, region: queue.region)
        try await update(queue) {
            $0.settings = settings
            $0.lastModified = clock.now
        }
    }

    /// Replaces the queue's policy with what `change` makes of the current one, under the
    /// queue-write lock (AddPermission and RemovePermission read, then write).
    func changePolicy(_ queue: Queue, _ change: @Sendable (String?) throws(AWSError) -> String?) async throws(AWSError) {
        try await update(queue) { (current: inout Queue) throws(AWSError) in
            current.settings.policy = try change(current.settings.policy)
            current.lastModified = clock.now
        }
    }

    func tag(_ queue: Queue, _ tags: [String: String]) async throws(AWSError) {
        try validateTags(tags)
        try await update(queue) { q throws(AWSError) in
            q.tags.merge(tags) { $1 }
            guard q.tags.count <= 50 else {
                throw AWSError.invalidParameterValue("Too many tags added for queue \(q.name).")
            }
        }
    }

    func untag(_ queue: Queue, _ keys: [String]) async throws(AWSError) {
        try await update(queue) { q in for key in keys { q.tags.removeValue(forKey: key) } }
    }

    func deleteQueue(_ queue: Queue) async throws(AWSError) {
        try await locked { () async throws(AWSError) in
            _ = try await stored { try await queues.delete(accountId: queue.accountId, region: queue.region, id: queue.name) }
        }
        try await stored { try await messages.purge(queueId: queue.id) }
        signals.forget(queue.id)
    }

    func purge(_ queue: Queue) async throws(AWSError) {
        let now = clock.now
        if let last = queue.lastPurged, now.timeIntervalSince(last) < 60 {
            throw AWSError(
                SQSShapes.ErrorCode.purgeQueueInProgress,
                message: "Only one PurgeQueue operation on \(queue.name) is allowed every 60 seconds.")
        }
        try await update(queue) { $0.lastPurged = now }
        try await stored { try await messages.purge(queueId: queue.id) }
    }

    func list(accountId: String, region: String) async throws(AWSError) -> [Queue] {
        try await stored { try await queues.all(accountId: accountId, region: region) }
    }

    func counts(_ queue: Queue) async throws(AWSError) -> MessageCounts {
        try await stored { try await messages.counts(queueId: queue.id, now: nowMillis) }
    }

    private func checkDeadLetterTarget(_ settings: QueueSettings, accountId: String, region: String) async throws(AWSError) {
        guard let redrive = settings.redrivePolicy else { return }
        let arn = ARN(redrive.deadLetterTargetArn)
        guard let arn, arn.accountId == accountId, arn.region == region,
            try await queue(accountId: accountId, region: region, name: arn.resource) != nil
        else {
            throw .invalidParameterValue(
                "Value \(redrive.json) for parameter RedrivePolicy is invalid. Reason: Dead letter target does not exist.")
        }
    }

    private func validateTags(_ tags: [String: String]) throws(AWSError) {
        guard tags.count <= 50 else { throw .invalidParameterValue("Too many tags added for queue.") }
        for (key, value) in tags where key.isEmpty || key.count > 128 || value.count > 256 {
            throw .invalidParameterValue("Tag key must be 1 to 128 characters and its value at most 256.")
        }
    }

    private func update(_ queue: Queue, _ change: (inout Queue) throws(AWSError) -> Void) async throws(AWSError) {
        try await locked { () async throws(AWSError) in
            guard var current = try await self.queue(accountId: queue.accountId, region: queue.region, name: queue.name),
                current.id == queue.id
            else { throw .queueDoesNotExist() }
            try change(&current)
            try await put(current)
        }
    }

    private func put(_ queue: Queue) async throws(AWSError) {
        try await stored { try await queues.put(queue, accountId: queue.accountId, region: queue.region, id: queue.name) }
    }

    private func locked<T: Sendable>(_ body: () async throws(AWSError) -> T) async throws(AWSError) -> T {
        do {
            return try await queueWrites.withLock { () async throws -> T in try await body() }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .internalFailure()
        }
    }

    // MARK: Messages

    /// A message to send, checked.
    struct Outgoing: Sendable {
        var body: String
        var delaySeconds: Int?
        var attributes: [String: MessageAttribute]
        var traceHeader: String?
    }

    struct Sent: Sendable {
        var messageId: String
        var md5OfBody: String
        var md5OfAttributes: String?
        var md5OfSystemAttributes: String?
    }

    /// Checks a message against the queue's limits, as SQS does before it takes it.
    func check(_ message: Outgoing, queue: Queue) throws(AWSError) {
        if let delay = message.delaySeconds, !(0...900).contains(delay) {
            throw .invalidParameter(
                "DelaySeconds", value: String(delay), reason: "DelaySeconds must be >= 0 and <= 900.")
        }
        guard !message.body.isEmpty else { throw .missingParameter("MessageBody") }
        guard MessageRules.isValidText(message.body) else { throw .invalidMessageContents() }
        try MessageRules.validate(message.attributes)
        let size = message.body.utf8.count + message.attributes.reduce(0) { $0 + $1.value.size(name: $1.key) }
        guard size <= queue.settings.maximumMessageSize else {
            throw .invalidParameterValue(
                "One or more parameters are invalid. Reason: Message must be shorter than \(queue.settings.maximumMessageSize) bytes."
            )
        }
    }

    /// Stores checked messages in one transaction: durable once this returns. A queue with
    /// `KmsMasterKeyId` keeps each body sealed under a data key KMS made for `sender`.
    func send(_ batch: [Outgoing], to queue: Queue, sender: Caller) async throws(AWSError) -> [Sent] {
        let senderId = sender.principal.userId
        let sealing = try await keys.sealingKey(queue, caller: sender)
        let now = nowMillis
        var rows: [(message: StoredMessage, visibleAt: Int64, expiresAt: Int64)] = []
        var sent: [Sent] = []
        for message in batch {
            let id = UUIDText.random()
            let md5Body = MessageDigest.body(message.body)
            let md5Attributes = MessageDigest.attributes(message.attributes)
            let attributesJSON =
                message.attributes.isEmpty
                ? nil : JSONValue.object(message.attributes.mapValues(\.json)).jsonString
            var stored = StoredMessage(
                id: id, body: message.body, md5OfBody: md5Body, attributes: attributesJSON, md5OfAttributes: md5Attributes,
                traceHeader: message.traceHeader, senderId: senderId, sentAt: now, receiveCount: 0)
            if let sealing {
                stored.body = try keys.seal(message.body, with: sealing, messageId: id)
                stored.dataKey = sealing.ciphertextBlob
                stored.keyContext = queue.arn
            }
            let delay = Int64(message.delaySeconds ?? queue.settings.delaySeconds) * 1000
            rows.append((stored, now + delay, now + Int64(queue.settings.messageRetentionPeriod) * 1000))
            sent.append(
                Sent(
                    messageId: id, md5OfBody: md5Body, md5OfAttributes: md5Attributes,
                    md5OfSystemAttributes: message.traceHeader.flatMap {
                        MessageDigest.attributes(["AWSTraceHeader": MessageAttribute(dataType: "String", stringValue: $0)])
                    }))
        }
        try await stored { try await messages.send(queueId: queue.id, rows) }
        signals.signal(queue.id)
        return sent
    }

    /// Receives up to `limit` messages, waiting up to `wait` seconds for one to be available.
    func receive(_ queue: Queue, limit: Int, visibilityTimeout: Int, wait: Int) async throws(AWSError) -> [StoredMessage] {
        let deadline = ContinuousClock.now + .seconds(wait)
        let redrive = try await redrive(for: queue)
        while true {
            let generation = signals.generation(queue.id)
            let now = nowMillis
            let (taken, moved) = try await stored {
                try await messages.receive(
                    queueId: queue.id, now: now, limit: limit, visibilityMillis: Int64(visibilityTimeout) * 1000,
                    redrive: redrive, token: { Hex.encode(SecureRandom.bytes(16)) })
            }
            if moved, let redrive { signals.signal(redrive.deadLetterQueueId) }
            let remaining = deadline - ContinuousClock.now
            if !taken.isEmpty || remaining <= .zero || Task.isCancelled { return taken }
            // Sleep until a send wakes us, the next hidden message shows, or the wait is over.
            var timeout = remaining
            if let next = try await stored({ try await messages.nextVisible(queueId: queue.id, after: now) }) {
                timeout = min(timeout, .milliseconds(max(1, next - nowMillis)))
            }
            await signals.wait(queue.id, after: generation, timeout: timeout)
        }
    }

    private func redrive(for queue: Queue) async throws(AWSError) -> MessageStore.Redrive? {
        guard let policy = queue.settings.redrivePolicy, let arn = ARN(policy.deadLetterTargetArn),
            let target = try await self.queue(accountId: arn.accountId, region: arn.region, name: arn.resource)
        else { return nil }
        return MessageStore.Redrive(
            maxReceiveCount: policy.maxReceiveCount, deadLetterQueueId: target.id,
            deadLetterRetentionMillis: Int64(target.settings.messageRetentionPeriod) * 1000, sourceArn: queue.arn)
    }

    func delete(_ queue: Queue, receipt: ReceiptHandle) async throws(AWSError) {
        guard receipt.queueId == queue.id else { throw .receiptHandleIsInvalid(receipt.text) }
        _ = try await stored { try await messages.delete(queueId: queue.id, messageId: receipt.messageId, token: receipt.token) }
    }

    func changeVisibility(_ queue: Queue, receipt: ReceiptHandle, timeout: Int) async throws(AWSError) {
        guard receipt.queueId == queue.id else { throw .receiptHandleIsInvalid(receipt.text) }
        guard (0...43_200).contains(timeout) else {
            throw .invalidParameter(
                "VisibilityTimeout", value: String(timeout), reason: "VisibilityTimeout must be an integer between 0 and 43200")
        }
        let outcome = try await stored {
            try await messages.changeVisibility(
                queueId: queue.id, messageId: receipt.messageId, token: receipt.token, now: nowMillis,
                visibilityMillis: Int64(timeout) * 1000)
        }
        switch outcome {
        case .done: if timeout == 0 { signals.signal(queue.id) }
        case .stale:
            throw .invalidParameter(
                "ReceiptHandle", value: receipt.text, reason: "The receipt handle has expired.")
        case .notInFlight: throw .messageNotInflight()
        }
    }

    private func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch let error as AWSError {
            throw error
        } catch {
            throw .serviceUnavailable()
        }
    }
}

/// A receipt handle: the queue, the message and the receive's random token, opaque to callers.
/// The 128-bit token makes it unguessable; only the latest receive's handle deletes a message.
struct ReceiptHandle: Sendable, Hashable {
    var queueId: String
    var messageId: String
    var token: String
    /// What the caller sent, for error messages.
    var text: String

    init(queueId: String, messageId: String, token: String) {
        self.queueId = queueId
        self.messageId = messageId
        self.token = token
        self.text = Base64.encode(Array("\(queueId) \(messageId) \(token)".utf8))
    }

    init(_ text: String) throws(AWSError) {
        guard text.utf8.count <= 1024, let bytes = Base64.decode(text), let decoded = String(bytes: bytes, encoding: .utf8)
        else { throw .receiptHandleIsInvalid(text) }
        let parts = decoded.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 36, parts[1].count == 36, parts[2].count == 32,
            parts[2].allSatisfy(\.isHexDigit)
        else { throw .receiptHandleIsInvalid(text) }
        self.queueId = String(parts[0])
        self.messageId = String(parts[1])
        self.token = String(parts[2])
        self.text = text
    }
}

extension AWSError {
    static func invalidAddress(_ url: String) -> AWSError {
        AWSError(SQSShapes.ErrorCode.invalidAddress, message: "The address \(url.prefix(256)) is not valid for this endpoint.")
    }
}
