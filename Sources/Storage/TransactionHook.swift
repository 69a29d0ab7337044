/// What a store module adds to every write transaction of a database, and keeps once per
/// database: `AuditStorage`'s hook writes the record of the change a transaction makes in that
/// transaction (a change is never on disk without its record), and keeps the trail's
/// group-commit connection. A store asks for its hook with `RampartDatabase.hook(_:)`.
package protocol TransactionHook: AnyObject, Sendable {
    /// What the transaction about to begin must also write, or nil. Asked in the task that runs
    /// the transaction, before it waits for the write lock.
    func rider() -> (any TransactionRider)?

    /// A transaction rolled back, whether or not it carried a rider of this hook: whatever the
    /// hook remembers of rows written since it began is stale.
    func rolledBack()

    /// The database is closing: closes what the hook opened, before the database's own connections.
    func close() async
}

/// One transaction's extra write (`TransactionHook.rider()`).
package protocol TransactionRider: Sendable {
    /// Writes within the transaction, after its body, with the write lock held; a throw rolls
    /// the whole transaction back.
    func write(in db: RampartDatabase) async throws

    /// The transaction committed.
    func committed()

    /// The transaction rolled back.
    func rolledBack()
}
