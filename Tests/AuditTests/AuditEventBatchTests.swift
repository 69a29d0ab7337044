import AWSProtocol
import Audit
import Foundation
import Testing

@Suite("Events packed for the group commit read back as they were")
struct AuditEventBatchTests {
    static func event(_ n: Int, resources: Int, username: String?, callerJSON: [UInt8]) -> CloudTrailEvent {
        CloudTrailEvent(
            eventId: "e-\(n)", eventTime: Date(timeIntervalSince1970: 1_700_000_000.25 + Double(n)), eventName: "Encrypt",
            eventSource: "kms.amazonaws.com", accountId: "111111111111", region: "eu-west-1", readOnly: n % 2 == 0,
            username: username, accessKeyId: n % 3 == 0 ? nil : "AKIA\(n)",
            resources: (0..<resources).map { (type: "AWS::KMS::Key", name: "arn:aws:kms:eu-west-1:111111111111:key/\($0)") },
            callJSON: Array("{\"requestID\":\"r-\(n)\",\"note\":\"é\"}".utf8), callerJSON: callerJSON)
    }

    static func same(_ a: CloudTrailEvent, _ b: CloudTrailEvent) -> Bool {
        a.sameRecord(as: b) && a.eventSource == b.eventSource && a.username == b.username && a.accessKeyId == b.accessKeyId
            && a.resources.map(\.type) == b.resources.map(\.type) && a.resources.map(\.name) == b.resources.map(\.name)
    }

    @Test func everyFieldRoundTrips() {
        let events = [
            Self.event(0, resources: 0, username: nil, callerJSON: []),
            Self.event(1, resources: 1, username: "alice", callerJSON: Array("{\"userAgent\":\"x\"}".utf8)),
            Self.event(2, resources: 3, username: "", callerJSON: Array("{}".utf8)),
        ]
        let batch = AuditEventBatch(events)
        #expect(batch.count == 3)
        let read = batch.events
        #expect(read.count == 3)
        for (a, b) in zip(read, events) { #expect(Self.same(a, b)) }
    }

    @Test func viewsGiveTheFirstAndFurtherResources() {
        let batch = AuditEventBatch([Self.event(7, resources: 3, username: "bob", callerJSON: [])])
        var seen: [String] = []
        batch.forEachEvent { event in
            #expect(String(decoding: event.firstResource!.name, as: UTF8.self).hasSuffix("key/0"))
            event.forEachResource { _, name in seen.append(String(decoding: name, as: UTF8.self)) }
            #expect(event.callerJSON.isEmpty)
            #expect(event.accessKeyId.map { String(decoding: $0, as: UTF8.self) } == "AKIA7")
        }
        #expect(seen.map { $0.suffix(5) } == ["key/0", "key/1", "key/2"])
    }

    @Test func batchesAppendInOrder() {
        var first = AuditEventBatch((0..<3).map { Self.event($0, resources: 1, username: nil, callerJSON: []) })
        let second = AuditEventBatch((3..<5).map { Self.event($0, resources: 1, username: nil, callerJSON: []) })
        first.append(contentsOf: second)
        #expect(first.count == 5)
        #expect(first.events.map(\.eventId) == ["e-0", "e-1", "e-2", "e-3", "e-4"])
        #expect(AuditEventBatch(reservingBytes: 1 << 16).isEmpty)
    }

    @Test func aCallPackedDirectlyIsTheEventItWouldBuild() {
        var call = AuditedCall(
            service: "kms", eventName: "Decrypt",
            identity: AuditIdentity(
                type: "AssumedRole", principalId: "AROAEXAMPLE:s", arn: "arn:aws:sts::111111111111:assumed-role/r/s",
                accountId: "111111111111", accessKeyId: "ASIAEXAMPLE", userName: nil,
                session: AuditSession(
                    issuerType: "Role", issuerPrincipalId: "AROAEXAMPLE", issuerArn: "arn:aws:iam::111111111111:role/r",
                    issuerUserName: "r", creationDate: Date(timeIntervalSince1970: 1_700_000_000))),
            accountId: "111111111111", region: "eu-west-1", sourceIPAddress: "10.0.0.7", userAgent: "sdk \"x\"",
            requestId: "r-1", eventTime: Date(timeIntervalSince1970: 1_700_000_123.456), readOnly: true,
            requestParameters: ["keyId": "arn:aws:kms:eu-west-1:222222222222:key/k", "encryptionAlgorithm": "SYMMETRIC_DEFAULT"],
            responseElements: nil, errorCode: nil, errorMessage: nil,
            resources: [
                (type: "AWS::KMS::Key", name: "arn:aws:kms:eu-west-1:222222222222:key/k"),
                (type: "AWS::KMS::Alias", name: "arn:aws:kms:eu-west-1:111111111111:alias/a"),
            ],
            tlsDetails: AuditTLSDetails(
                tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: nil))
        call.additionalEventData = ["keyMaterialId": "m-1"]
        var direct = AuditEventBatch(reservingBytes: 64)
        direct.append(Self.event(1, resources: 1, username: nil, callerJSON: []))
        direct.append(call, eventId: "e-9")
        let built = CloudTrailEvent(call, eventId: "e-9")
        let read = direct.events
        #expect(read.count == 2)
        #expect(Self.same(read[1], built))
        #expect(read[1].json == built.json)
        #expect(read[1].username == "AROAEXAMPLE:s")
    }
}
