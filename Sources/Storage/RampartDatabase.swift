import Foundation
public import Logging
public import RampartCore
public import SQLKit
import SQLiteKit
package import SQLiteNIO
import Synchronization

/// The one database a Rampart node keeps: SQLite in the data folder (PostgreSQL later), reached
/// through SQLKit so that store code is the same on both; the one exception is `insert`, the
/// audit trail's bulk insert, which binds SQLite values directly.
///
/// Writes are serialized and each `transaction` commits before it returns; with WAL and
/// `synchronous=FULL` an acknowledged change survives `kill -9` and power loss.
///
/// It knows no domain: the services' stores (`KMSStorage`, `IdentityStorage`, `AuditStorage`)
/// are built on it, and what one of them writes in every transaction (the trail's record of a
/// change) it adds through a `TransactionHook`.
public final class RampartDatabase: Sendable {
    public static let fileName = "rampart.sqlite"

    /// The database file.
    package let path: String
    /// The connection every write goes through, one transaction at a time.
    private let connection: SQLiteConnection
    /// The writer's SQLKit view, for work inside `transaction` (and migrations).
    package let writeSQL: any SQLDatabase
    /// A connection of its own for reads outside a transaction: with WAL it sees only committed
    /// data, so a read never sees another call's writes before they commit (on the writer's
    /// connection it would see a transaction in flight).
    private let readConnection: SQLiteConnection
    /// The SQLKit view for reads, for stores.
    public let sql: any SQLDatabase
    private let writeLock = AsyncLock()
    /// The store modules' hooks, one per type, in the order they were made.
    private let hooks = Mutex<[(type: ObjectIdentifier, hook: any TransactionHook)]>([])

    private init(path: String, connection: SQLiteConnection, readConnection: SQLiteConnection) {
        self.path = path
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
        let db = RampartDatabase(path: path, connection: connection, readConnection: readConnection)
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
    /// commits on return, rolls back on a throw. What the hooks add for the call that runs it
    /// (with `AuditStorage`: the call's audit record) is written in the same transaction.
    public func transaction<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let hooks = self.hooks.withLock { $0 }
        // Taken before the lock, so that preparing them (serializing a record) is not done under it.
        let riders = hooks.compactMap { $0.hook.rider() }
        return try await writeLock.withLock {
            try await writeSQL.raw("BEGIN IMMEDIATE").run()
            do {
                let result = try await body(writeSQL)
                for rider in riders { try await rider.write(in: self) }
                try await writeSQL.raw("COMMIT").run()
                for rider in riders { rider.committed() }
                return result
            } catch {
                try? await writeSQL.raw("ROLLBACK").run()
                for entry in hooks { entry.hook.rolledBack() }
                for rider in riders { rider.rolledBack() }
                throw error
            }
        }
    }

    /// The database's one hook of type `H`, made by `make` the first time a store asks for it;
    /// from then on every transaction consults it, and it is closed with the database.
    package func hook<H: TransactionHook>(_ make: () throws -> H) throws -> H {
        try hooks.withLock { hooks in
            if let found = hooks.first(where: { $0.type == ObjectIdentifier(H.self) })?.hook as? H { return found }
            let hook = try make()
            hooks.append((ObjectIdentifier(H.self), hook))
            return hook
        }
    }

    /// Runs `body` with the write lock held, for a store that writes through a connection of its
    /// own (the trail's group commits): serialized with every transaction, so SQLite's busy
    /// handler never waits.
    package func withWriteLock<T: Sendable>(_ body: () async throws -> T) async rethrows -> T {
        try await writeLock.withLock { try await body() }
    }

    /// Inserts `rows` (each one value per column) with a statement per `perStatement` rows,
    /// binding SQLite values directly: SQLKit's binds go through `Encodable`, and for the audit
    /// trail's thousands of rows a second that cost more than SQLite's own work. Call it only
    /// within `transaction`.
    package func insert(into table: String, columns: [String], rows: [[SQLiteData]], perStatement: Int) async throws {
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

    /// Closes the hooks, checkpoints the WAL and closes the connections.
    public func close() async throws {
        for entry in hooks.withLock({ $0 }) { await entry.hook.close() }
        try? await readConnection.close()
        try? await writeSQL.raw("PRAGMA wal_checkpoint(TRUNCATE)").run()
        try await connection.close()
    }
}
