import AWSProtocol
import RampartCore

/// A log group as kept.
struct LogGroup: Sendable, Equatable {
    var accountId: String
    var region: String
    var name: String
    /// Milliseconds since the epoch, on the service clock.
    var createdAt: Int64
    var retentionDays: Int?
    var kmsKeyId: String?
    var logGroupClass: String
    var tags: [String: String]

    /// The ARN as DescribeLogGroups answers it in `arn` (with `:*`), and `logGroupArn` (without).
    var arn: String { "\(logGroupArn):*" }
    var logGroupArn: String { Self.arn(accountId: accountId, region: region, name: name) }

    static func arn(accountId: String, region: String, name: String) -> String {
        "arn:aws:logs:\(region):\(accountId):log-group:\(name)"
    }
}

/// A log stream as kept: its first and last event times and its stored bytes.
struct LogStream: Sendable, Equatable {
    var name: String
    var createdAt: Int64
    var firstEventAt: Int64?
    var lastEventAt: Int64?
    var lastIngestionAt: Int64?
    var storedBytes: Int64
}

/// One log event as kept. `sequence` orders events of equal timestamp in a stream as they came.
struct StoredLogEvent: Sendable, Equatable {
    var stream: String
    var timestamp: Int64
    var ingestionTime: Int64
    var sequence: Int64
    var message: String
}

/// Log groups, streams and events in the module's own tables (`logs_groups`, `logs_streams`,
/// `logs_events`), events found by group, stream and time. Each change commits before it returns.
struct LogStore: Sendable {
    let tables: any TableStore

    static let migrations = [
        SchemaMigration(
            module: "logs", version: 1, name: "groups, streams and events",
            statements: [
                """
                CREATE TABLE logs_groups (
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    retention_days BIGINT,
                    kms_key_id TEXT,
                    log_group_class TEXT NOT NULL,
                    tags TEXT NOT NULL,
                    PRIMARY KEY (account_id, region, name))
                """,
                """
                CREATE TABLE logs_streams (
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    group_name TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    first_event_at BIGINT,
                    last_event_at BIGINT,
                    last_ingestion_at BIGINT,
                    stored_bytes BIGINT NOT NULL,
                    next_sequence BIGINT NOT NULL,
                    PRIMARY KEY (account_id, region, group_name, name))
                """,
                """
                CREATE TABLE logs_events (
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    group_name TEXT NOT NULL,
                    stream_name TEXT NOT NULL,
                    event_time BIGINT NOT NULL,
                    ingestion_time BIGINT NOT NULL,
                    sequence BIGINT NOT NULL,
                    message TEXT NOT NULL,
                    PRIMARY KEY (account_id, region, group_name, stream_name, sequence))
                """,
                "CREATE INDEX logs_events_by_time ON logs_events (account_id, region, group_name, event_time, stream_name, sequence)",
            ])
    ]

    // MARK: Groups

    func group(accountId: String, region: String, name: String) async throws -> LogGroup? {
        try await tables.rows(
            TableStatement(
                "SELECT * FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?",
                [.text(accountId), .text(region), .text(name)])
        ).first.map(Self.group)
    }

    /// Groups of the account and region in name order, after `after`, at most `limit`.
    func groups(accountId: String, region: String, after: String?, limit: Int) async throws -> [LogGroup] {
        try await tables.rows(
            TableStatement(
                "SELECT * FROM logs_groups WHERE account_id = ? AND region = ? AND name > ? ORDER BY name LIMIT ?",
                [.text(accountId), .text(region), .text(after ?? ""), .integer(Int64(limit))])
        ).map(Self.group)
    }

    /// Every group with a retention period, for the retention sweep.
    func groupsWithRetention() async throws -> [LogGroup] {
        try await tables.rows(TableStatement("SELECT * FROM logs_groups WHERE retention_days IS NOT NULL")).map(Self.group)
    }

