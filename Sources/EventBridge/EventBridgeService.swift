import AWSProtocol
import AccessControl
import Crypto
import EventPatterns
import Foundation
import Identity
import Logging
import RampartCore
import ServiceKit
import Synchronization

/// The event service: buses and rules kept as documents, deliveries in the module's outbox.
/// It knows nothing of HTTP; the handler reads requests and writes answers around it.
final class EventBridgeService: Sendable {
    let buses: DocumentCollection<EventBus>
    let rules: DocumentCollection<Rule>
    /// Where deliveries wait (the SQL outbox on a server; another in unit tests).
    let pending: any Outbox
    /// Signalled (`Signals.eventBridgeOutbox`) when deliveries are queued, so the delivery loop
    /// makes them at once rather than at its next tick.
    let signals = Signals()
    /// The SQL outbox, which also keeps the schedules of scheduled rules; nil in unit tests.
    let outbox: SQLOutbox?
    let clock: any ServiceClock
    let logger: Logger
    /// Serializes read-modify-write of buses and rules.
    let writes = AsyncLock()
    /// Compiled patterns by their text: a rule's pattern is compiled once, not per event.
    private let patterns = Mutex<[String: EventPattern]>([:])
    /// Whether any rule of any account's default bus takes read-only trail records (nil until
    /// asked after a rule changed), and how many rule changes there have been: an answer read
    /// from the store is kept only if no rule changed while it was read. The trail reads only
    /// changes' records while no rule takes the others.
    private let readOnlyRules = Mutex<(known: Bool?, changes: Int)>((nil, 0))

    init(
        buses: DocumentCollection<EventBus>, rules: DocumentCollection<Rule>, pending: any Outbox, outbox: SQLOutbox?,
        clock: any ServiceClock, logger: Logger
    ) {
        self.buses = buses
        self.rules = rules
        self.pending = pending
        self.outbox = outbox
        self.clock = clock
        self.logger = logger
    }

