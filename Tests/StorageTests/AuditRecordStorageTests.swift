import AWSProtocol
import Audit
import AuditStorage
import Foundation
import SQLKit
import Storage
import Testing

@Suite("An audit record is stored in parts and read back whole")
struct AuditRecordStorageTests {
    static func call(requestId: String, userAgent: String, error: Bool = false) -> AuditedCall {
        var call = AuditedCall(
            service: "kms", eventName: "Encrypt",
            identity: AuditIdentity(
                type: "IAMUser", principalId: "AIDAEXAMPLE", arn: "arn:aws:iam::111111111111:user/alice",
                accountId: "111111111111", accessKeyId: "AKIAEXAMPLE", userName: "alice"),
            accountId: "111111111111", region: "eu-west-1", sourceIPAddress: "10.0.0.7", userAgent: userAgent,
            requestId: requestId, eventTime: Date(timeIntervalSince1970: 1_700_000_123.456), readOnly: true,
            requestParameters: ["keyId": "alias/a", "encryptionAlgorithm": "SYMMETRIC_DEFAULT"], responseElements: nil,
            errorCode: error ? "DisabledException" : nil, errorMessage: error ? "key \"k\" is disabled" : nil,
            resources: [(type: "AWS::KMS::Key", name: "arn:aws:kms:eu-west-1:111111111111:key/k")],
            tlsDetails: AuditTLSDetails(
                tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: "kms.local"))
        call.additionalEventData = ["keyMaterialId": "m-1"]
        return call
    }

    @Test func theRecordReadBackIsTheRecordBuilt() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        let built = [
            CloudTrailEvent(Self.call(requestId: "r-1", userAgent: "cli/1"), eventId: "e-1"),
            CloudTrailEvent(Self.call(requestId: "r-2", userAgent: "cli/1", error: true), eventId: "e-2"),
        ]
        try await store.append(built)
        let read = try await store.allEvents()
        #expect(read.map(\.eventId) == ["e-1", "e-2"])
        for (stored, original) in zip(read, built) {
            #expect(stored.json == original.json)
        }
        // Whole, and with every member a record has.
        let record = try #require(try JSONParser.parse(read[1].json, maxDepth: 32).objectValue)
        #expect(
            Set(record.keys) == [
                "additionalEventData", "awsRegion", "errorCode", "errorMessage", "eventCategory", "eventID", "eventName",
                "eventSource", "eventTime", "eventType", "eventVersion", "managementEvent", "readOnly",
                "recipientAccountId", "requestID", "requestParameters", "resources", "responseElements",
                "sourceIPAddress", "tlsDetails", "userAgent", "userIdentity",
            ])
        #expect(record["eventTime"]?.stringValue == "2023-11-14T22:15:23Z")
        #expect(record["errorMessage"]?.stringValue == "key \"k\" is disabled")
        #expect(record["userIdentity"]?["userName"]?.stringValue == "alice")
        #expect(JSONValue.object(record).serialized() == read[1].json)
        try await db.close()
    }

    @Test func aCallerIsStoredOnceForAllItsCalls() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        let events = (0..<50).map { i in
            CloudTrailEvent(
                Self.call(requestId: "r-\(i)", userAgent: i < 40 ? "cli/1" : "sdk/2"), eventId: String(format: "e-%02d", i))
        }
        try await store.append(Array(events[..<25]))
        try await store.append(Array(events[25...]))
        let callers = try await db.sql.raw("SELECT COUNT(*) AS n FROM audit_callers").first()
        #expect(try callers?.decode(column: "n", as: Int.self) == 2)
        let read = try await store.allEvents()
        #expect(read.map(\.eventId) == events.map(\.eventId))
        #expect(zip(read, events).allSatisfy { $0.json == $1.json })
        try await db.close()
    }

    @Test func aWholeRecordStoredBeforeTheSplitStillReads() async throws {
        let db = try await AuditTransactionTests.database()
        let store = try SQLAuditStore(database: db)
        let whole = #"{"awsRegion":"us-east-1","eventID":"old-1","eventName":"DisableKey","userAgent":"cli/0"}"#
        try await db.sql.raw(
            """
            INSERT INTO audit_events (event_id, account_id, region, event_time, event_name, event_source, read_only, record)
            VALUES ('old-1', '111111111111', 'us-east-1', 1000, 'DisableKey', 'kms.amazonaws.com', 0, \(bind: whole))
            """
        ).run()
        let read = try await store.allEvents()
        #expect(read.count == 1)
        #expect(read.first.map { String(decoding: $0.json, as: UTF8.self) } == whole)
        try await db.close()
    }
}