    /// Adds a group; false when one of that name exists.
    func create(_ group: LogGroup) async throws -> Bool {
        try await tables.transaction { t in
            let found = try await t.rows(
                TableStatement(
                    "SELECT 1 AS found FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?",
                    [.text(group.accountId), .text(group.region), .text(group.name)]))
            guard found.isEmpty else { return false }
            try await t.run(
                TableStatement(
                    """
                    INSERT INTO logs_groups (account_id, region, name, created_at, retention_days, kms_key_id,
                    log_group_class, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(group.accountId), .text(group.region), .text(group.name), .integer(group.createdAt),
                        group.retentionDays.map { .integer(Int64($0)) } ?? .null, group.kmsKeyId.map { .text($0) } ?? .null,
                        .text(group.logGroupClass), .text(Self.tagsText(group.tags)),
                    ]))
            return true
        }
    }

    /// Writes a group's settings (retention, key, tags).
    func update(_ group: LogGroup) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "UPDATE logs_groups SET retention_days = ?, kms_key_id = ?, tags = ? WHERE account_id = ? AND region = ? AND name = ?",
                    [
                        group.retentionDays.map { .integer(Int64($0)) } ?? .null, group.kmsKeyId.map { .text($0) } ?? .null,
                        .text(Self.tagsText(group.tags)), .text(group.accountId), .text(group.region), .text(group.name),
                    ]))
        }
    }

    /// Removes a group with its streams and events; false when there was none.
    func deleteGroup(accountId: String, region: String, name: String) async throws -> Bool {
        try await tables.transaction { t in
            let key: [TableValue] = [.text(accountId), .text(region), .text(name)]
            let found = try await t.rows(
                TableStatement("SELECT 1 AS found FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?", key))
            guard !found.isEmpty else { return false }
            try await t.run(TableStatement("DELETE FROM logs_events WHERE account_id = ? AND region = ? AND group_name = ?", key))
            try await t.run(
                TableStatement("DELETE FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ?", key))
            try await t.run(TableStatement("DELETE FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?", key))
            return true
        }
    }

    // MARK: Streams

    enum StreamOutcome: Sendable { case done, noGroup, exists, noStream }

    func createStream(
        accountId: String, region: String, group: String, name: String, at now: Int64
    ) async throws
        -> StreamOutcome
    {
        try await tables.transaction { t in
            let groupKey: [TableValue] = [.text(accountId), .text(region), .text(group)]
            guard
                try await !t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?", groupKey)
                ).isEmpty
            else { return .noGroup }
            guard
                try await t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ? AND name = ?",
                        groupKey + [.text(name)])
                ).isEmpty
            else { return .exists }
            try await t.run(
                TableStatement(
                    """
                    INSERT INTO logs_streams (account_id, region, group_name, name, created_at, stored_bytes, next_sequence)
                    VALUES (?, ?, ?, ?, ?, 0, 1)
                    """, groupKey + [.text(name), .integer(now)]))
            return .done
        }
    }

    func stream(accountId: String, region: String, group: String, name: String) async throws -> LogStream? {
        try await tables.rows(
            TableStatement(
                "SELECT * FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ? AND name = ?",
                [.text(accountId), .text(region), .text(group), .text(name)])
        ).first.map(Self.stream)
    }

    /// Every stream of a group (DescribeLogStreams sorts and pages them).
    func streams(accountId: String, region: String, group: String, prefix: String?) async throws -> [LogStream] {
        var statement = TableStatement(
            "SELECT * FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ?",
            [.text(accountId), .text(region), .text(group)])
        if let prefix, !prefix.isEmpty {
            // A range on the name rather than LIKE, whose wildcards a prefix could contain.
            statement.text += " AND name >= ? AND name < ?"
            statement.binds += [.text(prefix), .text(prefix + "\u{10FFFF}")]
        }
        return try await tables.rows(statement).map(Self.stream)
    }

    func deleteStream(accountId: String, region: String, group: String, name: String) async throws -> StreamOutcome {
        try await tables.transaction { t in
            let groupKey: [TableValue] = [.text(accountId), .text(region), .text(group)]
            guard
                try await !t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?", groupKey)
                ).isEmpty
            else { return .noGroup }
            let key = groupKey + [.text(name)]
            guard
                try await !t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ? AND name = ?",
                        key)
                ).isEmpty
            else { return .noStream }
            try await t.run(
                TableStatement(
                    "DELETE FROM logs_events WHERE account_id = ? AND region = ? AND group_name = ? AND stream_name = ?", key))
            try await t.run(
                TableStatement(
                    "DELETE FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ? AND name = ?", key))
            return .done
        }
    }

    // MARK: Events

    /// Appends events (already checked and sorted) to a stream, in one transaction.
    func append(
        accountId: String, region: String, group: String, stream: String, events: [(timestamp: Int64, message: String)],
        ingestedAt now: Int64
    ) async throws -> StreamOutcome {
        try await tables.transaction { t in
            let key: [TableValue] = [.text(accountId), .text(region), .text(group), .text(stream)]
            guard
                try await !t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM logs_groups WHERE account_id = ? AND region = ? AND name = ?",
                        Array(key.prefix(3)))
                ).isEmpty
            else { return .noGroup }
            guard
                let row = try await t.rows(
                    TableStatement(
                        "SELECT * FROM logs_streams WHERE account_id = ? AND region = ? AND group_name = ? AND name = ?", key)
                ).first
            else { return .noStream }
            var current = try Self.stream(row)
            var sequence = try row.integer("next_sequence") ?? 1
            var bytes: Int64 = 0
            for event in events {
                try await t.run(
                    TableStatement(
                        """
                        INSERT INTO logs_events (account_id, region, group_name, stream_name, event_time, ingestion_time,
                        sequence, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, key + [.integer(event.timestamp), .integer(now), .integer(sequence), .text(event.message)]))
                sequence += 1
                bytes += Int64(event.message.utf8.count)
                current.firstEventAt = min(current.firstEventAt ?? event.timestamp, event.timestamp)
                current.lastEventAt = max(current.lastEventAt ?? event.timestamp, event.timestamp)
            }
            if !events.isEmpty { current.lastIngestionAt = now }
            try await t.run(
                TableStatement(
                    """
                    UPDATE logs_streams SET first_event_at = ?, last_event_at = ?, last_ingestion_at = ?,
                    stored_bytes = stored_bytes + ?, next_sequence = ?
                    WHERE account_id = ? AND region = ? AND group_name = ? AND name = ?
                    """,
                    [
                        current.firstEventAt.map { .integer($0) } ?? .null, current.lastEventAt.map { .integer($0) } ?? .null,
                        current.lastIngestionAt.map { .integer($0) } ?? .null, .integer(bytes), .integer(sequence),
                    ] + key))
            return .done
        }
    }

