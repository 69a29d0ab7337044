import AWSProtocol
import Audit
import AuditStorage
import Foundation
import KMS
import KMSStorage
import Logging
import Storage
import Testing

@Suite("A change's audit record commits in the change's own transaction")
struct AuditTransactionTests {
    static func database() async throws -> RampartDatabase {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-storage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return try await RampartDatabase.open(
            path: folder.appendingPathComponent(RampartDatabase.fileName).path, logger: Logger(label: "test"))
    }

    static func event(
        _ name: String, response: JSONValue? = nil, resources: [(type: String, name: String)] = []
    ) -> (
        AuditedCall
    ) {
        AuditedCall(
            service: "kms", eventName: name, identity: nil, accountId: "111111111111", region: "us-east-1",
            sourceIPAddress: "127.0.0.1", userAgent: "test", requestId: "r-1", eventTime: Date(timeIntervalSince1970: 1_000),
            readOnly: false, requestParameters: ["aliasName": "alias/a"], responseElements: response, errorCode: nil,
            errorMessage: nil, resources: resources, tlsDetails: nil)
    }

    static func alias(_ name: String) -> KMSAlias {
        KMSAlias(
            accountId: "111111111111", region: "us-east-1", aliasName: name, targetKeyId: "k", creationDate: Date(),
            lastUpdatedDate: Date())
    }

    static func events(_ store: SQLAuditStore) async throws -> [CloudTrailEvent] {
        try await store.lookup(
            accountId: "111111111111", region: "us-east-1", attribute: nil, start: nil, end: nil, after: nil, limit: 50)
    }

    @Test func theRecordRidesTheChange() async throws {
        let db = try await Self.database()
        let keys = SQLKeyStore(database: db)
        let audit = try SQLAuditStore(database: db)
        let pending = PendingAuditRecord(CloudTrailEvent(Self.event("CreateAlias"), eventId: "e-1"))
        var batch = KeyStoreBatch()
        batch.putAliases = [Self.alias("alias/a")]
        try await PendingAuditRecord.$current.withValue(pending) { try await keys.apply(batch) }
        #expect(pending.isCommitted)
        #expect(try await Self.events(audit).map(\.eventId) == ["e-1"])
        // A second transaction of the same call does not write the record again.
        batch.putAliases = [Self.alias("alias/b")]
        try await PendingAuditRecord.$current.withValue(pending) { try await keys.apply(batch) }
        #expect(try await Self.events(audit).count == 1)
        try await db.close()
    }

    struct Refused: Error {}

    @Test func aRolledBackChangeTakesItsRecordWithIt() async throws {
        let db = try await Self.database()
        let audit = try SQLAuditStore(database: db)
        let pending = PendingAuditRecord(CloudTrailEvent(Self.event("DisableKey"), eventId: "e-2"))
        await #expect(throws: Refused.self) {
            try await PendingAuditRecord.$current.withValue(pending) {
                try await db.transaction { _ in throw Refused() }
            }
        }
        #expect(!pending.isCommitted)
        #expect(try await Self.events(audit).isEmpty)
        // The next transaction of the call carries it.
        try await PendingAuditRecord.$current.withValue(pending) { try await db.setMeta("m", [1]) }
        #expect(pending.isCommitted)
        #expect(try await Self.events(audit).map(\.eventId) == ["e-2"])
        try await db.close()
    }

    @Test func theOutcomeAmendsTheCommittedRecord() async throws {
        let db = try await Self.database()
        let audit = try SQLAuditStore(database: db)
        let trail = AuditTrail(store: audit, logger: Logger(label: "test"))
        let pending = PendingAuditRecord(CloudTrailEvent(Self.event("CreateKey"), eventId: "e-3"))
        try await PendingAuditRecord.$current.withValue(pending) { try await db.setMeta("m", [1]) }
        let arn = "arn:aws:kms:us-east-1:111111111111:key/k"
        let final = CloudTrailEvent(
            Self.event("CreateKey", response: ["keyMetadata": ["arn": .string(arn)]], resources: [("AWS::KMS::Key", arn)]),
            eventId: "e-3")
        await trail.finish(pending, as: final)
        let stored = try await trail.lookup(
            accountId: "111111111111", region: "us-east-1", attribute: LookupAttribute(key: .resourceName, value: arn),
            start: nil, end: nil, after: nil, limit: 50)
        #expect(stored.map(\.eventId) == ["e-3"])
        #expect(stored.first?.record["responseElements"]?["keyMetadata"]?["arn"] == .string(arn))
        try await db.close()
    }

    @Test func aCallThatChangedNothingIsRecordedByItself() async throws {
        let db = try await Self.database()
        let audit = try SQLAuditStore(database: db)
        let trail = AuditTrail(store: audit, logger: Logger(label: "test"))
        let pending = PendingAuditRecord(CloudTrailEvent(Self.event("DisableKey"), eventId: "e-4"))
        var refused = Self.event("DisableKey")
        refused.errorCode = "AccessDeniedException"
        await trail.finish(pending, as: CloudTrailEvent(refused, eventId: "e-4"))
        let stored = try await Self.events(audit)
        #expect(stored.map(\.eventId) == ["e-4"])
        #expect(stored.first?.record["errorCode"] == "AccessDeniedException")
        try await db.close()
    }
}
