import AWSProtocol
import Audit
import Foundation
import Identity
import Logging
import RampartCore
import RampartTestSupport
import ServiceKit
import Synchronization
import Testing

@testable import EventBridge

// MARK: Input transformers

@Suite struct InputTransformerTests {
    let event: JSONValue = [
        "id": "e-1", "source": "aws.kms", "detail-type": "AWS API Call via CloudTrail",
        "detail": [
            "eventName": "DisableKey", "userIdentity": ["type": "Root"], "n": 42,
            "requestParameters": ["keyId": "arn:aws:kms:us-east-1:111111111111:key/k-1"], "list": [1, "two"],
            "quote": "say \"hi\"",
        ],
    ]

    func render(_ paths: [String: String], _ template: String) -> String {
        TargetInput.transformer(paths: paths.compactMapValues(JSONPath.init), template: template).render(
            event: event, eventText: event.jsonString, ruleArn: "arn:aws:events:us-east-1:111111111111:rule/r",
            ruleName: "r", ingestionTime: "2026-01-01T00:00:00Z")
    }

    @Test func placeholdersOutsideQuotesAreJSON() throws {
        let out = render(
            ["key": "$.detail.requestParameters.keyId", "name": "$.detail.eventName", "who": "$.detail.userIdentity.type"],
            #"{"key": <key>, "action": <name>, "summary": "<who> called <name>"}"#)
        let parsed = try JSONParser.parse(Array(out.utf8))
        #expect(
            parsed == [
                "key": "arn:aws:kms:us-east-1:111111111111:key/k-1", "action": "DisableKey",
                "summary": "Root called DisableKey",
            ])
    }

