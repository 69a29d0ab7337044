import AWSProtocol
public import Audit
public import Foundation
import SQLKit
import SQLiteNIO
public import Storage
import Synchronization

/// `AuditStore` on the shared SQL database: one row per event (the record as JSON, and its first
/// resource) and one per further resource, so that every LookupEvents attribute is an indexed,
/// portable query.
///
/// The first one made on a database installs its `AuditHook`: from then on every transaction of
/// that database carries the call's pending record (`PendingAuditRecord.current`), so a change
/// commits with its record. Make it before any service that writes on a call's behalf.
public struct SQLAuditStore: AuditStore {
    private let db: RampartDatabase
    private let hook: AuditHook

    /// The trail's store on `database`; the first one opens the group-commit connection, and
    /// throws if it cannot.
    public init(database: RampartDatabase) throws {
        self.db = database
        self.hook = try database.hook { try AuditHook(path: database.path) }
    }

    public func append(_ batch: AuditEventBatch) async throws {
        guard !batch.isEmpty else { return }
        try await db.withWriteLock { try await hook.writer().append(batch, callerIds: hook.callerIds) }
    }

    public func amend(_ event: CloudTrailEvent) async throws {
        let row = Row(event)
        try await PendingAuditRecord.$current.withValue(nil) {
            try await db.transaction { sql in
                let first = event.resources.first
                let callerId = try await Self.callerId(of: row, in: db, callerIds: hook.callerIds)
                try await sql.raw(
                    """
                    UPDATE audit_events SET record = \(bind: row.callText), caller_id = \(bind: callerId),
                        resource_type = \(bind: first?.type), resource_name = \(bind: first?.name)
                    WHERE event_id = \(bind: event.eventId)
                    """
                ).run()
                try await sql.raw("DELETE FROM audit_resources WHERE event_id = \(bind: event.eventId)").run()
                try await Self.insertFurtherResources(of: [event], into: db)
            }
        }
    }

    /// An event with its record serialized, ready to insert (serialized before the write lock).
    struct Row: Sendable {
        var event: CloudTrailEvent
        /// Every column but `caller_id`, in `eventColumns` order.
        var values: [SQLiteData]
        var callText: String

        init(_ event: CloudTrailEvent) {
            self.event = event
            let first = event.resources.first
            func text(_ value: String?) -> SQLiteData { value.map { .text($0) } ?? .null }
            callText = String(decoding: event.callJSON, as: UTF8.self)
            values = [
                .text(event.eventId), .text(event.accountId), .text(event.region),
                .float(event.eventTime.timeIntervalSince1970), .text(event.eventName), .text(event.eventSource),
                .integer(event.readOnly ? 1 : 0), text(event.username), text(event.accessKeyId), text(first?.type),
                text(first?.name), .text(callText),
            ]
        }
    }

    static let eventColumns = [
        "event_id", "account_id", "region", "event_time", "event_name", "event_source", "read_only", "username",
        "access_key_id", "resource_type", "resource_name", "record", "caller_id",
    ]

    /// Inserts `rows` within the caller's transaction, hundreds per statement: a group commit of
    /// thousands of records is a few statements (each a trip to the database thread).
    static func insert(_ rows: [Row], into db: RampartDatabase, callerIds: AuditCallerIds) async throws {
        var values: [[SQLiteData]] = []
        values.reserveCapacity(rows.count)
        for row in rows {
            let callerId = try await callerId(of: row, in: db, callerIds: callerIds)
            values.append(row.values + [callerId.map { .integer(Int($0)) } ?? .null])
        }
        try await db.insert(into: "audit_events", columns: eventColumns, rows: values, perStatement: 500)
        try await insertFurtherResources(of: rows.map(\.event), into: db)
    }

