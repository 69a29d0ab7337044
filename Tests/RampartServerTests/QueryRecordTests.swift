import AWSProtocol
import Audit
import Foundation
import RampartTestSupport
import ServiceKit
import Testing

@testable import IAM
@testable import KMS
@testable import RampartServer
@testable import STS

/// The `responseElements` of IAM's and STS's changes, as AWS's CloudTrail records show them,
/// and KMS's left as they were.
@Suite("Response elements of Query services' records")
struct QueryRecordTests {
    static let expiry = Date(timeIntervalSince1970: 1_780_000_000)

    static func responseElements(
        _ operation: String, table: OperationTable, model: ServiceModel, response: JSONValue
    ) throws -> JSONValue? {
        let traits = try #require(table[operation])
        let call = AuditRecorder.Call(
            service: "test", operation: operation, traits: traits, auditing: nil, caller: Fixtures.root(), requestId: "req-1",
            input: [:], model: model, time: expiry, tls: nil)
        return AuditRecorder.audited(call, response: response, error: nil).responseElements
    }

    @Test("CreateAccessKey: the key's ID, status, user and date; never its secret")
    func createAccessKey() throws {
        let response: JSONValue = [
            "AccessKey": [
                "UserName": "alice", "AccessKeyId": "AKIAEXAMPLE000000001", "Status": "Active",
                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "CreateDate": .double(1_780_000_000),
            ]
        ]
        let recorded = try Self.responseElements("CreateAccessKey", table: IAMOperations.table, model: .iam, response: response)
        #expect(
            recorded == [
                "accessKey": [
                    "userName": "alice", "accessKeyId": "AKIAEXAMPLE000000001", "status": "Active",
                    "createDate": "May 28, 2026, 8:26:40 PM",
                ]
            ])
        let text = String(decoding: try #require(recorded).serialized(), as: UTF8.self)
        #expect(!text.contains("wJalrXUtnFEMI") && !text.lowercased().contains("secret"))
    }

    @Test("CreateUser: the user, nested names in lowerCamelCase")
    func createUser() throws {
        let response: JSONValue = [
            "User": [
                "Path": "/", "UserName": "bob", "UserId": "AIDAEXAMPLE000000001", "Arn": "arn:aws:iam::111111111111:user/bob",
                "CreateDate": .double(1_780_000_000), "Tags": [["Key": "team", "Value": "blue"]],
            ]
        ]
        let recorded = try Self.responseElements("CreateUser", table: IAMOperations.table, model: .iam, response: response)
        #expect(recorded?["user"]?["userName"] == "bob")
        #expect(recorded?["user"]?["tags"] == [["key": "team", "value": "blue"]])
        #expect(try Self.responseElements("DeleteUser", table: IAMOperations.table, model: .iam, response: [:]) == nil)
        #expect(try Self.responseElements("GetUser", table: IAMOperations.table, model: .iam, response: response) == nil)
    }

    @Test("AssumeRole: the session's key ID, expiry and assumed-role user; no secret, no session token")
    func assumeRole() throws {
        let response: JSONValue = [
            "Credentials": [
                "AccessKeyId": "ASIAEXAMPLE000000001", "SecretAccessKey": "secret-value", "SessionToken": "token-value",
                "Expiration": .double(1_780_000_000),
            ],
            "AssumedRoleUser": ["AssumedRoleId": "AROAEXAMPLE:s1", "Arn": "arn:aws:sts::111111111111:assumed-role/r/s1"],
            "PackedPolicySize": 6,
        ]
        let recorded = try Self.responseElements("AssumeRole", table: STSOperations.table, model: .sts, response: response)
        #expect(
            recorded == [
                "credentials": ["accessKeyId": "ASIAEXAMPLE000000001", "expiration": "May 28, 2026, 8:26:40 PM"],
                "assumedRoleUser": ["assumedRoleId": "AROAEXAMPLE:s1", "arn": "arn:aws:sts::111111111111:assumed-role/r/s1"],
                "packedPolicySize": 6,
            ])
    }

    @Test("KMS's records keep their form: top-level names lowered, nested members as answered")
    func kmsUnchanged() throws {
        let response: JSONValue = ["KeyMetadata": ["KeyId": "k-1", "CreationDate": .double(1_780_000_000)]]
        let recorded = try Self.responseElements("CreateKey", table: KMSOperations.table, model: .kms, response: response)
        #expect(recorded == ["keyMetadata": ["KeyId": "k-1", "CreationDate": .double(1_780_000_000)]])
    }
}
