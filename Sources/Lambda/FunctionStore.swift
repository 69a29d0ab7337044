import Foundation
import RampartCore

/// Functions, their code and their queued asynchronous invocations, in the module's own tables:
/// `lambda_functions` (one JSON document per function), `lambda_code` (each zip once, by its
/// SHA-256) and `lambda_async` (Event invocations waiting to run, durable across restarts).
struct FunctionStore: Sendable {
    let tables: any TableStore

    static let migrations = [
        SchemaMigration(
            module: "lambda", version: 1, name: "functions, code and queued invocations",
            statements: [
                """
                CREATE TABLE lambda_functions (
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    name TEXT NOT NULL,
                    document TEXT NOT NULL,
                    PRIMARY KEY (account_id, region, name))
                """,
                """
                CREATE TABLE lambda_code (
                    sha256 TEXT NOT NULL PRIMARY KEY,
                    zip BLOB NOT NULL)
                """,
                """
                CREATE TABLE lambda_async (
                    id TEXT NOT NULL PRIMARY KEY,
                    account_id TEXT NOT NULL,
                    region TEXT NOT NULL,
                    function_name TEXT NOT NULL,
                    qualifier TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    enqueued_at BIGINT NOT NULL,
                    attempts BIGINT NOT NULL,
                    next_at BIGINT NOT NULL)
                """,
                "CREATE INDEX lambda_async_by_time ON lambda_async (next_at)",
            ])
    ]

    private static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = .sortedKeys
        return e
    }()

    func function(accountId: String, region: String, name: String) async throws -> StoredFunction? {
        let rows = try await tables.rows(
            TableStatement(
                "SELECT document FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?",
                [.text(accountId), .text(region), .text(name)]))
        return try rows.first.map(Self.decode)
    }

    func functions(accountId: String, region: String) async throws -> [StoredFunction] {
        try await tables.rows(
            TableStatement(
                "SELECT document FROM lambda_functions WHERE account_id = ? AND region = ? ORDER BY name",
                [.text(accountId), .text(region)])
        ).map(Self.decode)
    }

    /// Adds a function and its code; false when one of that name exists.
    func create(_ function: StoredFunction, zip: [UInt8]) async throws -> Bool {
        let document = try Self.encode(function)
        return try await tables.transaction { t in
            let key: [TableValue] = [.text(function.accountId), .text(function.region), .text(function.name)]
            guard
                try await t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?", key)
                ).isEmpty
            else { return false }
            try await Self.putCode(t, sha256: function.latest.codeSha256, zip: zip)
            try await t.run(
                TableStatement(
                    "INSERT INTO lambda_functions (account_id, region, name, document) VALUES (?, ?, ?, ?)",
                    key + [.text(document)]))
            return true
        }
    }

    enum UpdateOutcome<T: Sendable>: Sendable {
        case done(T)
        case notFound
    }

    /// Reads, changes and writes one function in one transaction (and its new code, if any).
    func update<T: Sendable>(
        accountId: String, region: String, name: String, zip: [UInt8]? = nil,
        _ change: @Sendable (inout StoredFunction) throws -> T
    ) async throws -> UpdateOutcome<T> {
        try await tables.transaction { t in
            let key: [TableValue] = [.text(accountId), .text(region), .text(name)]
            guard
                let row = try await t.rows(
                    TableStatement(
                        "SELECT document FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?", key)
                ).first
            else { return .notFound }
            var function = try Self.decode(row)
            let result = try change(&function)
            if let zip { try await Self.putCode(t, sha256: function.latest.codeSha256, zip: zip) }
            try await t.run(
                TableStatement(
                    "UPDATE lambda_functions SET document = ? WHERE account_id = ? AND region = ? AND name = ?",
                    [.text(try Self.encode(function))] + key))
            return .done(result)
        }
    }

    func delete(accountId: String, region: String, name: String) async throws -> Bool {
        try await tables.transaction { t in
            let key: [TableValue] = [.text(accountId), .text(region), .text(name)]
            guard
                try await !t.rows(
                    TableStatement(
                        "SELECT 1 AS found FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?", key)
                ).isEmpty
            else { return false }
            try await t.run(
                TableStatement("DELETE FROM lambda_functions WHERE account_id = ? AND region = ? AND name = ?", key))
            try await t.run(
                TableStatement("DELETE FROM lambda_async WHERE account_id = ? AND region = ? AND function_name = ?", key))
            return true
        }
    }

    func code(sha256: String) async throws -> [UInt8]? {
        try await tables.rows(TableStatement("SELECT zip FROM lambda_code WHERE sha256 = ?", [.text(sha256)])).first?.blob(
            "zip")
    }

    private static func putCode(_ t: any TableTransaction, sha256: String, zip: [UInt8]) async throws {
        guard try await t.rows(TableStatement("SELECT 1 AS found FROM lambda_code WHERE sha256 = ?", [.text(sha256)])).isEmpty
        else { return }
        try await t.run(TableStatement("INSERT INTO lambda_code (sha256, zip) VALUES (?, ?)", [.text(sha256), .blob(zip)]))
    }

    // MARK: Queued invocations

    struct QueuedInvocation: Sendable {
        var id: String
        var accountId: String
        var region: String
        var functionName: String
        /// The version or alias named, or empty when the function was invoked unqualified.
        var qualifier: String
        var payload: [UInt8]
        var enqueuedAt: Int64
        var attempts: Int
        var nextAt: Int64
    }

    func enqueue(_ q: QueuedInvocation) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    """
                    INSERT INTO lambda_async (id, account_id, region, function_name, qualifier, payload, enqueued_at,
                    attempts, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(q.id), .text(q.accountId), .text(q.region), .text(q.functionName), .text(q.qualifier),
                        .blob(q.payload), .integer(q.enqueuedAt), .integer(Int64(q.attempts)), .integer(q.nextAt),
                    ]))
        }
    }

    /// Invocations due by `now`, oldest first.
    func due(now: Int64, limit: Int) async throws -> [QueuedInvocation] {
        try await tables.rows(
            TableStatement(
                "SELECT * FROM lambda_async WHERE next_at <= ? ORDER BY next_at, enqueued_at LIMIT ?",
                [.integer(now), .integer(Int64(limit))])
        ).map { row in
            QueuedInvocation(
                id: try row.text("id") ?? "", accountId: try row.text("account_id") ?? "", region: try row.text("region") ?? "",
                functionName: try row.text("function_name") ?? "", qualifier: try row.text("qualifier") ?? "",
                payload: try row.blob("payload") ?? [], enqueuedAt: try row.integer("enqueued_at") ?? 0,
                attempts: Int(try row.integer("attempts") ?? 0), nextAt: try row.integer("next_at") ?? 0)
        }
    }

    func reschedule(id: String, attempts: Int, nextAt: Int64) async throws {
        try await tables.transaction { t in
            try await t.run(
                TableStatement(
                    "UPDATE lambda_async SET attempts = ?, next_at = ? WHERE id = ?",
                    [.integer(Int64(attempts)), .integer(nextAt), .text(id)]))
        }
    }

    func finish(id: String) async throws {
        try await tables.transaction { t in
            try await t.run(TableStatement("DELETE FROM lambda_async WHERE id = ?", [.text(id)]))
        }
    }

    private static func encode(_ function: StoredFunction) throws -> String {
        String(decoding: try encoder.encode(function), as: UTF8.self)
    }

    private static func decode(_ row: any TableRow) throws -> StoredFunction {
        try JSONDecoder().decode(StoredFunction.self, from: Data((try row.text("document") ?? "").utf8))
    }
}
