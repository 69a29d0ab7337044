import Audit
import Foundation
public import Logging
public import RampartCore
public import SQLKit
import SQLiteKit
import SQLiteNIO
import Synchronization

/// The one database a Rampart node keeps: SQLite in the data folder (PostgreSQL later), reached
/// through SQLKit so that store code is the same on both; the one exception is `insert`, the
/// audit trail's bulk insert, which binds SQLite values directly.
///
/// Writes are serialized and each `transaction` commits before it returns; with WAL and
/// `synchronous=FULL` an acknowledged change survives `kill -9` and power loss.
public final class RampartDatabase: Sendable {
    public static let fileName = "rampart.sqlite"

    /// The connection every write goes through, one transaction at a time.
    private let connection: SQLiteConnection
    /// The writer's SQLKit view, for work inside `transaction` (and migrations).
    let writeSQL: any SQLDatabase
    /// A connection of its own for reads outside a transaction: with WAL it sees only committed
    /// data, so a read never sees another call's writes before they commit (on the writer's
    /// connection it would see a transaction in flight).
    private let readConnection: SQLiteConnection
    /// The SQLKit view for reads, for stores.
    public let sql: any SQLDatabase
    private let writeLock = AsyncLock()
    /// The ids of audit caller parts already stored, shared by both connections' writes.
    let auditCallerIds = AuditCallerIds()
    /// The trail's group commits, on a connection of their own; set once the schema is current.
    private let auditWriter = Mutex<AuditBatchWriter?>(nil)

    private init(connection: SQLiteConnection, readConnection: SQLiteConnection) {
        self.connection = connection
        self.writeSQL = connection.sql()
        self.readConnection = readConnection
        self.sql = readConnection.sql()
    }

    /// Opens (creating if needed) the database file and brings its schema up to date.
    ///
    /// `modules` are the services' own schema steps, each kept by its module name and version.
    public static func open(path: String, modules: [SchemaMigration] = [], logger: Logger) async throws -> RampartDatabase {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        let readConnection: SQLiteConnection
        do {
            readConnection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        } catch {
            try? await connection.close()
            throw error
        }
        let db = RampartDatabase(connection: connection, readConnection: readConnection)
        do {
            try await db.writeSQL.raw("PRAGMA journal_mode=WAL").run()
            try await db.writeSQL.raw("PRAGMA synchronous=FULL").run()
            try await db.writeSQL.raw("PRAGMA foreign_keys=ON").run()
            try await db.writeSQL.raw("PRAGMA busy_timeout=10000").run()
            // Checkpoint every 4,000 pages (16 MiB) rather than 1,000: the trail rewrites the same
            // index and table tail pages in every group commit, and a checkpoint copies each once.
            try await db.writeSQL.raw("PRAGMA wal_autocheckpoint=4000").run()
            try await db.sql.raw("PRAGMA busy_timeout=10000").run()
            try await Migrations.run(on: db, modules: modules)
            let writer = try AuditBatchWriter(path: path)
            db.auditWriter.withLock { $0 = writer }
        } catch {
            try? await readConnection.close()
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
            try await writeSQL.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(writeSQL)
                if let record { try await SQLAuditStore.insert([record], into: self) }
                try await writeSQL.raw("COMMIT").run()
                if record != nil { pending?.committed() }
                return result
            } catch {
                try? await writeSQL.raw("ROLLBACK").run()
                auditCallerIds.forget()
                if record != nil { pending?.rolledBack() }
                throw error
            }
        }
    }

    /// Inserts `rows` (each one value per column) with a statement per `perStatement` rows,
    /// binding SQLite values directly: SQLKit's binds go through `Encodable`, and for the audit
    /// trail's thousands of rows a second that cost more than SQLite's own work. Call it only
    /// within `transaction`.
    func insert(into table: String, columns: [String], rows: [[SQLiteData]], perStatement: Int) async throws {
        let placeholders = "(" + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")"
        let head = "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES "
        var start = 0
        while start < rows.count {
            let end = min(rows.count, start + perStatement)
            let statement = head + Array(repeating: placeholders, count: end - start).joined(separator: ", ")
            var binds: [SQLiteData] = []
            binds.reserveCapacity((end - start) * columns.count)
            for row in rows[start..<end] { binds.append(contentsOf: row) }
            try await connection.query(statement, binds) { _ in }
            start = end
        }
    }

    /// Appends audit events in a transaction of their own, serialized with every other write.
    func appendAudit(_ batch: AuditEventBatch) async throws {
        guard let writer = auditWriter.withLock({ $0 }) else { throw StorageError("the database is closed") }
        try await writeLock.withLock { try await writer.append(batch, callerIds: auditCallerIds) }
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
        await auditWriter.withLock { w -> AuditBatchWriter? in
            defer { w = nil }
            return w
        }?.close()
        try? await readConnection.close()
        try? await writeSQL.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
        try await connection.close()
    }
}
