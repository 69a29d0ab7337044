import AWSProtocol
import Audit
import AuditStorage
import Foundation
import Storage
import Testing

@Suite("Pruning the trail past retention")
struct AuditPruneTests {
    static func event(_ id: Int, at seconds: TimeInterval) -> CloudTrailEvent {
        let key = "arn:aws:kms:us-east-1:111111111111:key/k-\(id)"
        let alias = "arn:aws:kms:us-east-1:111111111111:alias/a-\(id)"
        return CloudTrailEvent(
            AuditedCall(
                service: "kms", eventName: "CreateAlias", identity: nil, accountId: "111111111111", region: "us-east-1",
                sourceIPAddress: "127.0.0.1", userAgent: "test", requestId: "r-\(id)",
                eventTime: Date(timeIntervalSince1970: seconds), readOnly: false, requestParameters: nil,
                responseElements: nil, errorCode: nil, errorMessage: nil,
                resources: [(type: "AWS::KMS::Key", name: key), (type: "AWS::KMS::Alias", name: alias)], tlsDetails: nil),
            eventId: String(format: "e-%06d", id))
    }

    @Test func oldEventsGoInChunksAndNewOnesStay() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        // More old events than one prune chunk, so pruning takes several transactions.
        let old = (0..<12_000).map { Self.event($0, at: 1_000 + Double($0)) }
        let recent = (12_000..<12_010).map { Self.event($0, at: 100_000) }
        try await store.append(old + recent)
        let removed = try? await store.prune(before: Date(timeIntervalSince1970: 50_000))
        #expect(removed == 12_000)
        let left = try await store.lookup(
            accountId: "111111111111", region: "us-east-1", attribute: nil, start: nil, end: nil, after: nil, limit: 50)
        #expect(Set(left.map(\.eventId)) == Set(recent.map(\.eventId)))
        // The pruned events' further resources (their aliases) went with them.
        let byOldAlias = try await store.lookup(
            accountId: "111111111111", region: "us-east-1",
            attribute: LookupAttribute(key: .resourceName, value: "arn:aws:kms:us-east-1:111111111111:alias/a-5"),
            start: nil, end: nil, after: nil, limit: 50)
        #expect(byOldAlias.isEmpty)
        let byNewAlias = try await store.lookup(
            accountId: "111111111111", region: "us-east-1",
            attribute: LookupAttribute(key: .resourceName, value: "arn:aws:kms:us-east-1:111111111111:alias/a-12005"),
            start: nil, end: nil, after: nil, limit: 50)
        #expect(byNewAlias.map(\.eventId) == ["e-012005"])
        #expect((try? await store.prune(before: Date(timeIntervalSince1970: 50_000))) == 0)
        try await db.close()
    }

    @Test func pruningWalksEventsInTheOrderTheyWereStored() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        // A batch stored late (after a storage outage) holds events older than one stored before it.
        try await store.append([Self.event(1, at: 1_000), Self.event(2, at: 5_000)])
        try await store.append([Self.event(3, at: 2_000), Self.event(4, at: 9_000)])
        #expect((try? await store.prune(before: Date(timeIntervalSince1970: 3_000))) == 1)
        #expect(try await Self.ids(store) == ["e-000002", "e-000003", "e-000004"])
        // Once the event stored before it is due, the late one goes with it.
        #expect((try? await store.prune(before: Date(timeIntervalSince1970: 6_000))) == 2)
        #expect(try await Self.ids(store) == ["e-000004"])
        try await db.close()
    }

    static func ids(_ store: SQLAuditStore) async throws -> [String] {
        try await store.allEvents().map(\.eventId).sorted()
    }
}
