import Audit
import Foundation
public import Logging
import RampartCore
public import SQLKit
import SQLiteKit
import SQLiteNIO

/// The one database a Rampart node keeps: SQLite in the data folder (PostgreSQL later), reached
/// only through SQLKit so that store code is the same on both.
///
/// Writes are serialized and each `transaction` commits before it returns; with WAL and
/// `synchronous=FULL` an acknowledged change survives `kill -9` and power loss.
public final class RampartDatabase: Sendable {
    public static let fileName = "rampart.sqlite"

    private let connection: SQLiteConnection
    /// The SQLKit view of the connection, for stores.
    public let sql: any SQLDatabase
    private let writeLock = AsyncLock()

    private init(connection: SQLiteConnection, logger: Logger) {
        self.connection = connection
        self.sql = connection.sql()
    }

    /// Opens (creating if needed) the database file and brings its schema up to date.
    public static func open(path: String, logger: Logger) async throws -> RampartDatabase {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let db = RampartDatabase(connection: connection, logger: logger)
        do {
            try await db.sql.raw("PRAGMA journal_mode=WAL").run()
            try await db.sql.raw("PRAGMA synchronous=FULL").run()
            try await db.sql.raw("PRAGMA foreign_keys=ON").run()
            try await db.sql.raw("PRAGMA busy_timeout=10000").run()
            try await Migrations.run(on: db)
        } catch {
            try? await connection.close()
            throw error
        }
        // The file holds sealed secrets only, but it is nobody else's business either.
        chmod(path, 0o600)
        return db
    }

    /// Runs `body` in one transaction, serialized with every other write of this process;
    /// commits on return, rolls back on a throw. A change made on behalf of a call carries the
    /// call's audit record (`PendingAuditRecord.current`) in the same transaction.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let pending = PendingAuditRecord.current
        let record = pending?.take().map(SQLAuditStore.Row.init)
        return try await writeLock.withLock {
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(sql)
                if let record { try await SQLAuditStore.insert([record], into: sql) }
                try await sql.raw("COMMIT").run()
                if record != nil { pending?.committed() }
                return result
            } catch {
                try? await sql.raw("ROLLBACK").run()
                if record != nil { pending?.rolledBack() }
                throw error
            }
        }
    }

    /// Runs `PRAGMA integrity_check`; true when SQLite finds nothing wrong.
    public func integrityCheck() async throws -> Bool {
        let rows = try await sql.raw("PRAGMA integrity_check").all()
        return rows.count == 1 && (try? rows[0].decode(column: "integrity_check", as: String.self)) == "ok"
    }

    /// A value from the meta table.
    public func meta(_ name: String) async throws -> [UInt8]? {
        let row = try await sql.raw("SELECT value FROM rampart_meta WHERE name = \(bind: name)").first()
        return try row?.decode(column: "value", as: [UInt8].self)
    }

    public func setMeta(_ name: String, _ value: [UInt8]) async throws {
        try await transaction { db in
            try await db.raw("DELETE FROM rampart_meta WHERE name = \(bind: name)").run()
            try await db.raw("INSERT INTO rampart_meta (name, value) VALUES (\(bind: name), \(bind: value))").run()
        }
    }

    /// Checkpoints the WAL and closes the connection.
    public func close() async throws {
        try? await sql.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
        try await connection.close()
    }
}
