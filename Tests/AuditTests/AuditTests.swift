import AWSProtocol
import Audit
import Foundation
import Testing

@Suite("Audit trail: records, redaction, export and validation")
struct AuditTests {
    static let model = try! ServiceModel(
        json: #"""
            {"operations":{"Encrypt":{"input":"EncryptRequest"}},"errors":{},
             "shapes":{"EncryptRequest":{"type":"structure","members":{"KeyId":"KeyIdType","Plaintext":"PlaintextType",
                "EncryptionContext":"Ctx","Secret":"SecretType"}},
              "KeyIdType":{"type":"string"},"PlaintextType":{"type":"blob","sensitive":true},
              "SecretType":{"type":"string","sensitive":true},
              "Ctx":{"type":"map","key":"KeyIdType","value":"KeyIdType"}}}
            """#)

    func call(
        _ name: String = "DisableKey", at time: Date = Date(timeIntervalSince1970: 1_800_000_000), readOnly: Bool = false
    ) -> AuditedCall {
        AuditedCall(
            service: "kms", eventName: name,
            identity: AuditIdentity(
                type: "Root", principalId: "111111111111", arn: "arn:aws:iam::111111111111:root", accountId: "111111111111",
                accessKeyId: "AKIAEXAMPLE", userName: nil),
            accountId: "111111111111", region: "us-east-1", sourceIPAddress: "127.0.0.1", userAgent: "aws-cli/1",
            requestId: "req-1",
            eventTime: time, readOnly: readOnly, requestParameters: ["keyId": "arn:aws:kms:us-east-1:111111111111:key/k"],
            responseElements: nil, errorCode: nil, errorMessage: nil,
            resources: [(type: "AWS::KMS::Key", name: "arn:aws:kms:us-east-1:111111111111:key/k")], tlsDetails: nil)
    }

    /// A data event (an operation table's `data:` set) is recorded as CloudTrail records one:
    /// `eventCategory` Data and `managementEvent` false; every other record is a management event.
    @Test func dataEventsSayTheirCategory() throws {
        var data = call("SendMessage", readOnly: false)
        data.dataEvent = true
        let dataEvent = CloudTrailEvent(data, eventId: "e-data")
        let record = try JSONParser.parse(dataEvent.json, maxDepth: 64)
        #expect(record["eventCategory"] == "Data")
        #expect(record["managementEvent"] == false)
        #expect(dataEvent.isDataEvent)
        #expect(try JSONParser.parse(dataEvent.callJSON).serialized() == dataEvent.callJSON)  // still canonical

        let management = CloudTrailEvent(call(), eventId: "e-management")
        let managementRecord = try JSONParser.parse(management.json, maxDepth: 64)
        #expect(managementRecord["eventCategory"] == "Management")
        #expect(managementRecord["managementEvent"] == true)
        #expect(!management.isDataEvent)
    }

    /// The record is written member by member; it must be exactly the canonical serialization
    /// of itself (sorted members, compact), whichever optional parts are present.
    @Test func directlyWrittenRecordsAreCanonical() throws {
        var full = call()
        full.identity = AuditIdentity(
            type: "AssumedRole", principalId: "AROAEXAMPLE:s", arn: "arn:aws:sts::111111111111:assumed-role/r/s",
            accountId: "111111111111", accessKeyId: "ASIAEXAMPLE", userName: nil,
            session: AuditSession(
                issuerType: "Role", issuerPrincipalId: "AROAEXAMPLE", issuerArn: "arn:aws:iam::111111111111:role/r",
                issuerUserName: "r", creationDate: Date(timeIntervalSince1970: 1_800_000_000)))
        full.errorCode = "AccessDeniedException"
        full.errorMessage = "no \"quotes\"\n or control \u{1} left raw"
        full.responseElements = ["keyId": "k", "nested": ["b": 1, "a": [true, .null]]]
        full.additionalEventData = ["keyMaterialId": "m"]
        full.tlsDetails = AuditTLSDetails(
            tlsVersion: "TLSv1.3", cipherSuite: "TLS_AES_128_GCM_SHA256", clientProvidedHostHeader: "kms.local:8443")
        full.resources.append((type: "AWS::KMS::Key", name: "arn:aws:kms:us-east-1:111111111111:key/other"))
        for variant in [
            call(), full,
            {
                var c = call()
                c.identity = nil
                return c
            }(),
        ] {
            let event = CloudTrailEvent(variant, eventId: "e-1")
            let parsed = try JSONParser.parse(event.json, maxDepth: 64)
            #expect(parsed.serialized() == event.json)
        }
        let r = CloudTrailEvent(full, eventId: "e-1").record
        #expect(r["userIdentity"]?["sessionContext"]?["sessionIssuer"]?["accountId"] == "111111111111")
        #expect(r["tlsDetails"]?["clientProvidedHostHeader"] == "kms.local:8443")
        #expect(r["resources"]?.arrayValue?.count == 2)
        #expect(r["errorMessage"] == .string(full.errorMessage!))
    }

    @Test func eventIdsAreUUIDsThatSortByTime() {
        let early = EventID.make(at: Date(timeIntervalSince1970: 1_800_000_000))
        let late = EventID.make(at: Date(timeIntervalSince1970: 1_800_000_000.002))
        #expect(UUID(uuidString: early) != nil && early == early.lowercased() && early.count == 36)
        #expect(Array(early)[14] == "7")  // version 7
        #expect("89ab".contains(Array(early)[19]))  // RFC 9562 variant
        #expect(early < late)
        #expect(EventID.make() != EventID.make())
    }

    @Test func recordHasCloudTrailFields() {
        let event = CloudTrailEvent(call(), eventId: "e-1")
        let r = event.record
        #expect(r["eventVersion"] == "1.11")
        #expect(r["eventSource"] == "kms.amazonaws.com")
        #expect(r["eventName"] == "DisableKey")
        #expect(r["awsRegion"] == "us-east-1")
        #expect(r["userIdentity"]?["type"] == "Root")
        #expect(r["eventTime"]?.stringValue?.hasSuffix("Z") == true)
        #expect(r["eventType"] == "AwsApiCall")
        #expect(r["managementEvent"] == true)
        #expect(r["readOnly"] == false)
        #expect(r["recipientAccountId"] == "111111111111")
        #expect(r["resources"]?.arrayValue?.first?["ARN"] == "arn:aws:kms:us-east-1:111111111111:key/k")
        #expect(event.username == "root")
    }

    @Test func secretsAreNeverRecorded() {
        let request: JSONValue = [
            "KeyId": "alias/x", "Plaintext": "c2VjcmV0", "Secret": "hunter2", "EncryptionContext": ["app": "orders"],
        ]
        let kept = RequestParameters.redacted(request, shapeName: "EncryptRequest", model: Self.model)
        #expect(kept == ["keyId": "alias/x", "encryptionContext": ["app": "orders"]])
    }

    @Test func gzipRoundTrip() throws {
        let text = Array(String(repeating: "cloudtrail ", count: 10_000).utf8)
        let packed = try Gzip.compress(text)
        #expect(packed.count < text.count / 10)
        #expect(Array(packed.prefix(2)) == [0x1F, 0x8B])
        #expect(try Gzip.decompress(packed) == text)
        #expect(throws: Gzip.Failure.self) { try Gzip.decompress([1, 2, 3, 4]) }
    }

    func exported() throws -> (URL, [CloudTrailEvent]) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("rampart-trail-\(UUID().uuidString)")
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let events = (0..<9).map { i in CloudTrailEvent(call(at: start.addingTimeInterval(Double(i) * 1500)), eventId: "e-\(i)") }
        let summary = try TrailExport.export(events, signer: try DigestSigner(), to: dir)
        #expect(summary.events == 9)
        #expect(summary.logFiles == summary.digestFiles)
        #expect(summary.logFiles >= 3)
        return (dir, events)
    }

    func files(_ dir: URL, digest: Bool) -> [URL] {
        (FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []).sorted()
            .filter { $0.hasSuffix(".json.gz") && $0.contains("CloudTrail-Digest") == digest }
            .map { dir.appendingPathComponent($0) }
    }

    @Test func cleanExportValidates() throws {
        let (dir, _) = try exported()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = TrailValidation.validate(dir)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.digestsChecked >= 3)
        let log = try #require(files(dir, digest: false).first)
        let records = try JSONParser.parse(try Gzip.decompress(Array(try Data(contentsOf: log))), maxDepth: 64)
        #expect(records["Records"]?.arrayValue?.isEmpty == false)
        #expect(log.lastPathComponent.hasPrefix("111111111111_CloudTrail_us-east-1_"))
    }

    @Test func changedLogIsNamed() throws {
        let (dir, _) = try exported()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = files(dir, digest: false)[1]
        var body = try JSONParser.parse(try Gzip.decompress(Array(try Data(contentsOf: log))), maxDepth: 64)
        if case .object(var o) = body, case .array(var records) = o["Records"], case .object(var first) = records[0] {
            first["eventName"] = "Nothing"
            records[0] = .object(first)
            o["Records"] = .array(records)
            body = .object(o)
        }
        try Data(try Gzip.compress(body.serialized())).write(to: log)
        let report = TrailValidation.validate(dir)
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.contains(log.lastPathComponent) && $0.contains("changed") })
    }

    @Test func removedAndAddedFilesAreNamed() throws {
        let (dir, _) = try exported()
        defer { try? FileManager.default.removeItem(at: dir) }
        let logs = files(dir, digest: false)
        try FileManager.default.removeItem(at: logs[0])
        let extra = logs[1].deletingLastPathComponent().appendingPathComponent("111111111111_CloudTrail_us-east-1_extra.json.gz")
        try Data(try Gzip.compress(Array(#"{"Records":[]}"#.utf8))).write(to: extra)
        let report = TrailValidation.validate(dir)
        #expect(report.problems.contains { $0.contains("removed") })
        #expect(report.problems.contains { $0.contains("extra") && $0.contains("added") })
    }

    @Test func brokenDigestChainIsNamed() throws {
        let (dir, _) = try exported()
        defer { try? FileManager.default.removeItem(at: dir) }
        let digests = files(dir, digest: true)
        try FileManager.default.removeItem(at: digests[1])
        try? FileManager.default.removeItem(atPath: digests[1].path + ".sig")
        #expect(TrailValidation.validate(dir).problems.contains { $0.contains("chain") || $0.contains("missing") })
        var text = Array(try Data(contentsOf: digests[0]))
        text[text.count / 2] ^= 0xFF
        try Data(text).write(to: digests[0])
        #expect(TrailValidation.validate(dir).problems.contains { $0.contains(digests[0].lastPathComponent) })
    }
}