    /// The id of the row's caller part, stored now if it is new; nil for an event whose
    /// record is whole. Call it only within a transaction.
    static func callerId(of row: Row, in db: RampartDatabase, callerIds: AuditCallerIds) async throws -> Int64? {
        let part = row.event.callerJSON
        guard !part.isEmpty else { return nil }
        let key = AuditCallerPart(bytes: part)
        if let known = callerIds.id(of: key) { return known }
        let text = String(decoding: part, as: UTF8.self)
        try await db.writeSQL.raw("INSERT INTO audit_callers (part) VALUES (\(bind: text)) ON CONFLICT (part) DO NOTHING").run()
        guard let found = try await db.writeSQL.raw("SELECT id FROM audit_callers WHERE part = \(bind: text)").first() else {
            throw StorageError("an audit caller part was not stored")
        }
        let id = try found.decode(column: "id", as: Int64.self)
        callerIds.remember(id, for: key)
        return id
    }

    /// Every resource after an event's first, which its own row holds.
    static func insertFurtherResources(of events: [CloudTrailEvent], into db: RampartDatabase) async throws {
        let resources = events.flatMap { e in
            e.resources.dropFirst().map { [SQLiteData.text(e.eventId), .text($0.type), .text($0.name)] }
        }
        guard !resources.isEmpty else { return }
        try await db.insert(
            into: "audit_resources", columns: ["event_id", "resource_type", "resource_name"], rows: resources,
            perStatement: 500)
    }

    public func lookup(
        accountId: String, region: String, attribute: LookupAttribute?, start: Date?, end: Date?, after cursor: LookupCursor?,
        limit: Int
    ) async throws -> [CloudTrailEvent] {
        var query = SQLQueryString(
            "SELECT e.event_id, e.account_id, e.region, e.event_time, e.event_name, e.event_source, e.read_only, e.username, e.access_key_id, e.record, c.part AS caller_part FROM audit_events e LEFT JOIN audit_callers c ON c.id = e.caller_id WHERE e.account_id = \(bind: accountId) AND e.region = \(bind: region)"
        )
        if let start { query += " AND e.event_time >= \(bind: start.timeIntervalSince1970)" }
        if let end { query += " AND e.event_time <= \(bind: end.timeIntervalSince1970)" }
        if let cursor {
            query +=
                " AND (e.event_time < \(bind: cursor.eventTime.timeIntervalSince1970) OR (e.event_time = \(bind: cursor.eventTime.timeIntervalSince1970) AND e.event_id < \(bind: cursor.eventId)))"
        }
        if let attribute {
            let v = attribute.value
            switch attribute.key {
            case .eventId: query += " AND e.event_id = \(bind: v)"
            case .eventName: query += " AND e.event_name = \(bind: v)"
            case .readOnly: query += " AND e.read_only = \(bind: v.lowercased() == "true" ? 1 : 0)"
            case .username: query += " AND e.username = \(bind: v)"
            case .eventSource: query += " AND e.event_source = \(bind: v)"
            case .accessKeyId: query += " AND e.access_key_id = \(bind: v)"
            case .resourceName:
                query +=
                    " AND (e.resource_name = \(bind: v) OR e.event_id IN (SELECT r.event_id FROM audit_resources r WHERE r.resource_name = \(bind: v)))"
            case .resourceType:
                query +=
                    " AND (e.resource_type = \(bind: v) OR e.event_id IN (SELECT r.event_id FROM audit_resources r WHERE r.resource_type = \(bind: v)))"
            }
        }
        query += " ORDER BY e.event_time DESC, e.event_id DESC LIMIT \(bind: limit)"
        return try await db.sql.raw(query).all().map(Self.event)
    }

    public func allEvents() async throws -> [CloudTrailEvent] {
        try await db.sql.raw(
            "SELECT e.event_id, e.account_id, e.region, e.event_time, e.event_name, e.event_source, e.read_only, e.username, e.access_key_id, e.record, c.part AS caller_part FROM audit_events e LEFT JOIN audit_callers c ON c.id = e.caller_id ORDER BY e.event_time, e.event_id"
        ).all().map(Self.event)
    }

