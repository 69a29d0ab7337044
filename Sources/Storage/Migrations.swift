import Foundation
import SQLKit

/// The schema, as numbered steps applied once each, in order, at start.
///
/// A database whose newest step is beyond the ones this build knows was written by a newer
/// Rampart; it is refused rather than guessed at.
enum Migrations {
    struct Step: Sendable {
        let version: Int
        let name: String
        let statements: [String]
    }

    static let steps: [Step] = [
        Step(
            version: 1, name: "foundation",
            statements: [
                "CREATE TABLE rampart_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
                "CREATE TABLE accounts (account_id TEXT PRIMARY KEY, created_at DOUBLE PRECISION NOT NULL)",
                """
                CREATE TABLE access_keys (
                    access_key_id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL REFERENCES accounts(account_id),
                    user_name TEXT,
                    sealed_secret BLOB NOT NULL,
                    status TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL)
                """,
                "CREATE INDEX access_keys_by_account ON access_keys (account_id, user_name)",
            ]),
        Step(
            version: 2, name: "kms-keys",
            statements: [
                """
                CREATE TABLE kms_keys (
                    key_id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    document TEXT NOT NULL)
                """,
                "CREATE INDEX kms_keys_by_owner ON kms_keys (account_id, region)",
                """
                CREATE TABLE kms_key_materials (
                    key_id TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
                    material_id TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    PRIMARY KEY (key_id, material_id))
                """,
                """
                CREATE TABLE kms_aliases (
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    alias_name TEXT NOT NULL,
                    target_key_id TEXT NOT NULL,
                    created_at DOUBLE PRECISION NOT NULL,
                    updated_at DOUBLE PRECISION NOT NULL,
                    PRIMARY KEY (account_id, region, alias_name))
                """,
            ]),
        Step(
            version: 3, name: "iam-users-and-policies",
            statements: [
                """
                CREATE TABLE iam_users (
                    account_id TEXT NOT NULL,
                    user_name TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (account_id, user_name))
                """,
                """
                CREATE TABLE iam_inline_policies (
                    account_id TEXT NOT NULL,
                    owner_kind TEXT NOT NULL,
                    owner_name TEXT NOT NULL,
                    policy_name TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (account_id, owner_kind, owner_name, policy_name))
                """,
            ]),
        Step(
            version: 4, name: "kms-grants",
            statements: [
                """
                CREATE TABLE kms_grants (
                    grant_id TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL,
                    document TEXT NOT NULL)
                """,
                "CREATE INDEX kms_grants_by_key ON kms_grants (key_id)",
            ]),
        Step(
            version: 5, name: "audit-trail",
            statements: [
                """
                CREATE TABLE audit_events (
                    event_id TEXT PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    event_time DOUBLE PRECISION NOT NULL,
                    event_name TEXT NOT NULL,
                    event_source TEXT NOT NULL,
                    read_only INTEGER NOT NULL,
                    username TEXT,
                    access_key_id TEXT,
                    record TEXT NOT NULL)
                """,
                "CREATE INDEX audit_events_by_time ON audit_events (account_id, region, event_time)",
                """
                CREATE TABLE audit_resources (
                    event_id TEXT NOT NULL REFERENCES audit_events(event_id) ON DELETE CASCADE,
                    resource_type TEXT NOT NULL,
                    resource_name TEXT NOT NULL)
                """,
                "CREATE INDEX audit_resources_by_name ON audit_resources (resource_name)",
                "CREATE INDEX audit_resources_by_event ON audit_resources (event_id)",
            ]),
        Step(
            version: 6, name: "cloudtrail-trails",
            statements: [
                """
                CREATE TABLE audit_trails (
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (account_id, region, name))
                """
            ]),
        Step(
            version: 7, name: "kms-import-tokens",
            statements: [
                """
                CREATE TABLE kms_import_tokens (
                    token_hash TEXT PRIMARY KEY,
                    key_id TEXT NOT NULL REFERENCES kms_keys(key_id) ON DELETE CASCADE,
                    algorithm TEXT NOT NULL,
                    sealed BLOB NOT NULL,
                    valid_to DOUBLE PRECISION NOT NULL)
                """
            ]),
        Step(
            version: 8, name: "iam-entities",
            statements: [
                """
                CREATE TABLE iam_entities (
                    account_id TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (account_id, kind, name))
                """
            ]),
        Step(
            // An event's first resource (most have one: the key) moves into the event's own row,
            // so recording an event is one row and one resource index entry, not two rows and
            // four index entries; audit_resources keeps only further resources.
            version: 9, name: "audit-resource-in-event",
            statements: [
                "ALTER TABLE audit_events ADD COLUMN resource_type TEXT",
                "ALTER TABLE audit_events ADD COLUMN resource_name TEXT",
                """
                UPDATE audit_events SET resource_name =
                    (SELECT MIN(r.resource_name) FROM audit_resources r WHERE r.event_id = audit_events.event_id)
                """,
                """
                UPDATE audit_events SET resource_type =
                    (SELECT MIN(r.resource_type) FROM audit_resources r
                     WHERE r.event_id = audit_events.event_id AND r.resource_name = audit_events.resource_name)
                """,
                """
                DELETE FROM audit_resources WHERE resource_name =
                    (SELECT e.resource_name FROM audit_events e WHERE e.event_id = audit_resources.event_id)
                """,
                "CREATE INDEX audit_events_by_resource ON audit_events (resource_name) WHERE resource_name IS NOT NULL",
            ]),
        Step(
            // Pruning past retention reads events by age alone, across accounts and regions:
            // without this index each prune scanned the whole table (seconds, once a minute, with
            // the write lock held, at a million events).
            version: 10, name: "audit-events-by-age",
            statements: ["CREATE INDEX audit_events_by_age ON audit_events (event_time)"]),
        Step(
            // Who called and from where (user identity, user agent, address, TLS) is the same
            // for a caller's calls: kept once, and each event names it, so an event stores only
            // what is particular to its call. Events stored before keep their whole record.
            version: 11, name: "audit-callers",
            statements: [
                "CREATE TABLE audit_callers (id INTEGER PRIMARY KEY, part TEXT NOT NULL UNIQUE)",
                "ALTER TABLE audit_events ADD COLUMN caller_id INTEGER",
            ]),
        Step(
            // Events are appended in the order they happen, give or take a group commit, so
            // pruning walks them in row order (`SQLAuditStore.prune`) and the age index, one
            // more B-tree written with every record, is not needed.
            version: 12, name: "audit-prune-in-row-order",
            statements: ["DROP INDEX audit_events_by_age"]),
    ]

    static func run(on db: RampartDatabase) async throws {
        try await db.sql.raw(
            "CREATE TABLE IF NOT EXISTS rampart_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at DOUBLE PRECISION NOT NULL)"
        ).run()
        let rows = try await db.sql.raw("SELECT version FROM rampart_migrations").all()
        let applied = Set(try rows.map { try $0.decode(column: "version", as: Int.self) })
        let newest = steps.map(\.version).max() ?? 0
        if let beyond = applied.max(), beyond > newest {
            throw StorageError(
                "the store was written by a newer Rampart (schema version \(beyond), this build knows up to \(newest)): run that version or newer"
            )
        }
        for step in steps where !applied.contains(step.version) {
            try await db.transaction { sql in
                for statement in step.statements {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.raw(
                    "INSERT INTO rampart_migrations (version, name, applied_at) VALUES (\(bind: step.version), \(bind: step.name), \(bind: Date().timeIntervalSince1970))"
                ).run()
            }
        }
    }
}

public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
