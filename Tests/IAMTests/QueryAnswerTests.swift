import AWSProtocol
import Audit
import Foundation
import Identity
import Testing

@testable import IAM

/// IAM's answers, now structured values written from the model, against the XML IAM's
/// hand-written writer produced before (kept here as `Legacy`, byte for byte).
@Suite("IAM's Query answers from the model")
struct QueryAnswerTests {
    static let created = Date(timeIntervalSince1970: 1_780_000_000.75)
    static let encoder = QueryResponseEncoder(model: .iam, xmlns: IAMAPI.xmlns)

    static func alice() -> IAMUser {
        var user = IAMUser(
            accountId: "111111111111", userName: "alice", userId: "AIDAEXAMPLEALICE00001", path: "/eng/",
            createDate: created, tags: [IAMTag(key: "team", value: "a <&> 'b'"), IAMTag(key: "empty", value: "")])
        user.permissionsBoundary = "arn:aws:iam::111111111111:policy/bound"
        return user
    }

    /// The writer IAM's handlers used before answers were structured.
    enum Legacy {
        static func document(_ action: String, _ body: (inout XMLWriter) -> Void) -> String {
            var w = XMLWriter()
            w.open("\(action)Response", xmlns: IAMAPI.xmlns)
            w.element("\(action)Result", body)
            w.element("ResponseMetadata") { $0.element("RequestId", "req-1") }
            w.close("\(action)Response")
            return w.text
        }

        static func write(_ user: IAMUser, into w: inout XMLWriter, element: String = "User", listed: Bool = false) {
            w.element(element) { u in
                u.element("Path", user.path)
                u.element("UserName", user.userName)
                u.element("UserId", user.userId)
                u.element("Arn", user.arn)
                u.element("CreateDate", Timestamp.iso8601(user.createDate, fractional: false))
                if listed { return }
                if let boundary = user.permissionsBoundary {
                    u.element("PermissionsBoundary") { b in
                        b.element("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
                        b.element("PermissionsBoundaryArn", boundary)
                    }
                }
                if !user.tags.isEmpty { write(user.tags, into: &u) }
            }
        }

        static func write(_ tags: [IAMTag], into w: inout XMLWriter) {
            w.element("Tags") { list in
                for tag in tags {
                    list.element("member") { m in
                        m.element("Key", tag.key)
                        m.element("Value", tag.value)
                    }
                }
            }
        }
    }

    func encoded(_ operation: String, _ result: JSONValue) -> String {
        String(decoding: Self.encoder.encode(operation: operation, result: result, requestId: "req-1"), as: UTF8.self)
    }

    @Test("A nested structure, a list of tags and a timestamp: the same bytes as before")
    func getUser() {
        let user = Self.alice()
        let expected = Legacy.document("GetUser") { Legacy.write(user, into: &$0) }
        #expect(encoded("GetUser", ["User": IAMAPI.json(user)]) == expected)
        #expect(expected.contains("<CreateDate>2026-05-28T20:26:40Z</CreateDate>"))
    }

    @Test("A list of structures, then IsTruncated: the same bytes as before")
    func listUsers() {
        var bob = Self.alice()
        bob.userName = "bob"
        let users = [Self.alice(), bob]
        let expected = Legacy.document("ListUsers") { w in
            w.element("Users") { list in
                for user in users { Legacy.write(user, into: &list, element: "member", listed: true) }
            }
            w.element("IsTruncated", "false")
        }
        let result: JSONValue = ["Users": .array(users.map { IAMAPI.json($0, listed: true) }), "IsTruncated": false]
        #expect(encoded("ListUsers", result) == expected)
    }

    @Test("Empty lists and answers without a result keep their elements")
    func emptyAnswers() {
        let tags = Legacy.document("ListUserTags") { w in
            Legacy.write([], into: &w)
            w.element("IsTruncated", "false")
        }
        #expect(encoded("ListUserTags", ["Tags": IAMAPI.json([]), "IsTruncated": false]) == tags)
        #expect(encoded("DeleteUser", [:]) == Legacy.document("DeleteUser") { _ in })
    }

    @Test("CreateAccessKey's record names the key and never its secret")
    func accessKeyRecord() throws {
        let response: JSONValue = [
            "AccessKey": [
                "UserName": "alice", "AccessKeyId": "AKIAEXAMPLE000000001", "Status": "Active",
                "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "CreateDate": IAMAPI.time(Self.created),
            ]
        ]
        let recorded = try #require(
            ResponseElements.recorded(response, shapeName: ServiceModel.iam.outputs["CreateAccessKey"], model: .iam))
        #expect(
            recorded == [
                "accessKey": [
                    "userName": "alice", "accessKeyId": "AKIAEXAMPLE000000001", "status": "Active",
                    "createDate": "May 28, 2026, 8:26:40 PM",
                ]
            ])
        #expect(!String(decoding: recorded.serialized(), as: UTF8.self).contains("wJalrXUtnFEMI"))
    }
}
