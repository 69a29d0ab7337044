import AWSProtocol
import Foundation
import Identity
import Testing

@testable import IAM

@Suite("IAM authorization reads an operation's own members")
struct OperationMembersTests {
    @Test("The members authorization reads are typed, for served and unserved operations alike")
    func typedMembers() {
        let input = RequestInput(members: [
            "UserName": "alice", "PermissionsBoundary": "arn:aws:iam::111122223333:policy/b",
            "Tags": [["Key": "team", "Value": "blue"]],
        ])
        let members = IAMShapes.OperationMembers(operation: "CreateUser", input: input)
        #expect(members.userName == "alice")
        #expect(members.permissionsBoundary == "arn:aws:iam::111122223333:policy/b")
        #expect(members.tags?.map(\.key) == ["team"])
        #expect(members.tags?.map(\.value) == ["blue"])
        // Not served by Rampart, still authorized (then refused): its user is read all the same.
        #expect(IAMShapes.OperationMembers(operation: "CreateLoginProfile", input: input).userName == "alice")
    }

    @Test("A member the operation's input does not have is not read: it cannot name the resource")
    func strayMembersIgnored() {
        let input = RequestInput(members: ["UserName": "victim", "RoleName": "admin"])
        let members = IAMShapes.OperationMembers(operation: "ListPolicies", input: input)
        #expect(members.userName == nil && members.roleName == nil)
        #expect(
            IAMAPI.resource(of: members, account: "111122223333", userName: "alice")
                == "arn:aws:iam::111122223333:user/alice")
        let role = IAMShapes.OperationMembers(operation: "GetRole", input: input)
        #expect(IAMAPI.resource(of: role, account: "111122223333", userName: nil) == "arn:aws:iam::111122223333:role/admin")
    }

    @Test("A user answered through the generated shape is the JSON the Query encoder reads")
    func userShape() {
        let user = IAMShapes.User(
            path: "/", userName: "alice", userId: "AIDA", arn: "arn:aws:iam::111122223333:user/alice",
            createDate: Date(timeIntervalSince1970: 1_780_000_000),
            permissionsBoundary: IAMAPI.boundary("arn:aws:iam::111122223333:policy/b"))
        #expect(
            IAMShapes.GetUserResponse(user: user).jsonValue == [
                "User": [
                    "Path": "/", "UserName": "alice", "UserId": "AIDA", "Arn": "arn:aws:iam::111122223333:user/alice",
                    "CreateDate": .double(1_780_000_000),
                    "PermissionsBoundary": [
                        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                        "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/b",
                    ],
                ]
            ])
    }
}