    /// Where a page of events starts: after (or before, reading backwards) this event.
    struct Position: Sendable, Equatable {
        var timestamp: Int64
        var stream: String
        var sequence: Int64
    }

    /// One stream's events in [start, end), in time order (or newest first), after `position`.
    func events(
        accountId: String, region: String, group: String, stream: String, start: Int64?, end: Int64?,
        after position: Position?, backwards: Bool, limit: Int
    ) async throws -> [StoredLogEvent] {
        var statement = TableStatement(
            "SELECT * FROM logs_events WHERE account_id = ? AND region = ? AND group_name = ? AND stream_name = ?",
            [.text(accountId), .text(region), .text(group), .text(stream)])
        Self.window(&statement, start: start, end: end)
        if let position {
            let op = backwards ? "<" : ">"
            statement.text += " AND (event_time \(op) ? OR (event_time = ? AND sequence \(op) ?))"
            statement.binds += [.integer(position.timestamp), .integer(position.timestamp), .integer(position.sequence)]
        }
        let direction = backwards ? "DESC" : "ASC"
        statement.text += " ORDER BY event_time \(direction), sequence \(direction) LIMIT ?"
        statement.binds.append(.integer(Int64(limit)))
        return try await tables.rows(statement).map(Self.event)
    }

    /// A group's events in [start, end) across the named streams (all when nil), in time order,
    /// after `position`, at most `limit` (the caller filters by pattern).
    func groupEvents(
        accountId: String, region: String, group: String, streams: [String]?, start: Int64?, end: Int64?,
        after position: Position?, limit: Int
    ) async throws -> [StoredLogEvent] {
        var statement = TableStatement(
            "SELECT * FROM logs_events WHERE account_id = ? AND region = ? AND group_name = ?",
            [.text(accountId), .text(region), .text(group)])
        Self.window(&statement, start: start, end: end)
        if let streams {
            statement.text += " AND stream_name IN (\(streams.map { _ in "?" }.joined(separator: ", ")))"
            statement.binds += streams.map { .text($0) }
        }
        if let position {
            statement.text +=
                " AND (event_time > ? OR (event_time = ? AND (stream_name > ? OR (stream_name = ? AND sequence > ?))))"
            statement.binds += [
                .integer(position.timestamp), .integer(position.timestamp), .text(position.stream), .text(position.stream),
                .integer(position.sequence),
            ]
        }
        statement.text += " ORDER BY event_time, stream_name, sequence LIMIT ?"
        statement.binds.append(.integer(Int64(limit)))
        return try await tables.rows(statement).map(Self.event)
    }

