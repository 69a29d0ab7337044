import Audit
import Foundation
import NIOPosix
import Storage

/// The trail's group commit: appends events on a connection of its own, on a thread of its own,
/// with prepared statements kept for the connection's life, binding each value straight from
/// the event. Through SQLiteNIO a group commit of thousands of records spent more on parsing
/// statements, boxing values and copying rows than SQLite spent inserting them.
///
/// The owner serializes it with every other write (`RampartDatabase`'s write lock), so its
/// transactions never wait on SQLite's busy handler. Its state is touched only on its thread.
final class AuditBatchWriter: @unchecked Sendable {
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private var statements: Statements?

    private struct Statements {
        var connection: SQLiteHandle
        var begin, commit, rollback: SQLiteHandle.Statement
        var insertEvent, insertResource, insertCaller, selectCaller: SQLiteHandle.Statement
    }

    init(path: String) throws {
        statements = try Self.open(path: path)
        pool.start()
    }

    private static func open(path: String) throws -> Statements {
        let connection = try SQLiteHandle(path: path)
        // Per connection, as the main connection's (`RampartDatabase.open`).
        try connection.execute(
            "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA wal_autocheckpoint=4000")
        let columns = SQLAuditStore.eventColumns
        return Statements(
            connection: connection, begin: try connection.prepare("BEGIN IMMEDIATE"), commit: try connection.prepare("COMMIT"),
            rollback: try connection.prepare("ROLLBACK"),
            insertEvent: try connection.prepare(
                "INSERT INTO audit_events (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"
            ),
            insertResource: try connection.prepare(
                "INSERT INTO audit_resources (event_id, resource_type, resource_name) VALUES (?, ?, ?)"),
            insertCaller: try connection.prepare("INSERT INTO audit_callers (part) VALUES (?) ON CONFLICT (part) DO NOTHING"),
            selectCaller: try connection.prepare("SELECT id FROM audit_callers WHERE part = ?"))
    }

    /// Appends the batch's events in one transaction. Call it only with the database's write lock held.
    func append(_ batch: AuditEventBatch, callerIds: AuditCallerIds) async throws {
        // In a task of its own: a stop cancels the trail's task while it writes, and the pool
        // skips a job whose task is cancelled; the write must happen all the same.
        try await Task { try await self.pool.runIfActive { try self.appendNow(batch, callerIds: callerIds) } }.value
    }

    private func appendNow(_ batch: AuditEventBatch, callerIds: AuditCallerIds) throws {
        guard let s = statements else { throw StorageError("the audit writer is closed") }
        try s.begin.step()
        do {
            var lastCaller: (part: UnsafeRawBufferPointer, id: Int64)?
            try batch.forEachEvent { event in
                var callerId: Int64?
                if !event.callerJSON.isEmpty {
                    // Consecutive events mostly share their caller: compared before it is looked up.
                    if let last = lastCaller, last.part.elementsEqual(event.callerJSON) {
                        callerId = last.id
                    } else {
                        let id = try Self.callerId(of: event.callerJSON, callerIds: callerIds, s)
                        lastCaller = (event.callerJSON, id)
                        callerId = id
                    }
                }
                let insert = s.insertEvent
                let first = event.firstResource
                // In `SQLAuditStore.eventColumns` order.
                insert.bind(1, text: event.eventId)
                insert.bind(2, text: event.accountId)
                insert.bind(3, text: event.region)
                insert.bind(4, event.eventTime)
                insert.bind(5, text: event.eventName)
                insert.bind(6, text: event.eventSource)
                insert.bind(7, Int64(event.readOnly ? 1 : 0))
                insert.bind(8, text: event.username)
                insert.bind(9, text: event.accessKeyId)
                insert.bind(10, text: first?.type)
                insert.bind(11, text: first?.name)
                insert.bind(12, text: event.callJSON)
                insert.bind(13, callerId)
                try insert.step()
                guard event.resourceCount > 1 else { return }
                var index = 0
                try event.forEachResource { type, name in
                    defer { index += 1 }
                    guard index > 0 else { return }
                    s.insertResource.bind(1, text: event.eventId)
                    s.insertResource.bind(2, text: type)
                    s.insertResource.bind(3, text: name)
                    try s.insertResource.step()
                }
            }
            try s.commit.step()
        } catch {
            _ = try? s.rollback.step()
            callerIds.forget()
            throw error
        }
    }

    /// The id of a caller part, stored now if new.
    private static func callerId(
        of part: UnsafeRawBufferPointer, callerIds: AuditCallerIds, _ s: Statements
    ) throws
        -> Int64
    {
        let key = AuditCallerPart(bytes: Array(part))
        if let known = callerIds.id(of: key) { return known }
        s.insertCaller.bind(1, text: part)
        try s.insertCaller.step()
        s.selectCaller.bind(1, text: part)
        guard let id = try s.selectCaller.step() else { throw StorageError("an audit caller part was not stored") }
        callerIds.remember(id, for: key)
        return id
    }

    /// Closes the connection and stops the thread; later appends throw.
    func close() async {
        _ = try? await pool.runIfActive { self.statements = nil }
        try? await pool.shutdownGracefully()
    }
}
