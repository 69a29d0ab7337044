import AWSProtocol
import Audit
import AuditStorage
import Foundation
import Logging
import Storage
import Synchronization
import Testing

/// Collects what it is handed.
final class CollectingSubscriber: TrailSubscriber {
    let name: String
    let received = Mutex<[String]>([])
    let failing = Mutex(false)

    /// Whether it asks for read-only records.
    let readOnly = Mutex(true)

    init(name: String = "test") { self.name = name }

    func wantsReadOnlyRecords() async -> Bool { readOnly.withLock { $0 } }

    struct Refused: Error {}

    func deliver(_ events: [CloudTrailEvent]) async throws {
        if failing.withLock({ $0 }) { throw Refused() }
        received.withLock { $0 += events.map(\.eventId) }
    }

    var ids: [String] { received.withLock { $0 } }
}

@Suite("The trail's subscriber hook")
struct TrailSubscriberTests {
    static func call(_ name: String) -> AuditedCall {
        AuditTransactionTests.event(name)
    }

    @Test("Subscribers get committed records in commit order, from where they stood")
    func commitOrderAndCursor() async throws {
        let path = try ModuleStorageTests.path()
        var db = try await RampartDatabase.open(path: path, logger: Logger(label: "t"))
        var trail = try AuditTrail(store: SQLAuditStore(database: db), logger: Logger(label: "t"))
        // Before the subscriber first runs: not delivered (it starts at the newest record).
        await trail.record(CloudTrailEvent(Self.call("Before"), eventId: "e-0"), durable: true)
        let subscriber = CollectingSubscriber()
        trail.subscribe(subscriber)
        await trail.deliver()
        #expect(subscriber.ids.isEmpty)
        for i in 1...3 { await trail.record(CloudTrailEvent(Self.call("Change"), eventId: "e-\(i)"), durable: true) }
        await trail.record(Self.call("Read"), eventId: "e-4")
        // Not committed yet (group commit pending): not delivered.
        await trail.deliver()
        #expect(subscriber.ids == ["e-1", "e-2", "e-3"])
        await trail.flush()
        await trail.deliver()
        #expect(subscriber.ids == ["e-1", "e-2", "e-3", "e-4"])

        // The server stops without a word (as under kill -9): the cursor is in the store. A new
        // server's subscriber of the same name resumes after e-4, and takes what came since.
        try await db.close()
        db = try await RampartDatabase.open(path: path, logger: Logger(label: "t"))
        trail = try AuditTrail(store: SQLAuditStore(database: db), logger: Logger(label: "t"))
        await trail.record(CloudTrailEvent(Self.call("After"), eventId: "e-5"), durable: true)
        let again = CollectingSubscriber()
        trail.subscribe(again)
        await trail.deliver()
        #expect(again.ids == ["e-5"])
        try await db.close()
    }

    @Test("A change's record is delivered only once its outcome is recorded")
    func waitsForTheOutcome() async throws {
        let db = try await RampartDatabase.open(path: try ModuleStorageTests.path(), logger: Logger(label: "t"))
        let store = try SQLAuditStore(database: db)
        let trail = AuditTrail(store: store, logger: Logger(label: "t"))
        let subscriber = CollectingSubscriber()
        trail.subscribe(subscriber)
        await trail.deliver()
        // A change's record commits with the change, before the call has its outcome.
        let pending = PendingAuditRecord(CloudTrailEvent(Self.call("DisableKey"), eventId: "e-1"))
        trail.track(pending)
        try await PendingAuditRecord.$current.withValue(pending) {
            try await db.transaction { _ in }
        }
        #expect(pending.isCommitted)
        await trail.record(CloudTrailEvent(Self.call("Later"), eventId: "e-2"), durable: true)
        await trail.deliver()
        // Neither: e-2 waits behind e-1, to keep the order.
        #expect(subscriber.ids.isEmpty)
        var done = Self.call("DisableKey")
        done.errorCode = "DisabledException"
        await trail.finish(pending, as: CloudTrailEvent(done, eventId: "e-1"))
        await trail.deliver()
        #expect(subscriber.ids == ["e-1", "e-2"])
        let delivered = try await store.events(after: 0, limit: 10, changesOnly: false)
        #expect(delivered.first?.event.record["errorCode"] == "DisabledException")
        try await db.close()
    }

    @Test("A subscriber that wants no read-only records gets changes only, and moves past the rest")
    func changesOnly() async throws {
        let db = try await RampartDatabase.open(path: try ModuleStorageTests.path(), logger: Logger(label: "t"))
        let trail = try AuditTrail(store: SQLAuditStore(database: db), logger: Logger(label: "t"))
        let subscriber = CollectingSubscriber()
        subscriber.readOnly.withLock { $0 = false }
        trail.subscribe(subscriber)
        await trail.deliver()
        var read = Self.call("Decrypt")
        read.readOnly = true
        await trail.record(read, eventId: "r-1")
        await trail.record(CloudTrailEvent(Self.call("DisableKey"), eventId: "c-1"), durable: true)
        await trail.record(read, eventId: "r-2")
        await trail.flush()
        await trail.deliver()
        #expect(subscriber.ids == ["c-1"])
        // Read-only records the subscriber passed over are not handed to it later; the next
        // change is, and once it asks for read-only records again, it gets them.
        subscriber.readOnly.withLock { $0 = true }
        await trail.deliver()
        #expect(subscriber.ids == ["c-1"])
        await trail.record(read, eventId: "r-3")
        await trail.record(CloudTrailEvent(Self.call("EnableKey"), eventId: "c-2"), durable: true)
        await trail.flush()
        await trail.deliver()
        #expect(subscriber.ids == ["c-1", "c-2", "r-3"] || subscriber.ids == ["c-1", "r-3", "c-2"])
        try await db.close()
    }

    @Test("A subscriber that fails gets the same records again")
    func retriesAfterAFailure() async throws {
        let db = try await RampartDatabase.open(path: try ModuleStorageTests.path(), logger: Logger(label: "t"))
        let trail = try AuditTrail(store: SQLAuditStore(database: db), logger: Logger(label: "t"))
        let subscriber = CollectingSubscriber()
        trail.subscribe(subscriber)
        await trail.deliver()
        await trail.record(CloudTrailEvent(Self.call("A"), eventId: "e-1"), durable: true)
        subscriber.failing.withLock { $0 = true }
        await trail.deliver()
        subscriber.failing.withLock { $0 = false }
        await trail.deliver()
        #expect(subscriber.ids == ["e-1"])
        try await db.close()
    }
}
