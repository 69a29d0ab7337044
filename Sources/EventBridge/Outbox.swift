import Foundation
import RampartCore

/// One delivery still to make: what a target is to receive for one event, and how it fares.
/// Times are milliseconds on the service clock.
struct OutboxEntry: Sendable, Equatable {
    /// Deterministic for trail events (the record, the rule and the target), so a batch the trail
    /// hands again after a crash is not queued twice while its first copy waits.
    var id: String
    var ruleArn: String
    var ruleAccount: String
    var region: String
    var targetArn: String
    var body: String
    /// The event itself, when the target receives something else (Input, InputPath,
    /// InputTransformer): what a dead-letter queue receives.
    var event: String? = nil
    var deadLetterArn: String?
    var retry: RetrySettings
    /// Tries made so far.
    var attempts: Int = 0
    var enqueuedAt: Int64
    var dueAt: Int64
}

/// Where deliveries wait until they are made: durable before the event's source is told it was
/// taken (the trail's cursor, PutEvents' answer).
protocol Outbox: Sendable {
    func enqueue(_ entries: [OutboxEntry]) async throws
    func due(now: Int64, limit: Int) async throws -> [OutboxEntry]
    func reschedule(id: String, attempts: Int, dueAt: Int64) async throws
    func remove(id: String) async throws
}

/// The outbox in the `events_outbox` table of the module's own migrations, and the schedule of
/// scheduled rules in `events_schedules`.
struct SQLOutbox: Outbox {
    let tables: any TableStore

    static let migrations = [
        SchemaMigration(
            module: "events", version: 1, name: "outbox and schedules",
            statements: [
                """
                CREATE TABLE events_outbox (
                    id TEXT NOT NULL PRIMARY KEY,
                    rule_arn TEXT NOT NULL,
                    rule_account TEXT NOT NULL,
                    region TEXT NOT NULL,
                    target_arn TEXT NOT NULL,
                    body TEXT NOT NULL,
                    event TEXT,
                    dead_letter_arn TEXT,
                    max_attempts BIGINT NOT NULL,
                    max_age BIGINT NOT NULL,
                    attempts BIGINT NOT NULL,
                    enqueued_at BIGINT NOT NULL,
                    due_at BIGINT NOT NULL)
                """,
                "CREATE INDEX events_outbox_by_due ON events_outbox (due_at)",
                """
                CREATE TABLE events_schedules (
                    rule_arn TEXT NOT NULL PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    bus_name TEXT NOT NULL,
                    rule_name TEXT NOT NULL,
                    next_at BIGINT NOT NULL)
                """,
                "CREATE INDEX events_schedules_by_next ON events_schedules (next_at)",
            ])
    ]

    func enqueue(_ entries: [OutboxEntry]) async throws {
        guard !entries.isEmpty else { return }
        try await tables.transaction { t in
            for e in entries { try await Self.insert(e, t) }
        }
    }

    static func insert(_ e: OutboxEntry, _ t: any TableTransaction) async throws {
        try await t.run(
            TableStatement(
                """
                INSERT INTO events_outbox (id, rule_arn, rule_account, region, target_arn, body, event, dead_letter_arn,
                max_attempts, max_age, attempts, enqueued_at, due_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                """,
                [
                    .text(e.id), .text(e.ruleArn), .text(e.ruleAccount), .text(e.region), .text(e.targetArn),
                    .text(e.body), e.event.map(TableValue.text) ?? .null, e.deadLetterArn.map(TableValue.text) ?? .null,
                    .integer(Int64(e.retry.maximumRetryAttempts)), .integer(Int64(e.retry.maximumEventAgeSeconds)),
                    .integer(Int64(e.attempts)), .integer(e.enqueuedAt), .integer(e.dueAt),
                ]))
    }

    func due(now: Int64, limit: Int) async throws -> [OutboxEntry] {
        let rows = try await tables.rows(
            TableStatement(
                "SELECT * FROM events_outbox WHERE due_at <= ? ORDER BY due_at, id LIMIT ?",
                [.integer(now), .integer(Int64(limit))]))
        return try rows.map { row in
            OutboxEntry(
                id: try row.text("id") ?? "", ruleArn: try row.text("rule_arn") ?? "",
                ruleAccount: try row.text("rule_account") ?? "", region: try row.text("region") ?? "",
                targetArn: try row.text("target_arn") ?? "", body: try row.text("body") ?? "",
                event: try row.text("event"), deadLetterArn: try row.text("dead_letter_arn"),
                retry: RetrySettings(
                    maximumRetryAttempts: Int(try row.integer("max_attempts") ?? 0),
                    maximumEventAgeSeconds: Int(try row.integer("max_age") ?? 0)),
                attempts: Int(try row.integer("attempts") ?? 0), enqueuedAt: try row.integer("enqueued_at") ?? 0,
                dueAt: try row.integer("due_at") ?? 0)
        }
    }

    func reschedule(id: String, attempts: Int, dueAt: Int64) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "UPDATE events_outbox SET attempts = ?, due_at = ? WHERE id = ?",
                    [.integer(Int64(attempts)), .integer(dueAt), .text(id)]))
        }
    }

    func remove(id: String) async throws {
        try await tables.transaction { t in
            try await t.run(TableStatement("DELETE FROM events_outbox WHERE id = ?", [.text(id)]))
        }
    }

    // MARK: Schedules

    /// A scheduled rule's next firing.
    struct Schedule: Sendable, Equatable {
        var ruleArn: String
        var accountId: String
        var region: String
        var busName: String
        var ruleName: String
        var nextAt: Int64
    }

    func setSchedule(_ s: Schedule?, ruleArn: String) async throws {
        try await tables.transaction { t in
            try await t.run(TableStatement("DELETE FROM events_schedules WHERE rule_arn = ?", [.text(ruleArn)]))
            if let s {
                try await t.run(
                    TableStatement(
                        """
                        INSERT INTO events_schedules (rule_arn, account_id, region, bus_name, rule_name, next_at)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                        [
                            .text(s.ruleArn), .text(s.accountId), .text(s.region), .text(s.busName), .text(s.ruleName),
                            .integer(s.nextAt),
                        ]))
            }
        }
    }

    func dueSchedules(now: Int64, limit: Int) async throws -> [Schedule] {
        let rows = try await tables.rows(
            TableStatement(
                "SELECT * FROM events_schedules WHERE next_at <= ? ORDER BY next_at LIMIT ?",
                [.integer(now), .integer(Int64(limit))]))
        return try rows.map { row in
            Schedule(
                ruleArn: try row.text("rule_arn") ?? "", accountId: try row.text("account_id") ?? "",
                region: try row.text("region") ?? "", busName: try row.text("bus_name") ?? "",
                ruleName: try row.text("rule_name") ?? "", nextAt: try row.integer("next_at") ?? 0)
        }
    }

    /// Queues a scheduled rule's deliveries and moves its next firing, in one transaction, so a
    /// firing is neither lost nor made twice by a crash between the two.
    func fire(_ schedule: Schedule, nextAt: Int64?, entries: [OutboxEntry]) async throws {
        try await tables.transaction { t in
            for e in entries { try await Self.insert(e, t) }
            if let nextAt {
                try await t.run(
                    TableStatement(
                        "UPDATE events_schedules SET next_at = ? WHERE rule_arn = ? AND next_at = ?",
                        [.integer(nextAt), .text(schedule.ruleArn), .integer(schedule.nextAt)]))
            } else {
                try await t.run(
                    TableStatement("DELETE FROM events_schedules WHERE rule_arn = ?", [.text(schedule.ruleArn)]))
            }
        }
    }
}
