import AWSProtocol
import Foundation
import KeyVault
import RampartCore

/// One message on its way to one subscription endpoint (or a confirmation to an HTTP endpoint).
/// Its body is final (signed when it is an envelope), so a retry sends the same bytes.
struct Delivery: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case sqs, http, lambda
    }

    var kind: Kind
    var subscriptionArn: String
    var topicArn: String
    var messageId: String
    /// The queue ARN, the URL, or the function ARN.
    var target: String
    var body: String
    /// For HTTP: the x-amz-sns-* headers and Content-Type.
    var headers: [String: String] = [:]
    /// For raw SQS delivery: the message attributes.
    var attributes: [String: MessageAttribute] = [:]
    var retryPolicy: DeliveryPolicy?
    /// The subscription's dead-letter queue (RedrivePolicy), for what cannot be delivered.
    var deadLetterArn: String?
    /// The topic's account, for `aws:SourceAccount`.
    var topicAccount: String
    var region: String
}

/// Deliveries not yet made, in the `sns_outbox` table: a Publish commits its deliveries before it
/// answers, and the delivery loop removes each once made or given up, so a `kill -9` loses none.
/// Deliveries for encrypted topics are kept sealed by the root key.
struct Outbox: Sendable {
    let tables: any TableStore
    let vault: KeyVault

    static let migrations = [
        SchemaMigration(
            module: "sns", version: 1, name: "outbox",
            statements: [
                """
                CREATE TABLE sns_outbox (
                    id TEXT NOT NULL PRIMARY KEY,
                    due_at BIGINT NOT NULL,
                    attempts BIGINT NOT NULL,
                    sealed BIGINT NOT NULL,
                    claimed BIGINT NOT NULL DEFAULT 0,
                    delivery TEXT NOT NULL)
                """,
                "CREATE INDEX sns_outbox_by_due ON sns_outbox (due_at)",
            ])
    ]

    static let vaultContext = "sns:outbox"

    struct Pending: Sendable {
        var id: String
        var attempts: Int
        var delivery: Delivery
    }

    /// Stores deliveries, due now, in one transaction.
    func add(_ deliveries: [Delivery], sealed: Bool, now: Int64) async throws {
        guard !deliveries.isEmpty else { return }
        var rows: [TableStatement] = []
        for delivery in deliveries {
            let json = try JSONEncoder().encode(delivery)
            let text =
                sealed
                ? Base64.encode(try vault.seal(json, context: Self.vaultContext)) : String(decoding: json, as: UTF8.self)
            rows.append(
                TableStatement(
                    "INSERT INTO sns_outbox (id, due_at, attempts, sealed, delivery) VALUES (?, ?, 0, ?, ?)",
                    [.text(UUIDText.random()), .integer(now), .integer(sealed ? 1 : 0), .text(text)]))
        }
        let statements = rows
        try await tables.transaction { t in
            for statement in statements { try await t.run(statement) }
        }
    }

    /// Up to `limit` deliveries due at `now`, soonest first.
    func due(now: Int64, limit: Int) async throws -> [Pending] {
        let rows = try await tables.rows(
            TableStatement(
                "SELECT id, attempts, sealed, delivery FROM sns_outbox WHERE due_at <= ? ORDER BY due_at, id LIMIT ?",
                [.integer(now), .integer(Int64(limit))]))
        var out: [Pending] = []
        for row in rows {
            guard let id = try row.text("id"), let text = try row.text("delivery") else { continue }
            let json: [UInt8]
            if try row.integer("sealed") == 1 {
                guard let sealed = Base64.decode(text) else { continue }
                json = try vault.open(sealed, context: Self.vaultContext).copyBytes()
            } else {
                json = Array(text.utf8)
            }
            guard let delivery = try? JSONDecoder().decode(Delivery.self, from: Data(json)) else {
                try await remove(id)
                continue
            }
            out.append(Pending(id: id, attempts: Int(try row.integer("attempts") ?? 0), delivery: delivery))
        }
        return out
    }

    /// Takes a due delivery for `leaseMillis`: false when it is gone or no longer due (another
    /// pass, or another server, took or finished it). A delivery whose sender dies is due again
    /// when the lease ends.
    func claim(_ id: String, now: Int64, leaseMillis: Int64) async throws -> Bool {
        try await tables.transaction { t in
            let rows = try await t.rows(TableStatement("SELECT due_at FROM sns_outbox WHERE id = ?", [.text(id)]))
            guard let dueAt = try rows.first?.integer("due_at"), dueAt <= now else { return false }
            try await t.run(
                TableStatement(
                    "UPDATE sns_outbox SET due_at = ?, claimed = 1 WHERE id = ?", [.integer(now + leaseMillis), .text(id)]))
            return true
        }
    }

    /// Makes the deliveries a stopped (or killed) server had under way due now, when the
    /// delivery loop starts.
    func releaseClaims(now: Int64) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement("UPDATE sns_outbox SET due_at = ?, claimed = 0 WHERE claimed = 1", [.integer(now)]))
        }
    }

    func remove(_ id: String) async throws {
        try await tables.transaction { t in
            try await t.run(TableStatement("DELETE FROM sns_outbox WHERE id = ?", [.text(id)]))
        }
    }

    func retry(_ id: String, attempts: Int, at dueAt: Int64) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "UPDATE sns_outbox SET attempts = ?, due_at = ?, claimed = 0 WHERE id = ?",
                    [.integer(Int64(attempts)), .integer(dueAt), .text(id)]))
        }
    }
}
