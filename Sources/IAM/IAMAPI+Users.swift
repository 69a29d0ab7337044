import AWSProtocol
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Users, their tags and access keys; nil for other actions. Calls whose `UserName` is
    /// optional are about the caller's own user when it is absent.
    func handleUsers(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let (account, caller) = (call.account, call.caller)
        /// The user a call names, or the calling user.
        func user(_ named: String?) throws(AWSError) -> String {
            guard let name = named ?? caller.principal.userName else {
                throw .iamValidation(
                    "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
            }
            return name
        }
        /// The user a call names; the calling user, or nil for the root user's own access keys
        /// (AWS lets root manage its own keys without UserName).
        func keyOwner(_ named: String?) throws(AWSError) -> String? {
            if named == nil, caller.principal.kind == .root { return nil }
            return try user(named)
        }
        switch action {
        case "CreateUser":
            let request = IAMShapes.CreateUserRequest(call.input)
            let created = try await iam.createUser(
                accountId: account, userName: request.userName, path: request.path, tags: Self.tags(request.tags),
                permissionsBoundary: request.permissionsBoundary)
            return .json(["User": Self.json(created)])
        case "GetUser":
            let request = IAMShapes.GetUserRequest(call.input)
            if request.userName == nil, caller.principal.kind != .root, caller.principal.kind != .iamUser {
                // A role session is no user: AWS wants the name then.
                throw .iamValidation("Must specify userName when calling with non-User credentials")
            }
            if request.userName == nil, caller.principal.kind == .root {
                return .json([
                    "User": [
                        "UserId": .string(account), "Arn": .string(caller.principal.arn),
                        "CreateDate": .string(Timestamp.iso8601(Date(timeIntervalSince1970: 0))),
                    ]
                ])
            }
            let found = try await iam.getUser(accountId: account, userName: try user(request.userName))
            return .json(["User": Self.json(found)])
        case "ListUsers":
            let request = IAMShapes.ListUsersRequest(call.input)
            let users = try await iam.listUsers(accountId: account, pathPrefix: request.pathPrefix)
            return .json(["Users": .array(users.map { Self.json($0, listed: true) }), "IsTruncated": false])
        case "UpdateUser":
            let request = IAMShapes.UpdateUserRequest(call.input)
            try await iam.updateUser(
                accountId: account, userName: request.userName, newUserName: request.newUserName, newPath: request.newPath)
        case "DeleteUser":
            try await iam.deleteUser(accountId: account, userName: IAMShapes.DeleteUserRequest(call.input).userName)
        case "TagUser":
            let request = IAMShapes.TagUserRequest(call.input)
            try await iam.tagUser(accountId: account, userName: request.userName, tags: Self.tags(request.tags))
        case "UntagUser":
            let request = IAMShapes.UntagUserRequest(call.input)
            try await iam.untagUser(accountId: account, userName: request.userName, keys: request.tagKeys)
        case "ListUserTags":
            let found = try await iam.getUser(accountId: account, userName: IAMShapes.ListUserTagsRequest(call.input).userName)
            return .json(["Tags": Self.json(found.tags), "IsTruncated": false])
        case "CreateAccessKey":
            let request = IAMShapes.CreateAccessKeyRequest(call.input)
            guard let userName = request.userName ?? caller.principal.userName,
                caller.principal.kind != .root || request.userName != nil
            else {
                throw .iamValidation("Root access keys are made by `rampart init` and `rampart account create`.")
            }
            let key = try await iam.createAccessKey(accountId: account, userName: userName)
            return .json([
                "AccessKey": [
                    "UserName": .string(userName), "AccessKeyId": .string(key.record.accessKeyId),
                    "Status": .string(key.record.status.rawValue), "SecretAccessKey": .string(key.secretAccessKey),
                    "CreateDate": Self.time(key.record.createDate),
                ]
            ])
        case "ListAccessKeys":
            let keys = try await iam.listAccessKeys(
                accountId: account, userName: try keyOwner(IAMShapes.ListAccessKeysRequest(call.input).userName))
            let metadata: [JSONValue] = keys.map {
                [
                    "UserName": $0.userName.map(JSONValue.string) ?? .null, "AccessKeyId": .string($0.accessKeyId),
                    "Status": .string($0.status.rawValue),
                    "CreateDate": Self.time($0.createDate),
                ]
            }
            return .json(["AccessKeyMetadata": .array(metadata), "IsTruncated": false])
        case "UpdateAccessKey":
            let request = IAMShapes.UpdateAccessKeyRequest(call.input)
            try await iam.updateAccessKey(
                accountId: account, userName: try keyOwner(request.userName), accessKeyId: request.accessKeyId,
                status: request.status == .inactive ? .inactive : .active)
        case "DeleteAccessKey":
            let request = IAMShapes.DeleteAccessKeyRequest(call.input)
            try await iam.deleteAccessKey(
                accountId: account, userName: try keyOwner(request.userName), accessKeyId: request.accessKeyId)
        default:
            return nil
        }
        return .json([:])
    }

    /// A user as GetUser and CreateUser show it; `listed`, as listings do (ListUsers, GetGroup),
    /// which AWS documents leave out PermissionsBoundary and Tags.
    static func json(_ user: IAMUser, listed: Bool = false) -> JSONValue {
        var members: [String: JSONValue] = [
            "Path": .string(user.path), "UserName": .string(user.userName), "UserId": .string(user.userId),
            "Arn": .string(user.arn), "CreateDate": time(user.createDate),
        ]
        if !listed {
            if let boundary = user.permissionsBoundary { members["PermissionsBoundary"] = json(boundary: boundary) }
            if !user.tags.isEmpty { members["Tags"] = json(user.tags) }
        }
        return .object(members)
    }
}