    @Test func numbersObjectsAndArrays() throws {
        let out = render(
            ["n": "$.detail.n", "ui": "$.detail.userIdentity", "l": "$.detail.list"],
            #"{"n": <n>, "u": <ui>, "l": <l>, "t": "n=<n>"}"#)
        let parsed = try JSONParser.parse(Array(out.utf8))
        #expect(parsed["n"] == .int(42))
        #expect(parsed["u"] == ["type": "Root"])
        #expect(parsed["l"] == [1, "two"])
        #expect(parsed["t"] == "n=42")
    }

    @Test func quotedValuesStayInsideTheirString() throws {
        let out = render(["q": "$.detail.quote"], #"{"text": "<q>"}"#)
        #expect(try JSONParser.parse(Array(out.utf8))["text"] == "say \"hi\"")
    }

    @Test func missingPathsAndUnknownPlaceholders() {
        #expect(render(["m": "$.detail.nothing"], #"{"m": <m>, "s": "<m>"}"#) == #"{"m": null, "s": ""}"#)
        #expect(render([:], "<unknown> stays") == "<unknown> stays")
    }

    @Test func reservedNames() {
        #expect(
            render([:], #""<aws.events.rule-name> <aws.events.rule-arn>""#)
                == #""r arn:aws:events:us-east-1:111111111111:rule/r""#)
        #expect(render([:], "<aws.events.event>") == event.jsonString)
    }

    @Test func plainTextTemplate() {
        #expect(render(["name": "$.detail.eventName"], "Key call <name>") == #"Key call "DisableKey""#)
    }

    @Test func inputPathAndConstant() {
        let path = TargetInput.path(JSONPath("$.detail.userIdentity")!)
        #expect(path.render(event: event, eventText: "", ruleArn: "", ruleName: "", ingestionTime: "") == #"{"type":"Root"}"#)
        #expect(
            TargetInput.constant("{\"a\":1}").render(event: event, eventText: "", ruleArn: "", ruleName: "", ingestionTime: "")
                == "{\"a\":1}")
    }

    @Test(arguments: ["$", "$.a", "$.a.b[0]", "$['a b'].c", "$.detail.list[1]"])
    func validPaths(_ text: String) {
        #expect(JSONPath(text) != nil)
    }

    @Test(arguments: ["", "a.b", "$.", "$..a", "$[x]", "$.a["])
    func invalidPaths(_ text: String) {
        #expect(JSONPath(text) == nil)
    }

    @Test func pathSelection() {
        #expect(JSONPath("$.detail.list[1]")!.select(in: event) == "two")
        #expect(JSONPath("$.detail.list[5]")!.select(in: event) == nil)
        #expect(JSONPath("$")!.select(in: event) == event)
    }
}

// MARK: Schedules

@Suite struct ScheduleExpressionTests {
    let utc: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    func date(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> Date {
        utc.date(from: DateComponents(year: y, month: mo, day: d, hour: h, minute: mi, second: s))!
    }

    @Test(arguments: [
        ("rate(1 minute)", 60), ("rate(5 minutes)", 300), ("rate(1 hour)", 3600), ("rate(2 hours)", 7200),
        ("rate(1 day)", 86_400), ("rate(7 days)", 604_800),
    ])
    func rates(_ text: String, _ seconds: Int) {
        let start = date(2026, 1, 1)
        #expect(ScheduleExpression(text)?.next(after: start) == start.addingTimeInterval(TimeInterval(seconds)))
    }

    @Test(arguments: [
        "rate(0 minutes)", "rate(1 minutes)", "rate(5 minute)", "rate(-1 days)", "rate(1 week)", "rate(x hours)",
        "cron(0 12 * * * *)", "cron(0 12 * *)", "cron(60 12 * * ? *)", "cron(0 24 * * ? *)", "cron(0 12 ? * ? *)",
        "cron(0 12 32 * ? *)", "cron(0/9223372036854775807 * * * ? *)", "every 5 minutes", "",
    ])
    func invalid(_ text: String) {
        #expect(ScheduleExpression(text) == nil)
    }

    @Test func cronDaily() {
        let cron = ScheduleExpression("cron(0 12 * * ? *)")!
        #expect(cron.next(after: date(2026, 3, 1, 11, 59, 30)) == date(2026, 3, 1, 12, 0))
        #expect(cron.next(after: date(2026, 3, 1, 12, 0)) == date(2026, 3, 2, 12, 0))
    }

    @Test func cronSteps() {
        let cron = ScheduleExpression("cron(0/15 * * * ? *)")!
        #expect(cron.next(after: date(2026, 3, 1, 10, 7)) == date(2026, 3, 1, 10, 15))
        #expect(cron.next(after: date(2026, 3, 1, 10, 45)) == date(2026, 3, 1, 11, 0))
    }

    @Test func cronWeekdays() {
        // 2026-03-06 is a Friday: MON-FRI at 8:00 goes to Monday the 9th.
        let cron = ScheduleExpression("cron(0 8 ? * MON-FRI *)")!
        #expect(cron.next(after: date(2026, 3, 6, 9, 0)) == date(2026, 3, 9, 8, 0))
        let sunday = ScheduleExpression("cron(30 6 ? * 1 *)")!
        #expect(sunday.next(after: date(2026, 3, 6)) == date(2026, 3, 8, 6, 30))
    }

    @Test func cronLastDayAndMonths() {
        #expect(ScheduleExpression("cron(0 0 L * ? *)")!.next(after: date(2026, 2, 3)) == date(2026, 2, 28))
        #expect(ScheduleExpression("cron(15 10 1 JAN,JUL ? *)")!.next(after: date(2026, 2, 3)) == date(2026, 7, 1, 10, 15))
        #expect(ScheduleExpression("cron(0 0 1 1 ? 2025)")!.next(after: date(2026, 2, 3)) == nil)
    }
}

// MARK: Outbox, retries and dead-letter queues

/// An outbox in memory.
final class MemoryOutbox: Outbox {
    let rows = Mutex<[String: OutboxEntry]>([:])

    func enqueue(_ entries: [OutboxEntry]) async throws {
        rows.withLock { for e in entries where $0[e.id] == nil { $0[e.id] = e } }
    }
    func due(now: Int64, limit: Int) async throws -> [OutboxEntry] {
        rows.withLock {
            Array($0.values.filter { $0.dueAt <= now }.sorted { ($0.dueAt, $0.id) < ($1.dueAt, $1.id) }.prefix(limit))
        }
    }
    func reschedule(id: String, attempts: Int, dueAt: Int64) async throws {
        rows.withLock {
            $0[id]?.attempts = attempts
            $0[id]?.dueAt = dueAt
        }
    }
    func remove(id: String) async throws { _ = rows.withLock { $0.removeValue(forKey: id) } }
    var all: [OutboxEntry] { rows.withLock { Array($0.values) } }
}

/// A sink that answers with scripted failures and keeps what it received.
final class FakeSink: MessageSink {
    let failures = Mutex<[String: DeliveryFailure]>([:])
    let received = Mutex<[(arn: String, message: DeliveredMessage, sender: Caller)]>([])

    func fail(_ arn: String, _ failure: DeliveryFailure?) { failures.withLock { $0[arn] = failure } }

    func deliver(_ message: DeliveredMessage, to arn: String, from sender: Caller) async throws(DeliveryFailure) {
        if let failure = failures.withLock({ $0[arn] }) { throw failure }
        received.withLock { $0.append((arn, message, sender)) }
    }

    func messages(to arn: String) -> [DeliveredMessage] { received.withLock { $0.filter { $0.arn == arn }.map(\.message) } }
}

@Suite struct DeliveryTests {
    let clock = ManualClock(Date(timeIntervalSince1970: 1_790_000_000))
    let outbox = MemoryOutbox()
    let sink = FakeSink()
    let target = "arn:aws:sqs:us-east-1:111111111111:target"
    let dlq = "arn:aws:sqs:us-east-1:111111111111:dlq"
    let rule = "arn:aws:events:us-east-1:111111111111:rule/r"

    var engine: DeliveryEngine {
        let sink = self.sink
        return DeliveryEngine(
            outbox: outbox, sinks: { $0.hasPrefix("arn:aws:sqs:") ? sink : nil }, clock: clock,
            logger: Logger(label: "test"))
    }

    func entry(retries: Int = 185, age: Int = 86_400, deadLetter: Bool = true, target: String? = nil) -> OutboxEntry {
        let now = engine.nowMillis
        return OutboxEntry(
            id: UUIDText.random(), ruleArn: rule, ruleAccount: "111111111111", region: "us-east-1",
            targetArn: target ?? self.target, body: #"{"x":1}"#, deadLetterArn: deadLetter ? dlq : nil,
            retry: RetrySettings(maximumRetryAttempts: retries, maximumEventAgeSeconds: age), enqueuedAt: now,
            dueAt: now)
    }

    @Test func deliversAsTheServicePrincipalForTheRule() async throws {
        try await outbox.enqueue([entry()])
        #expect(await engine.runOnce() == 1)
        let got = sink.received.withLock { $0 }
        #expect(got.count == 1)
        #expect(got[0].arn == target)
        #expect(got[0].message.body == #"{"x":1}"#)
        #expect(got[0].sender.principal.kind == .awsService)
        #expect(got[0].sender.principal.arn == "events.amazonaws.com")
        #expect(got[0].sender.sourceArn == rule)
        #expect(got[0].sender.sourceAccount == "111111111111")
        #expect(outbox.all.isEmpty)
    }

    @Test func refusalGoesToTheDeadLetterQueueWithAWSsAttributes() async throws {
        sink.fail(target, DeliveryFailure(code: "AccessDenied", message: "not allowed"))
        let e = entry()
        try await outbox.enqueue([e])
        #expect(await engine.attempt(e) == .deadLettered(code: "AccessDenied", exhausted: nil, deadLetter: true))
        let dead = sink.messages(to: dlq)
        #expect(dead.count == 1)
        #expect(dead[0].body == e.body)
        #expect(dead[0].attributes["RULE_ARN"]?.stringValue == rule)
        #expect(dead[0].attributes["TARGET_ARN"]?.stringValue == target)
        #expect(dead[0].attributes["ERROR_CODE"]?.stringValue == "NO_PERMISSIONS")
        #expect(dead[0].attributes["ERROR_MESSAGE"]?.stringValue == "not allowed")
        #expect(outbox.all.isEmpty)
    }

    @Test func retryableFailuresBackOffThenDeliver() async throws {
        sink.fail(target, DeliveryFailure(code: "InternalError", message: "busy", retryable: true))
        try await outbox.enqueue([entry()])
        #expect(await engine.runOnce() == 1)
        #expect(outbox.all.first?.attempts == 1)
        #expect(outbox.all.first?.dueAt == engine.nowMillis + 1000)
        #expect(await engine.runOnce() == 0)  // not due yet
        clock.advance(by: 1)
        #expect(await engine.runOnce() == 1)
        #expect(outbox.all.first?.attempts == 2)
        #expect(outbox.all.first?.dueAt == engine.nowMillis + 2000)
        sink.fail(target, nil)
        clock.advance(by: 2)
        #expect(await engine.runOnce() == 1)
        #expect(outbox.all.isEmpty)
        #expect(sink.messages(to: target).count == 1)
        #expect(sink.messages(to: dlq).isEmpty)
    }

    @Test func deadLetterQueuesGetTheEventNotTheTransformedInput() async throws {
        sink.fail(target, DeliveryFailure(code: "AccessDenied", message: "no"))
        var e = entry()
        e.body = #"{"shaped":true}"#
        e.event = #"{"version":"0","id":"e"}"#
        #expect(await engine.attempt(e) == .deadLettered(code: "AccessDenied", exhausted: nil, deadLetter: true))
        #expect(sink.messages(to: dlq).first?.body == #"{"version":"0","id":"e"}"#)
    }

    @Test(arguments: [
        ("AccessDenied", false, "arn:aws:sqs:us-east-1:111111111111:q", "NO_PERMISSIONS"),
        ("AWS.SimpleQueueService.NonExistentQueue", false, "arn:aws:sqs:us-east-1:111111111111:q", "NO_RESOURCE"),
        ("NotFound", false, "arn:aws:sns:us-east-1:111111111111:t", "NO_RESOURCE"),
        (
            "AccessDeniedException", false, "arn:aws:events:us-east-1:222222222222:event-bus/default",
            "CROSS_ACCOUNT_INGESTION_FAILED"
        ),
        ("ThrottlingException", true, "arn:aws:sqs:us-east-1:111111111111:q", "THROTTLING"),
        ("InternalError", true, "arn:aws:sqs:us-east-1:111111111111:q", "INTERNAL_ERROR"),
        ("InvalidParameterValue", false, "arn:aws:sqs:us-east-1:111111111111:q", "SDK_CLIENT_ERROR"),
    ])
    func deadLetterErrorCodes(_ code: String, _ retryable: Bool, _ target: String, _ expected: String) {
        let failure = DeliveryFailure(code: code, message: "m", retryable: retryable)
        #expect(DeliveryEngine.errorCode(failure, targetArn: target, ruleAccount: "111111111111") == expected)
    }

    @Test func backoffDoublesUpToFiveMinutes() {
        #expect((1...12).map { DeliveryEngine.backoff(retry: $0) / 1000 } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300])
    }

    @Test func retriesExhaustedGoToTheDeadLetterQueue() async throws {
        sink.fail(target, DeliveryFailure(code: "InternalError", message: "busy", retryable: true))
        let e = entry(retries: 2)
        try await outbox.enqueue([e])
        for _ in 0..<2 {
            #expect(await engine.runOnce() == 1)
            clock.advance(by: 600)
        }
        let last = try #require(outbox.all.first)
        #expect(last.attempts == 2)
        #expect(
            await engine.attempt(last)
                == .deadLettered(code: "InternalError", exhausted: "MaximumRetryAttempts", deadLetter: true))
        let dead = try #require(sink.messages(to: dlq).first)
        #expect(dead.attributes["EXHAUSTED_RETRY_CONDITION"]?.stringValue == "MaximumRetryAttempts")
        #expect(dead.attributes["RETRY_ATTEMPTS"]?.stringValue == "2")
    }

    @Test func zeroRetriesMeansOneTry() async throws {
        sink.fail(target, DeliveryFailure(code: "InternalError", message: "busy", retryable: true))
        let e = entry(retries: 0)
        #expect(
            await engine.attempt(e) == .deadLettered(code: "InternalError", exhausted: "MaximumRetryAttempts", deadLetter: true))
    }

    @Test func eventsOlderThanTheMaximumAgeAreNotDelivered() async throws {
        let e = entry(age: 60)
        try await outbox.enqueue([e])
        clock.advance(by: 61)
        #expect(await engine.runOnce() == 1)
        #expect(sink.messages(to: target).isEmpty)
        let dead = try #require(sink.messages(to: dlq).first)
        #expect(dead.attributes["EXHAUSTED_RETRY_CONDITION"]?.stringValue == "MaximumEventAgeInSeconds")
    }

    @Test func withoutADeadLetterQueueTheEventIsDropped() async throws {
        sink.fail(target, DeliveryFailure(code: "AccessDenied", message: "no"))
        let e = entry(deadLetter: false)
        try await outbox.enqueue([e])
        #expect(await engine.attempt(e) == .deadLettered(code: "AccessDenied", exhausted: nil, deadLetter: false))
        #expect(outbox.all.isEmpty)
    }

    @Test func targetsWithoutASinkWaitWithinTheRetryPolicy() async throws {
        let lambda = "arn:aws:lambda:us-east-1:111111111111:function:f"
        let e = entry(target: lambda)
        try await outbox.enqueue([e])
        #expect(await engine.runOnce() == 1)
        #expect(outbox.all.first?.attempts == 1)
        #expect(sink.messages(to: dlq).isEmpty)
    }

    @Test func enqueueIsIdempotentById() async throws {
        let e = entry()
        try await outbox.enqueue([e])
        try await outbox.enqueue([e])
        #expect(outbox.all.count == 1)
    }
}

// MARK: Trail records as events, and routing

@Suite struct TrailMappingTests {
    let time = Date(timeIntervalSince1970: 1_790_000_000)
    let key = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"