    /// Records in commit order: the row id grows with every insert (inserts are serialized by the
    /// write lock), and an amended record keeps its row.
    /// Read-only rows are skipped in SQL when `changesOnly`, unread: most of a busy trail is
    /// cryptographic calls, and decoding them for a subscriber that wants none cost a Decrypt load
    /// about 5% of the server's CPU, in bursts after every flush.
    public func events(after sequence: Int64, limit: Int, changesOnly: Bool) async throws -> [SequencedEvent] {
        var query = SQLQueryString(
            "SELECT e.rowid AS sequence, e.event_id, e.account_id, e.region, e.event_time, e.event_name, e.event_source, e.read_only, e.username, e.access_key_id, e.record, c.part AS caller_part FROM audit_events e LEFT JOIN audit_callers c ON c.id = e.caller_id WHERE e.rowid > \(bind: sequence)"
        )
        if changesOnly { query += " AND e.read_only = 0" }
        query += " ORDER BY e.rowid LIMIT \(bind: limit)"
        return try await db.sql.raw(query).all().map { row in
            SequencedEvent(sequence: try row.decode(column: "sequence", as: Int64.self), event: try Self.event(row))
        }
    }

    public func latestSequence() async throws -> Int64 {
        let row = try await db.sql.raw("SELECT COALESCE(MAX(rowid), 0) AS latest FROM audit_events").first()
        return try row?.decode(column: "latest", as: Int64.self) ?? 0
    }

    public func subscriberCursor(_ name: String) async throws -> Int64? {
        let row = try await db.sql.raw("SELECT sequence FROM audit_subscriber_cursors WHERE name = \(bind: name)").first()
        return try row?.decode(column: "sequence", as: Int64.self)
    }

    public func setSubscriberCursor(_ name: String, to sequence: Int64) async throws {
        try await PendingAuditRecord.$current.withValue(nil) {
            try await db.transaction { sql in
                try await sql.raw(
                    """
                    INSERT INTO audit_subscriber_cursors (name, sequence) VALUES (\(bind: name), \(bind: sequence))
                    ON CONFLICT (name) DO UPDATE SET sequence = excluded.sequence
                    """
                ).run()
            }
        }
    }

    /// Deletes events older than `date`, in the order they were stored, `pruneChunk` per
    /// transaction, so other writers wait for one chunk at most. Rows are stored as events
    /// happen, give or take a group commit, so the walk stops at the first event not yet due: one
    /// stored late, after a storage outage, goes when the events stored around it do.
    public func prune(before date: Date) async throws -> Int {
        let cutoff = date.timeIntervalSince1970
        var removed = 0
        while true {
            let count = try await db.transaction { sql -> Int in
                let rows = try await sql.raw(
                    "SELECT rowid AS row, event_time FROM audit_events ORDER BY rowid LIMIT \(bind: Self.pruneChunk)"
                ).all()
                var last: Int64?
                var count = 0
                for row in rows {
                    guard try row.decode(column: "event_time", as: Double.self) < cutoff else { break }
                    last = try row.decode(column: "row", as: Int64.self)
                    count += 1
                }
                guard let last else { return 0 }
                try await sql.raw(
                    "DELETE FROM audit_resources WHERE event_id IN (SELECT event_id FROM audit_events WHERE rowid <= \(bind: last))"
                ).run()
                try await sql.raw("DELETE FROM audit_events WHERE rowid <= \(bind: last)").run()
                return count
            }
            removed += count
            if count < Self.pruneChunk { return removed }
        }
    }

    static let pruneChunk = 5_000

    public func trails(accountId: String) async throws -> [CloudTrailTrail] {
        try await db.sql.raw(
            "SELECT document, event_selectors FROM audit_trails WHERE account_id = \(bind: accountId) ORDER BY name"
        ).all().map {
            var trail = try $0.document(CloudTrailTrail.self)
            if let selectors = try $0.decode(column: "event_selectors", as: String?.self) {
                trail.eventSelectors = try JSONDecoder().decode(TrailEventSelectors.self, from: Data(selectors.utf8))
            }
            return trail
        }
    }

