import Foundation
import Logging
import RampartCore
import Storage
import Testing

@testable import EventBridge

/// The outbox and schedules on the real SQL store (SQLite), with the module's own migrations.
@Suite struct SQLOutboxTests {
    static func open() async throws -> (RampartDatabase, SQLOutbox) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = try await RampartDatabase.open(
            path: folder.appendingPathComponent(RampartDatabase.fileName).path, modules: SQLOutbox.migrations,
            logger: Logger(label: "test"))
        return (db, SQLOutbox(tables: SQLTableStore(database: db)))
    }

    func entry(_ id: String, due: Int64, event: String? = nil) -> OutboxEntry {
        OutboxEntry(
            id: id, ruleArn: "arn:aws:events:us-east-1:111111111111:rule/r", ruleAccount: "111111111111",
            region: "us-east-1", targetArn: "arn:aws:sqs:us-east-1:111111111111:q", body: "{\"b\":\(due)}", event: event,
            deadLetterArn: id == "a" ? "arn:aws:sqs:us-east-1:111111111111:dlq" : nil,
            retry: RetrySettings(maximumRetryAttempts: 3, maximumEventAgeSeconds: 60), enqueuedAt: 5, dueAt: due)
    }

    @Test func entriesRoundTripInDueOrderAndOnce() async throws {
        let (db, outbox) = try await Self.open()
        try await outbox.enqueue([entry("b", due: 20), entry("a", due: 10, event: "{\"e\":1}")])
        // The same entry again (a trail batch handed twice) is not queued twice.
        try await outbox.enqueue([entry("a", due: 10)])
        #expect(try await outbox.due(now: 5, limit: 10).isEmpty)
        let due = try await outbox.due(now: 100, limit: 10)
        #expect(due == [entry("a", due: 10, event: "{\"e\":1}"), entry("b", due: 20)])
        #expect(try await outbox.due(now: 100, limit: 1).map(\.id) == ["a"])
        try await outbox.reschedule(id: "a", attempts: 2, dueAt: 200)
        #expect(try await outbox.due(now: 100, limit: 10).map(\.id) == ["b"])
        #expect(try await outbox.due(now: 200, limit: 10).first { $0.id == "a" }?.attempts == 2)
        try await outbox.remove(id: "b")
        #expect(try await outbox.due(now: 1000, limit: 10).map(\.id) == ["a"])
        try await db.close()
    }

    @Test func schedulesFireOnceAndMoveOn() async throws {
        let (db, outbox) = try await Self.open()
        let arn = "arn:aws:events:us-east-1:111111111111:rule/s"
        let schedule = SQLOutbox.Schedule(
            ruleArn: arn, accountId: "111111111111", region: "us-east-1", busName: "default", ruleName: "s", nextAt: 60_000)
        try await outbox.setSchedule(schedule, ruleArn: arn)
        #expect(try await outbox.dueSchedules(now: 59_999, limit: 10).isEmpty)
        #expect(try await outbox.dueSchedules(now: 60_000, limit: 10) == [schedule])
        try await outbox.fire(schedule, nextAt: 120_000, entries: [entry("s1", due: 60_000)])
        // A second firing of the same time (two sweeps at once) changes nothing.
        try await outbox.fire(schedule, nextAt: 180_000, entries: [entry("s1", due: 60_000)])
        #expect(try await outbox.dueSchedules(now: 119_999, limit: 10).isEmpty)
        #expect(try await outbox.dueSchedules(now: 120_000, limit: 10).map(\.nextAt) == [120_000])
        #expect(try await outbox.due(now: 60_000, limit: 10).map(\.id) == ["s1"])
        try await outbox.setSchedule(nil, ruleArn: arn)
        #expect(try await outbox.dueSchedules(now: .max, limit: 10).isEmpty)
        try await db.close()
    }
}
