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
            return .output(IAMShapes.CreateUserResponse(user: Self.user(created)))
        case "GetUser":
            let request = IAMShapes.GetUserRequest(call.input)
            if request.userName == nil, caller.principal.kind != .root, caller.principal.kind != .iamUser {
                // A role session is no user: AWS wants the name then.
                throw .iamValidation("Must specify userName when calling with non-User credentials")
            }
            if request.userName == nil, caller.principal.kind == .root {
                // Rendered by hand: the root has no user record, and its CreateDate is written as
                // this text (with milliseconds), not as a timestamp.
                let root = IAMShapes.User(rendered: [
                    "UserId": .string(account), "Arn": .string(caller.principal.arn),
                    "CreateDate": .string(Timestamp.iso8601(Date(timeIntervalSince1970: 0))),
                ])
                return .output(IAMShapes.GetUserResponse(user: root))
            }
            let found = try await iam.getUser(accountId: account, userName: try user(request.userName))
            return .output(IAMShapes.GetUserResponse(user: Self.user(found)))
        case "ListUsers":
            let request = IAMShapes.ListUsersRequest(call.input)
            let users = try await iam.listUsers(accountId: account, pathPrefix: request.pathPrefix)
            return .output(IAMShapes.ListUsersResponse(users: users.map { Self.user($0, listed: true) }, isTruncated: false))
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
            return .output(IAMShapes.ListUserTagsResponse(tags: Self.tags(found.tags), isTruncated: false))
        case "CreateAccessKey":
            let request = IAMShapes.CreateAccessKeyRequest(call.input)
            guard let userName = request.userName ?? caller.principal.userName,
                caller.principal.kind != .root || request.userName != nil
            else {
                throw .iamValidation("Root access keys are made by `rampart init` and `rampart account create`.")
            }
            let key = try await iam.createAccessKey(accountId: account, userName: userName)
            return .output(
                IAMShapes.CreateAccessKeyResponse(
                    accessKey: IAMShapes.AccessKey(
                        userName: userName, accessKeyId: key.record.accessKeyId, status: key.record.status.rawValue,
                        secretAccessKey: key.secretAccessKey, createDate: key.record.createDate)))
        case "ListAccessKeys":
            let keys = try await iam.listAccessKeys(
                accountId: account, userName: try keyOwner(IAMShapes.ListAccessKeysRequest(call.input).userName))
            let metadata = keys.map {
                IAMShapes.AccessKeyMetadata(
                    userName: $0.userName, accessKeyId: $0.accessKeyId, status: $0.status.rawValue, createDate: $0.createDate)
            }
            return .output(IAMShapes.ListAccessKeysResponse(accessKeyMetadata: metadata, isTruncated: false))
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
    static func user(_ user: IAMUser, listed: Bool = false) -> IAMShapes.User {
        var shape = IAMShapes.User(
            path: user.path, userName: user.userName, userId: user.userId, arn: user.arn, createDate: user.createDate)
        if !listed {
            shape.permissionsBoundary = user.permissionsBoundary.map(boundary)
            if !user.tags.isEmpty { shape.tags = tags(user.tags) }
        }
        return shape
    }
}