    var nowMillis: Int64 { Int64((clock.now.timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Storage

    func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch let error as AWSError {
            throw error
        } catch {
            logger.error("the EventBridge store failed")
            throw .internalException()
        }
    }

    func locked<T: Sendable>(_ body: () async throws(AWSError) -> T) async throws(AWSError) -> T {
        do {
            return try await writes.withLock { () async throws -> T in try await body() }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .internalException()
        }
    }

    // MARK: Buses

    /// The bus, or nil; the default bus always exists.
    func bus(accountId: String, region: String, name: String) async throws(AWSError) -> EventBus? {
        if let stored = try await stored({ try await buses.get(accountId: accountId, region: region, id: name) }) {
            return stored
        }
        guard name == EventBus.defaultName else { return nil }
        return EventBus(
            name: name, accountId: accountId, region: region, created: Date(timeIntervalSince1970: 0),
            lastModified: Date(timeIntervalSince1970: 0))
    }

    func existingBus(accountId: String, region: String, name: String) async throws(AWSError) -> EventBus {
        guard let bus = try await bus(accountId: accountId, region: region, name: name) else {
            throw .busNotFound(name)
        }
        return bus
    }

    func putBus(_ bus: EventBus) async throws(AWSError) {
        try await stored { try await buses.put(bus, accountId: bus.accountId, region: bus.region, id: bus.name) }
    }

    func allBuses(accountId: String, region: String) async throws(AWSError) -> [EventBus] {
        var all = try await stored { try await buses.all(accountId: accountId, region: region) }
        if !all.contains(where: { $0.name == EventBus.defaultName }),
            let d = try await bus(accountId: accountId, region: region, name: EventBus.defaultName)
        {
            all.append(d)
        }
        return all.sorted { $0.name < $1.name }
    }

    // MARK: Rules

    func rule(accountId: String, region: String, bus: String, name: String) async throws(AWSError) -> Rule? {
        try await stored { try await rules.get(accountId: accountId, region: region, id: Rule.id(bus: bus, name: name)) }
    }

    func existingRule(accountId: String, region: String, bus: String, name: String) async throws(AWSError) -> Rule {
        guard let rule = try await rule(accountId: accountId, region: region, bus: bus, name: name) else {
            throw .ruleNotFound(name, bus: bus)
        }
        return rule
    }

    func putRule(_ rule: Rule) async throws(AWSError) {
        defer { readOnlyRules.withLock { $0 = (nil, $0.changes + 1) } }
        try await stored {
            try await rules.put(
                rule, accountId: rule.accountId, region: rule.region, id: Rule.id(bus: rule.busName, name: rule.name))
        }
        try await updateSchedule(rule)
    }

    func deleteRule(_ rule: Rule) async throws(AWSError) {
        defer { readOnlyRules.withLock { $0 = (nil, $0.changes + 1) } }
        _ = try await stored {
            try await rules.delete(
                accountId: rule.accountId, region: rule.region, id: Rule.id(bus: rule.busName, name: rule.name))
        }
        if let outbox { try await stored { try await outbox.setSchedule(nil, ruleArn: rule.arn) } }
    }

    /// Whether some account's default bus has a rule that takes read-only trail records
    /// (ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS). Read from the store after a rule changed,
    /// from memory otherwise; true when the store cannot say.
    func anyRuleTakesReadOnlyRecords() async -> Bool {
        let (known, changes) = readOnlyRules.withLock { $0 }
        if let known { return known }
        do {
            let found = try await rules.everywhere().contains {
                $0.busName == EventBus.defaultName && $0.takesReadOnlyEvents
            }
            readOnlyRules.withLock { if $0.changes == changes { $0.known = found } }
            return found
        } catch {
            return true
        }
    }

    func allRules(accountId: String, region: String) async throws(AWSError) -> [Rule] {
        try await stored { try await rules.all(accountId: accountId, region: region) }
    }

    func rules(accountId: String, region: String, bus: String) async throws(AWSError) -> [Rule] {
        try await allRules(accountId: accountId, region: region).filter { $0.busName == bus }.sorted { $0.name < $1.name }
    }

    /// Keeps the schedule table in step with a scheduled rule: an enabled rule's next firing,
    /// counted from now (rates) or the expression's next minute (cron).
    private func updateSchedule(_ rule: Rule) async throws(AWSError) {
        guard let outbox else { return }
        var schedule: SQLOutbox.Schedule?
        if rule.isEnabled, let text = rule.scheduleExpression, let expression = ScheduleExpression(text),
            let next = expression.next(after: clock.now)
        {
            schedule = SQLOutbox.Schedule(
                ruleArn: rule.arn, accountId: rule.accountId, region: rule.region, busName: rule.busName,
                ruleName: rule.name, nextAt: Int64(next.timeIntervalSince1970 * 1000))
        }
        let chosen = schedule
        try await stored { try await outbox.setSchedule(chosen, ruleArn: rule.arn) }
    }

    // MARK: Patterns

    func pattern(_ text: String) throws(AWSError) -> EventPattern {
        if let hit = patterns.withLock({ $0[text] }) { return hit }
        let compiled: EventPattern
        do {
            compiled = try EventPattern(json: text)
        } catch {
            throw .invalidEventPattern(error.message)
        }
        patterns.withLock { cache in
            if cache.count > 10_000 { cache = [:] }
            cache[text] = compiled
        }
        return compiled
    }

    // MARK: Routing

    /// An event on its way to one bus: the envelope, its value for matching, and whether it is a
    /// read-only CloudTrail management event (which only ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS
    /// rules take).
    struct Routed: Sendable {
        var envelope: EventEnvelope
        var readOnly: Bool = false
        /// A stable key for the event's deliveries (trail events), or nil for a fresh one.
        var key: String?
    }

    /// The deliveries `events` make on the bus `busName` of the account and region, given its
    /// rules: every enabled rule whose pattern matches, each target of it.
    func deliveries(for events: [Routed], rules: [Rule]) -> [OutboxEntry] {
        // The rules that can take events, indexed once for the whole batch (EventPatterns'
        // RuleIndex looks up the values patterns require rather than scanning every rule).
        let live = rules.filter { $0.isEnabled && !$0.targets.isEmpty }
        var index = RuleIndex<Int>()
        for (i, rule) in live.enumerated() {
            guard let text = rule.eventPattern, let pattern = try? pattern(text) else { continue }
            index.insert(pattern, for: i)
        }
        guard index.count > 0 else { return [] }
        var out: [OutboxEntry] = []
        let now = nowMillis
        let ingestion = Timestamp.iso8601(clock.now, fractional: false)
        for event in events {
            let value = event.envelope.value
            let matched = index.matching(value).sorted()
            guard !matched.isEmpty else { continue }
            let text = event.envelope.text
            for i in matched {
                let rule = live[i]
                if event.readOnly && !rule.takesReadOnlyEvents { continue }
                RuleMetrics.matched(rule.arn)
                out += entries(rule: rule, value: value, text: text, key: event.key, now: now, ingestion: ingestion)
            }
        }
        return out
    }

    func entries(rule: Rule, value: JSONValue, text: String, key: String?, now: Int64, ingestion: String) -> [OutboxEntry] {
        rule.targets.map { target in
            let body = target.input.render(
                event: value, eventText: text, ruleArn: rule.arn, ruleName: rule.name, ingestionTime: ingestion)
            let id = key.map { "\($0)|\(rule.arn)|\(target.id)" } ?? UUIDText.random()
            return OutboxEntry(
                id: id, ruleArn: rule.arn, ruleAccount: rule.accountId, region: rule.region, targetArn: target.arn,
                body: body, event: body == text ? nil : text, deadLetterArn: target.shape.deadLetterConfig?.arn,
                retry: target.retry, enqueuedAt: now,
                dueAt: now)
        }
    }

    /// Queues the deliveries of events put on a bus; durable when this returns.
    func route(_ events: [Routed], accountId: String, region: String, bus: String) async throws(AWSError) {
        let rules = try await self.rules(accountId: accountId, region: region, bus: bus)
        let entries = deliveries(for: events, rules: rules)
        try await stored { try await pending.enqueue(entries) }
        if !entries.isEmpty { signals.signal(Signals.eventBridgeOutbox) }
    }

    // MARK: Schedules

    /// Fires every scheduled rule whose time has come on the service clock: one `Scheduled
    /// Event` per firing, however long the clock jumped, then the next time after now.
    func fireSchedules() async {
        guard let outbox else { return }
        let now = clock.now
        let nowMillis = self.nowMillis
        let due: [SQLOutbox.Schedule]
        do {
            due = try await outbox.dueSchedules(now: nowMillis, limit: 100)
        } catch {
            logger.error("reading EventBridge schedules failed; retrying")
            return
        }
        for schedule in due {
            do {
                let rule = try await self.rule(
                    accountId: schedule.accountId, region: schedule.region, bus: schedule.busName, name: schedule.ruleName)
                guard let rule, rule.isEnabled, let text = rule.scheduleExpression, let expression = ScheduleExpression(text)
                else {
                    try await outbox.fire(schedule, nextAt: nil, entries: [])
                    continue
                }
                let fired = Date(timeIntervalSince1970: TimeInterval(schedule.nextAt) / 1000)
                let next: Date?
                switch expression.kind {
                case .rate(let seconds):
                    // The next time on the rate's own grid after now.
                    let periods = (now.timeIntervalSince(fired) / TimeInterval(seconds)).rounded(.down) + 1
                    next = fired.addingTimeInterval(periods * TimeInterval(seconds))
                case .cron:
                    next = expression.next(after: now)
                }
                let envelope = EventEnvelope(
                    id: Self.eventId("\(schedule.ruleArn)|\(schedule.nextAt)"), detailType: "Scheduled Event",
                    source: "aws.events", account: rule.accountId, time: fired, region: rule.region,
                    resources: [rule.arn], detail: .object([:]))
                let entries = self.entries(
                    rule: rule, value: envelope.value, text: envelope.text, key: "schedule|\(schedule.nextAt)",
                    now: nowMillis, ingestion: Timestamp.iso8601(now, fractional: false))
                try await outbox.fire(
                    schedule, nextAt: next.map { Int64($0.timeIntervalSince1970 * 1000) }, entries: entries)
            } catch {
                logger.error("firing a scheduled rule failed; retrying")
            }
        }
    }

    /// A UUID-shaped event id derived from `seed`, so an event made again from the same source
    /// (a trail record handed twice) has the same id.
    static func eventId(_ seed: String) -> String {
        var bytes = Array(SHA256.hash(data: Array(seed.utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUIDText.format(bytes)
    }
}

extension Signals {
    static let eventBridgeOutbox = "eventbridge-outbox"
}
