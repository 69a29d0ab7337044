import AWSProtocol
import AsyncHTTPClient
import Crypto
import Foundation
import Identity
import KeyVault
import Logging
import RampartCore
import RampartTestSupport
import ServiceKit
import Storage
import Synchronization
import Testing

@testable import SNS

/// A queue service stand-in: records what it is given.
final class RecordingSink: MessageSink {
    let received = Mutex<[(DeliveredMessage, String, Caller)]>([])

    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure) {
        received.withLock { $0.append((message, arn, sender)) }
    }
}

/// EventBridge's way in: the `sns` sink, the topic policy, the outbox, and delivery to a queue.
@Suite struct TopicSinkTests {
    struct World {
        let service: SNSService
        let loop: DeliveryLoop
        let queue: RecordingSink
        let db: RampartDatabase
    }

    func world() async throws -> World {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-sns-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = try await RampartDatabase.open(
            path: folder.appendingPathComponent(RampartDatabase.fileName).path, logger: Logger(label: "t"))
        try await db.migrate(modules: Outbox.migrations + SigningKeys.migrations)
        let tables = SQLTableStore(database: db)
        let vault = KeyVault(rootKey: SymmetricKey(size: .bits256))
        let clock = ManualClock()
        let integrations = Integrations()
        let queue = RecordingSink()
        integrations.register(queue, for: "sqs")
        let documents = InMemoryDocumentStore()
        let outbox = Outbox(tables: tables, vault: vault)
        let wakeup = Signals()
        let service = SNSService(
            topics: DocumentCollection(store: documents, module: "sns", kind: "topic"),
            subscriptions: DocumentCollection(store: documents, module: "sns", kind: "subscription"), outbox: outbox,
            signing: SigningKeys(tables: tables, vault: vault, clock: clock), clock: clock, integrations: integrations,
            wakeup: wakeup)
        let loop = DeliveryLoop(
            outbox: outbox, integrations: integrations, clock: clock, wakeup: wakeup, logger: Logger(label: "t"))
        return World(service: service, loop: loop, queue: queue, db: db)
    }

    let rule = "arn:aws:events:us-east-1:111111111111:rule/kms-key-disabled"
    var events: Caller {
        Caller.service("events.amazonaws.com", region: "us-east-1", sourceArn: rule, sourceAccount: "111111111111")
    }

    @Test func eventBridgePublishesOnlyWhenTheTopicPolicyAllowsAndTheQueueGetsTheEnvelope() async throws {
        let w = try await world()
        let topic = try await w.service.createTopic(
            name: "security-team", accountId: "111111111111", region: "us-east-1", attributes: [:], tags: [:])
        let queueArn = "arn:aws:sqs:us-east-1:111111111111:inbox"
        _ = try await w.service.subscribe(
            topic: topic, protocol: "sqs", endpoint: queueArn, attributes: [:], owner: "111111111111",
            serviceEndpoint: "http://127.0.0.1:4566")
        let sink = TopicSink(service: w.service)
        let event = DeliveredMessage(body: #"{"detail-type":"AWS API Call via CloudTrail"}"#, subject: "Key alert")

        // The default policy does not let EventBridge in: refused, nothing queued.
        await #expect(throws: DeliveryFailure.self) { try await sink.deliver(event, to: topic.arn, from: events) }
        do {
            try await sink.deliver(event, to: topic.arn, from: events)
        } catch {
            #expect(error.code == "AuthorizationError")
            #expect(!error.retryable)
        }
        #expect(try await w.loop.outbox.due(now: Int64.max, limit: 10).isEmpty)
        await #expect(throws: DeliveryFailure.self) {
            try await sink.deliver(event, to: "arn:aws:sns:us-east-1:111111111111:missing", from: events)
        }

        try await w.service.updateTopic(topic.arn) { t in
            t.endpoint = "http://127.0.0.1:4566"  // as the API records it on CreateTopic and Subscribe
            t.attributes["Policy"] = """
                {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},
                "Action":"sns:Publish","Resource":"\(t.arn)","Condition":{"ArnEquals":{"aws:SourceArn":"\(rule)"}}}]}
                """
        }
        try await sink.deliver(event, to: topic.arn, from: events)
        // Committed to the outbox before the sink returns: a kill now loses nothing.
        #expect(try await w.loop.outbox.due(now: Int64.max, limit: 10).count == 1)

        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        #expect(await w.loop.deliverDue(client))
        try await client.shutdown()
        #expect(try await w.loop.outbox.due(now: Int64.max, limit: 10).isEmpty)

        let received = w.queue.received.withLock { $0 }
        #expect(received.count == 1)
        let (message, arn, sender) = try #require(received.first)
        #expect(arn == queueArn)
        #expect(sender.principal.arn == "sns.amazonaws.com")
        #expect(sender.sourceArn == topic.arn && sender.sourceAccount == "111111111111")
        let envelope = try JSONParser.parse(Array(message.body.utf8))
        #expect(envelope["Type"]?.stringValue == "Notification")
        #expect(envelope["Subject"]?.stringValue == "Key alert")
        #expect(envelope["Message"]?.stringValue == event.body)
        #expect(envelope["SigningCertURL"]?.stringValue?.hasPrefix("http://127.0.0.1:4566/SimpleNotificationService-") == true)
        try await w.db.close()
    }
}
