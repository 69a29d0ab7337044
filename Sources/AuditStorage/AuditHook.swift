import Audit
import Storage
import Synchronization

/// What the trail's store keeps once per database: it writes the record of a change in the
/// change's own transaction, remembers the ids of stored caller parts (shared by both
/// connections' writes), and holds the group-commit writer.
final class AuditHook: TransactionHook {
    let callerIds = AuditCallerIds()
    /// The group-commit writer: a connection of its own, opened with the hook (the schema is
    /// current by then), so that a store it cannot open for writing fails at start; nil once closed.
    private let groupWriter: Mutex<AuditBatchWriter?>

    init(path: String) throws {
        groupWriter = Mutex(try AuditBatchWriter(path: path))
    }

    /// The call's pending record (`PendingAuditRecord.current`), serialized, for the transaction
    /// about to begin; nil when there is none or another transaction carries it.
    func rider() -> (any TransactionRider)? {
        guard let pending = PendingAuditRecord.current, let event = pending.take() else { return nil }
        return Rider(pending: pending, row: SQLAuditStore.Row(event), callerIds: callerIds)
    }

    /// The ids a rolled-back transaction assigned are gone.
    func rolledBack() {
        callerIds.forget()
    }

    /// The group-commit writer. Call it only with the database's write lock held.
    func writer() throws -> AuditBatchWriter {
        guard let writer = groupWriter.withLock({ $0 }) else { throw StorageError("the database is closed") }
        return writer
    }

    func close() async {
        await groupWriter.withLock { writer -> AuditBatchWriter? in
            defer { writer = nil }
            return writer
        }?.close()
    }

    /// A change's record, written in the change's transaction.
    struct Rider: TransactionRider {
        let pending: PendingAuditRecord
        let row: SQLAuditStore.Row
        let callerIds: AuditCallerIds

        func write(in db: RampartDatabase) async throws {
            try await SQLAuditStore.insert([row], into: db, callerIds: callerIds)
        }

        func committed() { pending.committed() }
        func rolledBack() { pending.rolledBack() }
    }
}