    func record(_ name: String, readOnly: Bool = false, data: Bool = false) -> CloudTrailEvent {
        var call = AuditedCall(
            service: "kms", eventName: name,
            identity: AuditIdentity(
                type: "Root", principalId: "111111111111", arn: "arn:aws:iam::111111111111:root",
                accountId: "111111111111", accessKeyId: "AKIAEXAMPLE", userName: nil),
            accountId: "111111111111", region: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "test",
            requestId: "req-1", eventTime: time, readOnly: readOnly, requestParameters: ["keyId": .string(key)],
            responseElements: nil, errorCode: nil, errorMessage: nil, resources: [(type: "AWS::KMS::Key", name: key)],
            tlsDetails: nil)
        call.dataEvent = data
        return CloudTrailEvent(call, eventId: "ev-\(name)")
    }

    @Test func apiCallBecomesAnAWSAPICallViaCloudTrailEvent() throws {
        let r = record("DisableKey")
        let events = TrailEventMapping.events(for: r)
        #expect(events.count == 1)
        let e = try #require(events.first)
        #expect(e.envelope.detailType == "AWS API Call via CloudTrail")
        #expect(e.envelope.source == "aws.kms")
        #expect(e.envelope.account == "111111111111")
        #expect(e.envelope.region == "us-east-1")
        #expect(e.envelope.time == time)
        #expect(e.envelope.detail == r.record)
        #expect(e.envelope.detail["eventName"] == "DisableKey")
        #expect(e.envelope.detail["eventID"] == "ev-DisableKey")
        #expect(e.readOnly == false)
        // The same record makes the same event id, so a batch handed twice is not queued twice.
        #expect(TrailEventMapping.events(for: r).first?.envelope.id == e.envelope.id)
        let text = try JSONParser.parse(Array(e.envelope.text.utf8))
        #expect(text["version"] == "0")
        #expect(text["detail-type"] == "AWS API Call via CloudTrail")
        #expect(text["time"] == .string(Timestamp.iso8601(time, fractional: false)))
        #expect(text["detail"] == r.record)
    }

