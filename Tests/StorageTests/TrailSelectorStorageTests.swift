import Audit
import AuditStorage
import Foundation
import Logging
import Storage
import Testing

/// Trails' event selectors in the store, and the trail's in-memory view of them for data calls.
@Suite("Event selectors stored with their trail")
struct TrailSelectorStorageTests {
    static let sqsData = TrailEventSelectors.advanced([
        AdvancedEventSelector(
            name: "sqs",
            fieldSelectors: [
                AdvancedFieldSelector(field: "eventCategory", equals: ["Data"]),
                AdvancedFieldSelector(field: "resources.type", equals: ["AWS::SQS::Queue"]),
            ])
    ])

    static let send = SelectableEvent(
        isDataEvent: true, eventSource: "sqs.amazonaws.com", eventName: "SendMessage", readOnly: false,
        resources: [(type: "AWS::SQS::Queue", arn: "arn:aws:sqs:us-east-1:111111111111:q")])

    static func trail(_ name: String, multiRegion: Bool = false) -> CloudTrailTrail {
        CloudTrailTrail(
            accountId: "111111111111", region: "us-east-1", name: name, s3BucketName: "b", s3KeyPrefix: nil,
            includeGlobalServiceEvents: true, isMultiRegionTrail: multiRegion, logFileValidationEnabled: false,
            kmsKeyId: nil, tags: [:])
    }

    @Test("selectors are kept apart from the trail's document: logging changes leave them as they were")
    func stored() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        var t = Self.trail("t1")
        try await store.putTrail(t)
        #expect(try await store.trails(accountId: "111111111111").first?.eventSelectors == nil)
        #expect(try await store.putEventSelectors(Self.sqsData, accountId: "111111111111", region: "us-east-1", name: "t1"))
        t.isLogging = true
        try await store.putTrail(t)
        let read = try #require(try await store.trails(accountId: "111111111111").first)
        #expect(read.eventSelectors == Self.sqsData && read.isLogging)
        #expect(!(try await store.putEventSelectors(.default, accountId: "111111111111", region: "us-east-1", name: "none")))
        #expect(!(try await store.putEventSelectors(.default, accountId: "111111111111", region: "eu-west-1", name: "t1")))
        try await db.close()
    }

    @Test("a data event is selected only by a logging trail of its region, and changes are seen once announced")
    func selection() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        let trail = AuditTrail(store: store, logger: Logger(label: "test"))
        func selected(_ region: String = "us-east-1") async -> Bool {
            await trail.selectsDataEvent(Self.send, accountId: "111111111111", region: region)
        }
        #expect(!(await selected()))
        var t = Self.trail("t1")
        try await store.putTrail(t)
        _ = try await store.putEventSelectors(Self.sqsData, accountId: "111111111111", region: "us-east-1", name: "t1")
        trail.trailsChanged(accountId: "111111111111")
        #expect(!(await selected()))  // not logging
        t.isLogging = true
        try await store.putTrail(t)
        #expect(!(await selected()))  // kept in memory until the change is announced
        trail.trailsChanged(accountId: "111111111111")
        #expect(await selected())
        #expect(!(await selected("eu-west-1")))
        #expect(!(await trail.selectsDataEvent(Self.send, accountId: "222222222222", region: "us-east-1")))
        t.isMultiRegionTrail = true
        try await store.putTrail(t)
        trail.trailsChanged(accountId: "111111111111")
        #expect(await selected("eu-west-1"))
        try await db.close()
    }
}
