import Foundation
import RampartCore
import SQLKit

/// The schema, as numbered steps applied once each, in order, at start.
///
/// A database whose newest step is beyond the ones this build knows was written by a newer
/// Rampart; it is refused rather than guessed at.
enum Migrations {
    /// The store's own steps (module `core`): the tables of the services that came before
    /// modules had schemas of their own, the trail, and the shared document table.
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
        Step(
            // Trail subscribers (EventBridge, Config) read the trail in commit order; each keeps
            // the sequence (the row id) of the last record it has taken, so one that was down
            // resumes where it stopped.
            version: 13, name: "audit-subscriber-cursors",
            statements: [
                "CREATE TABLE audit_subscriber_cursors (name TEXT PRIMARY KEY, sequence BIGINT NOT NULL)"
            ]),
        Step(
            // One JSON document per row, for services whose records need no columns of their
            // own (`DocumentTable`): keyed by module, kind, owner (account and region) and id.
            version: 14, name: "documents",
            statements: [
                """
                CREATE TABLE rampart_documents (
                    module TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    id TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (module, kind, account_id, region, id))
                """
            ]),
        Step(
            // A trail's event selectors (PutEventSelectors), as JSON; NULL for AWS's default. A
            // column of their own rather than part of the trail's document, so that setting
            // them and starting or stopping logging, each a write of its own, never undo
            // each other.
            version: 15, name: "cloudtrail-event-selectors",
            statements: ["ALTER TABLE audit_trails ADD COLUMN event_selectors TEXT"]),
    ]

    /// The core steps as module steps.
    static var core: [SchemaMigration] {
        steps.map { SchemaMigration(module: "core", version: $0.version, name: $0.name, statements: $0.statements) }
    }

    /// Applies every step not applied yet: the core's first, then each module's, in version order.
    static func run(on db: RampartDatabase, modules: [SchemaMigration]) async throws {
        let sql = db.writeSQL
        try await sql.raw(
            """
            CREATE TABLE IF NOT EXISTS rampart_schema (
                module TEXT NOT NULL, version INTEGER NOT NULL, name TEXT NOT NULL,
                applied_at DOUBLE PRECISION NOT NULL, PRIMARY KEY (module, version))
            """
        ).run()
        try await adoptGlobalVersions(sql)
        let rows = try await sql.raw("SELECT module, version FROM rampart_schema").all()
        var applied: [String: Set<Int>] = [:]
        for row in rows {
            applied[try row.decode(column: "module", as: String.self), default: []].insert(
                try row.decode(column: "version", as: Int.self))
        }
        let all = core + modules
        let known = Dictionary(grouping: all, by: \.module)
        for (module, versions) in applied {
            let newest = known[module]?.map(\.version).max() ?? 0
            if let beyond = versions.max(), beyond > newest, known[module] != nil || module == "core" {
                throw StorageError(
                    "the store was written by a newer Rampart (module \(module) at schema version \(beyond), this build knows up to \(newest)): run that version or newer"
                )
            }
        }
        let ordered = core + modules.sorted { ($0.module, $0.version) < ($1.module, $1.version) }
        for step in ordered where !(applied[step.module]?.contains(step.version) ?? false) {
            try await db.transaction { sql in
                for statement in step.statements {
                    try await sql.raw(SQLQueryString(statement)).run()
                }
                try await sql.raw(
                    "INSERT INTO rampart_schema (module, version, name, applied_at) VALUES (\(bind: step.module), \(bind: step.version), \(bind: step.name), \(bind: Date().timeIntervalSince1970))"
                ).run()
            }
        }
    }

    /// Stores made before modules kept their own versions numbered every step globally, in
    /// `rampart_migrations`: those steps are the core's, under the same numbers.
    private static func adoptGlobalVersions(_ sql: any SQLDatabase) async throws {
        let table = try await sql.raw(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'rampart_migrations'"
        ).first()
        guard table != nil else { return }
        try await sql.raw(
            """
            INSERT INTO rampart_schema (module, version, name, applied_at)
            SELECT 'core', version, name, applied_at FROM rampart_migrations WHERE true
            ON CONFLICT (module, version) DO NOTHING
            """
        ).run()
        try await sql.raw("DROP TABLE rampart_migrations").run()
    }
}

public struct StorageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