    @Test func readOnlyCallsAreMarked() {
        #expect(TrailEventMapping.events(for: record("DescribeKey", readOnly: true)).first?.readOnly == true)
    }

    @Test func dataEventsAreNotSent() {
        #expect(TrailEventMapping.events(for: record("Decrypt", data: true)).isEmpty)
    }

    @Test(arguments: [
        ("RotateKey", "KMS CMK Rotation"), ("DeleteKey", "KMS CMK Deletion"),
        ("DeleteExpiredKeyMaterial", "KMS Imported Key Material Expiration"),
    ])
    func kmsServiceEvents(_ name: String, _ detailType: String) throws {
        let r = CloudTrailEvent.serviceEvent(
            service: "kms", eventName: name, accountId: "111111111111", region: "us-east-1", time: time,
            resourceType: "AWS::KMS::Key", resourceArn: key, additionalEventData: ["keyId": .string(key)])
        let events = TrailEventMapping.events(for: r)
        #expect(events.map(\.envelope.detailType) == ["AWS Service Event via CloudTrail", detailType])
        let kms = try #require(events.last)
        #expect(kms.envelope.source == "aws.kms")
        #expect(kms.envelope.resources == [key])
        #expect(kms.envelope.detail == ["key-id": "1234abcd-12ab-34cd-56ef-1234567890ab"])
        #expect(kms.readOnly == false)
    }
}

@Suite struct RoutingTests {
    let clock = ManualClock()
    let outbox = MemoryOutbox()