    public func putEventSelectors(
        _ selectors: TrailEventSelectors, accountId: String, region: String, name: String
    )
        async throws -> Bool
    {
        let text = try Documents.text(selectors)
        return try await db.transaction { sql in
            let found = try await sql.raw(
                """
                SELECT name FROM audit_trails
                WHERE account_id = \(bind: accountId) AND region = \(bind: region) AND name = \(bind: name)
                """
            ).first()
            guard found != nil else { return false }
            try await sql.raw(
                """
                UPDATE audit_trails SET event_selectors = \(bind: text)
                WHERE account_id = \(bind: accountId) AND region = \(bind: region) AND name = \(bind: name)
                """
            ).run()
            return true
        }
    }

    public func putTrail(_ trail: CloudTrailTrail) async throws {
        let document = try Documents.text(trail)
        try await db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO audit_trails (account_id, region, name, document)
                VALUES (\(bind: trail.accountId), \(bind: trail.region), \(bind: trail.name), \(bind: document))
                ON CONFLICT (account_id, region, name) DO UPDATE SET document = excluded.document
                """
            ).run()
        }
    }

    public func deleteTrail(accountId: String, region: String, name: String) async throws {
        try await db.transaction { sql in
            try await sql.raw(
                "DELETE FROM audit_trails WHERE account_id = \(bind: accountId) AND region = \(bind: region) AND name = \(bind: name)"
            ).run()
        }
    }

    static func event(_ row: any SQLRow) throws -> CloudTrailEvent {
        let callJSON = Array(try row.decode(column: "record", as: String.self).utf8)
        let callerJSON = Array((try row.decode(column: "caller_part", as: String?.self) ?? "").utf8)
        // The resources are in the call's part (or in the whole record of an older event).
        let record = (try? JSONParser.parse(callJSON, maxDepth: 128)) ?? .null
        let resources = (record["resources"]?.arrayValue ?? []).compactMap { r -> (type: String, name: String)? in
            guard let type = r["type"]?.stringValue, let name = r["ARN"]?.stringValue else { return nil }
            return (type, name)
        }
        return CloudTrailEvent(
            eventId: try row.decode(column: "event_id", as: String.self),
            eventTime: Date(timeIntervalSince1970: try row.decode(column: "event_time", as: Double.self)),
            eventName: try row.decode(column: "event_name", as: String.self),
            eventSource: try row.decode(column: "event_source", as: String.self),
            accountId: try row.decode(column: "account_id", as: String.self),
            region: try row.decode(column: "region", as: String.self),
            readOnly: try row.decode(column: "read_only", as: Int.self) != 0,
            username: try row.decode(column: "username", as: String?.self),
            accessKeyId: try row.decode(column: "access_key_id", as: String?.self), resources: resources,
            callJSON: callJSON, callerJSON: callerJSON)
    }
}

/// The ids of audit caller parts already stored, so that a group commit looks each up once.
/// Forgotten when a transaction rolls back, since the ids it assigned are gone; bounded.
final class AuditCallerIds: Sendable {
    private let ids = Mutex<[AuditCallerPart: Int64]>([:])

    /// How many ids are kept before all are forgotten.
    static let kept = 4_096

    func id(of part: AuditCallerPart) -> Int64? {
        ids.withLock { $0[part] }
    }

    func remember(_ id: Int64, for part: AuditCallerPart) {
        ids.withLock { ids in
            if ids.count >= Self.kept { ids.removeAll() }
            ids[part] = id
        }
    }

    func forget() {
        ids.withLock { $0.removeAll() }
    }
}

/// An audit caller part as a dictionary key, hashed as one run of bytes (not byte by byte).
struct AuditCallerPart: Hashable, Sendable {
    var bytes: [UInt8]

    func hash(into hasher: inout Hasher) {
        bytes.withUnsafeBytes { hasher.combine(bytes: $0) }
    }
}