    /// Deletes a group's events older than `cutoff` (retention); returns nothing, commits at once.
    func expire(accountId: String, region: String, group: String, before cutoff: Int64) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "DELETE FROM logs_events WHERE account_id = ? AND region = ? AND group_name = ? AND event_time < ?",
                    [.text(accountId), .text(region), .text(group), .integer(cutoff)]))
        }
    }

    // MARK: Rows

    private static func window(_ statement: inout TableStatement, start: Int64?, end: Int64?) {
        if let start {
            statement.text += " AND event_time >= ?"
            statement.binds.append(.integer(start))
        }
        if let end {
            statement.text += " AND event_time < ?"
            statement.binds.append(.integer(end))
        }
    }

    static func tagsText(_ tags: [String: String]) -> String {
        JSONValue.object(tags.mapValues { .string($0) }).jsonString
    }

    private static func group(_ row: any TableRow) throws -> LogGroup {
        let tagsText = try row.text("tags") ?? "{}"
        let parsed: JSONValue? = try? JSONParser.parse(Array(tagsText.utf8))
        let tags = parsed?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        return LogGroup(
            accountId: try row.text("account_id") ?? "", region: try row.text("region") ?? "", name: try row.text("name") ?? "",
            createdAt: try row.integer("created_at") ?? 0, retentionDays: try row.integer("retention_days").map { Int($0) },
            kmsKeyId: try row.text("kms_key_id"), logGroupClass: try row.text("log_group_class") ?? "STANDARD", tags: tags)
    }

    private static func stream(_ row: any TableRow) throws -> LogStream {
        LogStream(
            name: try row.text("name") ?? "", createdAt: try row.integer("created_at") ?? 0,
            firstEventAt: try row.integer("first_event_at"), lastEventAt: try row.integer("last_event_at"),
            lastIngestionAt: try row.integer("last_ingestion_at"), storedBytes: try row.integer("stored_bytes") ?? 0)
    }

    private static func event(_ row: any TableRow) throws -> StoredLogEvent {
        StoredLogEvent(
            stream: try row.text("stream_name") ?? "", timestamp: try row.integer("event_time") ?? 0,
            ingestionTime: try row.integer("ingestion_time") ?? 0, sequence: try row.integer("sequence") ?? 0,
            message: try row.text("message") ?? "")
    }
}