    func service() -> EventBridgeService {
        let store = InMemoryDocumentStore()
        return EventBridgeService(
            buses: DocumentCollection(store: store, module: "events", kind: "bus"),
            rules: DocumentCollection(store: store, module: "events", kind: "rule"), pending: outbox, outbox: nil,
            clock: clock, logger: Logger(label: "test"))
    }

    func rule(_ name: String, state: String, pattern: String = #"{"source":["aws.kms"]}"#) -> Rule {
        Rule(
            name: name, busName: "default", accountId: "111111111111", region: "us-east-1", eventPattern: pattern,
            state: state,
            targets: [
                StoredTarget(
                    id: "q", arn: "arn:aws:sqs:us-east-1:111111111111:\(name)",
                    document: #"{"Id":"q","Arn":"arn:aws:sqs:us-east-1:111111111111:\#(name)"}"#)
            ], createdBy: "111111111111")
    }

    @Test func theTrailIsAskedForReadOnlyRecordsOnlyWhileARuleTakesThem() async throws {
        let s = service()
        let subscriber = EventBridgeTrailSubscriber(service: s)
        #expect(await subscriber.wantsReadOnlyRecords() == false)
        try await s.putRule(rule("enabled", state: "ENABLED"))
        #expect(await subscriber.wantsReadOnlyRecords() == false)
        var all = rule("all", state: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        try await s.putRule(all)
        #expect(await subscriber.wantsReadOnlyRecords() == true)
        // A rule on another bus never sees trail records.
        try await s.deleteRule(all)
        all.busName = "custom"
        try await s.putRule(all)
        #expect(await subscriber.wantsReadOnlyRecords() == false)
        all.busName = "default"
        all.state = "DISABLED"
        try await s.putRule(all)
        #expect(await subscriber.wantsReadOnlyRecords() == false)
    }

    @Test func readOnlyEventsReachOnlyRulesWithAllManagementEvents() async throws {
        let s = service()
        for r in [
            rule("all", state: "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"), rule("enabled", state: "ENABLED"),
            rule("disabled", state: "DISABLED"),
        ] {
            try await s.putRule(r)
        }
        let subscriber = EventBridgeTrailSubscriber(service: s)
        let mapping = TrailMappingTests()
        try await subscriber.deliver([mapping.record("DescribeKey", readOnly: true)])
        #expect(outbox.all.map(\.targetArn) == ["arn:aws:sqs:us-east-1:111111111111:all"])
        try await subscriber.deliver([mapping.record("DisableKey")])
        #expect(
            Set(outbox.all.map(\.targetArn))
                == ["arn:aws:sqs:us-east-1:111111111111:all", "arn:aws:sqs:us-east-1:111111111111:enabled"])
        // Handed again (a crash before the cursor moved): nothing is queued twice.
        try await subscriber.deliver([mapping.record("DisableKey")])
        #expect(outbox.all.count == 3)
    }

    @Test func patternsDecide() async throws {
        let s = service()
        try await s.putRule(rule("other", state: "ENABLED", pattern: #"{"source":["aws.iam"]}"#))
        try await EventBridgeTrailSubscriber(service: s).deliver([TrailMappingTests().record("DisableKey")])
        #expect(outbox.all.isEmpty)
    }

    @Test func anotherAccountsRulesSeeNothing() async throws {
        let s = service()
        var r = rule("elsewhere", state: "ENABLED")
        r.accountId = "222222222222"
        try await s.putRule(r)
        try await EventBridgeTrailSubscriber(service: s).deliver([TrailMappingTests().record("DisableKey")])
        #expect(outbox.all.isEmpty)
    }

    @Test func transformedInputIsQueuedWithTheEventForTheDeadLetterQueue() async throws {
        let s = service()
        var r = rule("shaped", state: "ENABLED")
        r.targets[0].document =
            #"{"Id":"q","Arn":"arn:aws:sqs:us-east-1:111111111111:shaped","InputTransformer":{"InputPathsMap":{"n":"$.detail.eventName"},"InputTemplate":"{\"action\": <n>}"}}"#
        try await s.putRule(r)
        try await EventBridgeTrailSubscriber(service: s).deliver([TrailMappingTests().record("DisableKey")])
        #expect(outbox.all.map(\.body) == [#"{"action": "DisableKey"}"#])
        let event = try JSONParser.parse(Array((outbox.all.first?.event ?? "").utf8))
        #expect(event["detail-type"] == "AWS API Call via CloudTrail")
    }
}
