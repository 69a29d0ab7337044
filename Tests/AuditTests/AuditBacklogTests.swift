import AWSProtocol
import Audit
import Foundation
import Logging
import Synchronization
import Testing

/// An audit store whose writes fail while `failing` is set.
final class FlakyAuditStore: AuditStore {
    let failing = Mutex(true)
    let stored = Mutex(0)

    struct Down: Error {}

    func append(_ batch: AuditEventBatch) async throws {
        if failing.withLock({ $0 }) { throw Down() }
        stored.withLock { $0 += batch.count }
    }
    func amend(_ event: CloudTrailEvent) async throws {}
    func lookup(
        accountId: String, region: String, attribute: LookupAttribute?, start: Date?, end: Date?, after cursor: LookupCursor?,
        limit: Int
    ) async throws -> [CloudTrailEvent] { [] }
    func allEvents() async throws -> [CloudTrailEvent] { [] }
    func prune(before date: Date) async throws -> Int { 0 }
    func events(after sequence: Int64, limit: Int, changesOnly: Bool) async throws -> [SequencedEvent] { [] }
    func latestSequence() async throws -> Int64 { 0 }
    func subscriberCursor(_ name: String) async throws -> Int64? { nil }
    func setSubscriberCursor(_ name: String, to sequence: Int64) async throws {}
    func trails(accountId: String) async throws -> [CloudTrailTrail] { [] }
    func putTrail(_ trail: CloudTrailTrail) async throws {}
    func putEventSelectors(
        _ selectors: TrailEventSelectors, accountId: String, region: String, name: String
    )
        async throws -> Bool
    { false }
    func deleteTrail(accountId: String, region: String, name: String) async throws {}
}

@Suite("The trail when its store keeps failing")
struct AuditBacklogTests {
    func call(_ i: Int) -> AuditedCall {
        AuditedCall(
            service: "kms", eventName: "Encrypt", identity: nil, accountId: "111111111111", region: "us-east-1",
            sourceIPAddress: "127.0.0.1", userAgent: nil, requestId: "r-\(i)", eventTime: Date(), readOnly: true,
            requestParameters: nil, responseElements: nil, errorCode: nil, errorMessage: nil, resources: [], tlsDetails: nil)
    }

    @Test("Records wait in memory up to a bound; past it calls are refused until the store recovers")
    func failsClosedPastTheBound() async throws {
        let store = FlakyAuditStore()
        let trail = AuditTrail(store: store, logger: Logger(label: "test"), maxWaiting: 100)
        for i in 0..<60 { await trail.record(call(i), eventId: "e-\(i)") }
        await trail.flush()
        // Kept, not lost, and under the bound: calls are still served.
        #expect(trail.waitingCount == 60)
        #expect(!trail.isRefusingCalls)
        for i in 60..<120 { await trail.record(call(i), eventId: "e-\(i)") }
        await trail.flush()
        #expect(trail.waitingCount == 120)
        #expect(trail.isRefusingCalls)
        // The store comes back: everything waiting is written, and calls are served again.
        store.failing.withLock { $0 = false }
        await trail.flush()
        #expect(store.stored.withLock { $0 } == 120)
        #expect(trail.waitingCount == 0)
        #expect(!trail.isRefusingCalls)
    }

    @Test("A durable record that cannot be written counts toward the bound too")
    func durableFailuresCount() async throws {
        let store = FlakyAuditStore()
        let trail = AuditTrail(store: store, logger: Logger(label: "test"), maxWaiting: 3)
        for i in 0..<3 { await trail.record(CloudTrailEvent(call(i), eventId: "d-\(i)"), durable: true) }
        #expect(trail.isRefusingCalls)
    }
}
