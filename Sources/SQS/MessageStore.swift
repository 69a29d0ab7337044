import RampartCore

/// A message as kept: times are milliseconds on the service clock.
struct StoredMessage: Sendable {
    var id: String
    var body: String
    var md5OfBody: String
    /// The message attributes, as the JSON SQS answers them with.
    var attributes: String?
    var md5OfAttributes: String?
    var traceHeader: String?
    var senderId: String
    var sentAt: Int64
    var receiveCount: Int64
    var firstReceivedAt: Int64?
    var receiptToken: String?
    var deadLetterSource: String?
    /// For a queue with `KmsMasterKeyId`: the base64 ciphertext blob of the data key `body` is
    /// sealed under (`MessageSealing`), and the queue ARN it was made for (its encryption context).
    var dataKey: String? = nil
    var keyContext: String? = nil
}

/// How many messages a queue holds, by state, for GetQueueAttributes.
struct MessageCounts: Sendable {
    var visible = 0
    var inFlight = 0
    var delayed = 0
}

/// A queue's messages in the `sqs_messages` table: one row each, found by queue and the time it
/// becomes visible, so a receive reads only what it can take. Each change commits before it
/// returns (with the call's audit record).
struct MessageStore: Sendable {
    let tables: any TableStore

    static let migrations = [
        SchemaMigration(
            module: "sqs", version: 1, name: "messages",
            statements: [
                """
                CREATE TABLE sqs_messages (
                    queue_id TEXT NOT NULL,
                    message_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    md5_body TEXT NOT NULL,
                    attributes TEXT,
                    md5_attributes TEXT,
                    trace_header TEXT,
                    sender_id TEXT NOT NULL,
                    sent_at BIGINT NOT NULL,
                    visible_at BIGINT NOT NULL,
                    expires_at BIGINT NOT NULL,
                    receive_count BIGINT NOT NULL,
                    first_received_at BIGINT,
                    receipt_token TEXT,
                    dead_letter_source TEXT,
                    PRIMARY KEY (queue_id, message_id))
                """,
                "CREATE INDEX sqs_messages_by_visibility ON sqs_messages (queue_id, visible_at, sent_at)",
            ]),
        SchemaMigration(
            module: "sqs", version: 2, name: "sealed bodies",
            statements: [
                "ALTER TABLE sqs_messages ADD COLUMN data_key TEXT",
                "ALTER TABLE sqs_messages ADD COLUMN key_context TEXT",
            ]),
    ]

    /// Stores new messages, each visible at its own time.
    func send(queueId: String, _ messages: [(message: StoredMessage, visibleAt: Int64, expiresAt: Int64)]) async throws {
        try await tables.transaction { t in
            for (m, visibleAt, expiresAt) in messages {
                try await t.run(
                    TableStatement(
                        """
                        INSERT INTO sqs_messages (queue_id, message_id, body, md5_body, attributes, md5_attributes,
                        trace_header, sender_id, sent_at, visible_at, expires_at, receive_count, data_key, key_context)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                        """,
                        [
                            .text(queueId), .text(m.id), .text(m.body), .text(m.md5OfBody), Self.text(m.attributes),
                            Self.text(m.md5OfAttributes), Self.text(m.traceHeader), .text(m.senderId), .integer(m.sentAt),
                            .integer(visibleAt), .integer(expiresAt), Self.text(m.dataKey), Self.text(m.keyContext),
                        ]))
            }
        }
    }

    /// The redrive a receive applies: messages received `maxReceiveCount` times move to the
    /// dead-letter queue (its id and retention) instead of being returned.
    struct Redrive: Sendable {
        var maxReceiveCount: Int
        var deadLetterQueueId: String
        var deadLetterRetentionMillis: Int64
        var sourceArn: String
    }

