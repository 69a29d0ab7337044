import VaporCSQLite

/// A SQLite connection used through SQLite's own API, for the one write path where binding
/// through SQLiteNIO costs more than SQLite's work: the trail's group commit. Not thread-safe:
/// its owner uses it from one thread at a time.
package final class SQLiteHandle {
    private var db: OpaquePointer?

    package init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
        let code = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard code == SQLITE_OK else {
            let message = db.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "code \(code)"
            sqlite_nio_sqlite3_close(db)
            throw StorageError("opening the database file failed: \(message)")
        }
    }

    deinit {
        sqlite_nio_sqlite3_close_v2(db)
    }

    /// Runs SQL that returns no rows.
    package func execute(_ sql: String) throws {
        let code = sqlite_nio_sqlite3_exec(db, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code) }
    }

    package func prepare(_ sql: String) throws -> Statement {
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code) }
        return Statement(handle: statement, connection: self)
    }

    fileprivate func error(_ code: Int32) -> StorageError {
        StorageError("SQLite error \(code): \(String(cString: sqlite_nio_sqlite3_errmsg(db)))")
    }

    /// A prepared statement, reused: bind, `step`, and it is reset for the next use.
    package final class Statement {
        private let handle: OpaquePointer
        private unowned let connection: SQLiteHandle

        fileprivate init(handle: OpaquePointer, connection: SQLiteHandle) {
            self.handle = handle
            self.connection = connection
        }

        deinit {
            sqlite_nio_sqlite3_finalize(handle)
        }

        /// Binds parameter `index` (from 1) to UTF-8 bytes as text, copied by SQLite; nil binds NULL.
        package func bind(_ index: Int32, text bytes: UnsafeRawBufferPointer?) {
            guard let bytes else { return bindNull(index) }
            bindText(index, bytes)
        }

        private func bindText(_ index: Int32, _ bytes: UnsafeRawBufferPointer) {
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            if let base = bytes.baseAddress {
                _ = sqlite_nio_sqlite3_bind_text64(
                    handle, index, base.assumingMemoryBound(to: CChar.self), UInt64(bytes.count), transient, UInt8(SQLITE_UTF8))
            } else {
                _ = sqlite_nio_sqlite3_bind_text64(handle, index, "", 0, transient, UInt8(SQLITE_UTF8))
            }
        }

        package func bind(_ index: Int32, _ value: Int64?) {
            guard let value else { return bindNull(index) }
            sqlite_nio_sqlite3_bind_int64(handle, index, value)
        }

        package func bind(_ index: Int32, _ value: Double) {
            sqlite_nio_sqlite3_bind_double(handle, index, value)
        }

        package func bindNull(_ index: Int32) {
            sqlite_nio_sqlite3_bind_null(handle, index)
        }

        /// Runs the statement to its first row, or to its end; returns the first column of that
        /// row as an integer, nil when there is none. Resets the statement either way.
        @discardableResult
        package func step() throws -> Int64? {
            defer {
                sqlite_nio_sqlite3_reset(handle)
                sqlite_nio_sqlite3_clear_bindings(handle)
            }
            switch sqlite_nio_sqlite3_step(handle) {
            case SQLITE_ROW: return sqlite_nio_sqlite3_column_int64(handle, 0)
            case SQLITE_DONE: return nil
            case let code: throw connection.error(code)
            }
        }
    }
}