    /// Takes up to `limit` visible messages: drops expired ones, moves over-received ones to the
    /// dead-letter queue, and hides the rest for `visibilityMillis` under a new receipt token.
    /// Returns the messages and whether any moved.
    func receive(
        queueId: String, now: Int64, limit: Int, visibilityMillis: Int64, redrive: Redrive?,
        token: @escaping @Sendable () -> String
    ) async throws -> (messages: [StoredMessage], moved: Bool) {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "DELETE FROM sqs_messages WHERE queue_id = ? AND expires_at <= ?", [.text(queueId), .integer(now)]))
            var taken: [StoredMessage] = []
            var moved = false
            // Moved messages free their places: look again until the page is full or none is left.
            while taken.count < limit {
                let rows = try await t.rows(
                    TableStatement(
                        """
                        SELECT * FROM sqs_messages WHERE queue_id = ? AND visible_at <= ?
                        ORDER BY visible_at, sent_at, message_id LIMIT ?
                        """, [.text(queueId), .integer(now), .integer(Int64(limit - taken.count))]))
                if rows.isEmpty { break }
                for row in rows {
                    var m = try Self.message(row)
                    if let redrive, m.receiveCount >= Int64(redrive.maxReceiveCount) {
                        try await t.run(
                            TableStatement(
                                """
                                UPDATE sqs_messages SET queue_id = ?, visible_at = ?, expires_at = ?, receive_count = 0,
                                first_received_at = NULL, receipt_token = NULL, dead_letter_source = ?
                                WHERE queue_id = ? AND message_id = ?
                                """,
                                [
                                    .text(redrive.deadLetterQueueId), .integer(now),
                                    .integer(m.sentAt + redrive.deadLetterRetentionMillis), .text(redrive.sourceArn),
                                    .text(queueId), .text(m.id),
                                ]))
                        moved = true
                        continue
                    }
                    m.receiveCount += 1
                    m.firstReceivedAt = m.firstReceivedAt ?? now
                    m.receiptToken = token()
                    try await t.run(
                        TableStatement(
                            """
                            UPDATE sqs_messages SET visible_at = ?, receive_count = ?, first_received_at = ?, receipt_token = ?
                            WHERE queue_id = ? AND message_id = ?
                            """,
                            [
                                .integer(now + visibilityMillis), .integer(m.receiveCount), .integer(m.firstReceivedAt!),
                                .text(m.receiptToken!), .text(queueId), .text(m.id),
                            ]))
                    taken.append(m)
                }
            }
            return (taken, moved)
        }
    }

    /// When the next hidden message of the queue becomes visible, if any.
    func nextVisible(queueId: String, after now: Int64) async throws -> Int64? {
        let rows = try await tables.rows(
            TableStatement(
                "SELECT MIN(visible_at) AS next FROM sqs_messages WHERE queue_id = ? AND visible_at > ?",
                [.text(queueId), .integer(now)]))
        return try rows.first?.integer("next")
    }

    enum ReceiptOutcome: Sendable {
        case done
        /// The message exists but under another receipt (received again since), or is gone.
        case stale
        case notInFlight
    }

    /// Deletes the message if `token` is its latest receipt; a stale or unknown receipt is not
    /// an error (SQS answers success and keeps the message).
    func delete(queueId: String, messageId: String, token: String) async throws -> ReceiptOutcome {
        try await tables.transaction { t in
            let rows = try await t.rows(
                TableStatement(
                    "SELECT receipt_token FROM sqs_messages WHERE queue_id = ? AND message_id = ?",
                    [.text(queueId), .text(messageId)]))
            guard let row = rows.first, try row.text("receipt_token") == token else { return .stale }
            try await t.run(
                TableStatement(
                    "DELETE FROM sqs_messages WHERE queue_id = ? AND message_id = ?", [.text(queueId), .text(messageId)]))
            return .done
        }
    }

    /// Sets when the message becomes visible again, counted from `now`; only a message in flight
    /// under this receipt can be changed.
    func changeVisibility(
        queueId: String, messageId: String, token: String, now: Int64, visibilityMillis: Int64
    )
        async throws -> ReceiptOutcome
    {
        try await tables.transaction { t in
            let rows = try await t.rows(
                TableStatement(
                    "SELECT receipt_token, visible_at FROM sqs_messages WHERE queue_id = ? AND message_id = ?",
                    [.text(queueId), .text(messageId)]))
            guard let row = rows.first else { return .notInFlight }
            guard try row.text("receipt_token") == token else { return .stale }
            guard let visibleAt = try row.integer("visible_at"), visibleAt > now else { return .notInFlight }
            try await t.run(
                TableStatement(
                    "UPDATE sqs_messages SET visible_at = ? WHERE queue_id = ? AND message_id = ?",
                    [.integer(now + visibilityMillis), .text(queueId), .text(messageId)]))
            return .done
        }
    }

    func purge(queueId: String) async throws {
        try await tables.transaction { t in
            try await t.run(TableStatement("DELETE FROM sqs_messages WHERE queue_id = ?", [.text(queueId)]))
        }
    }

    func counts(queueId: String, now: Int64) async throws -> MessageCounts {
        let rows = try await tables.rows(
            TableStatement(
                """
                SELECT
                  SUM(CASE WHEN visible_at <= ? THEN 1 ELSE 0 END) AS visible,
                  SUM(CASE WHEN visible_at > ? AND receive_count > 0 THEN 1 ELSE 0 END) AS in_flight,
                  SUM(CASE WHEN visible_at > ? AND receive_count = 0 THEN 1 ELSE 0 END) AS delayed
                FROM sqs_messages WHERE queue_id = ? AND expires_at > ?
                """, [.integer(now), .integer(now), .integer(now), .text(queueId), .integer(now)]))
        guard let row = rows.first else { return MessageCounts() }
        return MessageCounts(
            visible: Int(try row.integer("visible") ?? 0), inFlight: Int(try row.integer("in_flight") ?? 0),
            delayed: Int(try row.integer("delayed") ?? 0))
    }

    private static func text(_ value: String?) -> TableValue { value.map(TableValue.text) ?? .null }

    private static func message(_ row: any TableRow) throws -> StoredMessage {
        StoredMessage(
            id: try row.text("message_id") ?? "", body: try row.text("body") ?? "", md5OfBody: try row.text("md5_body") ?? "",
            attributes: try row.text("attributes"), md5OfAttributes: try row.text("md5_attributes"),
            traceHeader: try row.text("trace_header"), senderId: try row.text("sender_id") ?? "",
            sentAt: try row.integer("sent_at") ?? 0, receiveCount: try row.integer("receive_count") ?? 0,
            firstReceivedAt: try row.integer("first_received_at"), receiptToken: try row.text("receipt_token"),
            deadLetterSource: try row.text("dead_letter_source"), dataKey: try row.text("data_key"),
            keyContext: try row.text("key_context"))
    }
}
