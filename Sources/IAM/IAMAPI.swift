import AWSProtocol
import AccessControl
import Foundation
import Identity
import Policy
import ServiceKit

/// IAM on the wire (Query, version 2010-05-08): users and access keys here; groups, roles,
/// inline and managed policies in the extensions.
struct IAMAPI: OperationHandler {
    let iam: IAMService
    /// Checks a policy document; nil when it is well-formed, else MalformedPolicyDocument's message.
    let validatePolicy: IAMService.PolicyValidator = Authorization.validateIdentityPolicy
    /// Whether the caller may perform an IAM action on a resource (root: always; users: their policies).
    let authorize: @Sendable (Caller, String, String, [String: [String]]) -> AWSError?
    static let xmlns = "https://iam.amazonaws.com/doc/2010-05-08/"

    func handle(_ invocation: Invocation) async throws(AWSError) -> Reply {
        let (action, input, caller, requestId) = (
            invocation.operation, invocation.input, invocation.caller, invocation.requestId
        )
        let account = caller.accountId
        // Calls about "the caller's own user" default to the caller.
        let userName = input.string("UserName") ?? caller.principal.userName
        var conditionKeys = RequestTags.conditionKeys(
            tags: Self.tags(input).map { ($0.key, $0.value) }, removing: input.stringList("TagKeys") ?? [])
        // The boundary a call would set (CreateUser, CreateRole, Put{User,Role}PermissionsBoundary).
        if let boundary = input.string("PermissionsBoundary") { conditionKeys["iam:PermissionsBoundary"] = [boundary] }
        let resource = Self.resource(of: input, account: account, userName: userName)
        if let denial = authorize(caller, "iam:\(action)", resource, conditionKeys) { throw denial }

        func respond(_ body: (inout XMLWriter) -> Void) -> Reply {
            QueryReply.make(action: action, xmlns: Self.xmlns, requestId: requestId, result: body)
        }
        let call = Call(input: input, account: account, caller: caller, respond: respond)
        if let response = try await handleGroups(action, call) { return response }
        if let response = try await handleRoles(action, call) { return response }
        if let response = try await handlePolicies(action, call) { return response }
        if let response = try await handleInstanceProfiles(action, call) { return response }
        if let response = try await handlePermissionsBoundaries(action, call) { return response }
        func requireUser() throws(AWSError) -> String {
            guard let userName else {
                throw .iamValidation(
                    "1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null")
            }
            return userName
        }

        switch action {
        case "CreateUser":
            let user = try await iam.createUser(
                accountId: account, userName: try requireUser(), path: input.string("Path"), tags: Self.tags(input),
                permissionsBoundary: input.string("PermissionsBoundary"))
            return respond { Self.write(user, into: &$0) }
        case "GetUser":
            if input.string("UserName") == nil, caller.principal.kind != .root, caller.principal.kind != .iamUser {
                // A role session is no user: AWS wants the name then.
                throw .iamValidation("Must specify userName when calling with non-User credentials")
            }
            if input.string("UserName") == nil, caller.principal.kind == .root {
                return respond { w in
                    w.element("User") { u in
                        u.element("UserId", account)
                        u.element("Arn", caller.principal.arn)
                        u.element("CreateDate", Timestamp.iso8601(Date(timeIntervalSince1970: 0)))
                    }
                }
            }
            let user = try await iam.getUser(accountId: account, userName: try requireUser())
            return respond { Self.write(user, into: &$0) }
        case "ListUsers":
            let users = try await iam.listUsers(accountId: account, pathPrefix: input.string("PathPrefix"))
            return respond {
                Self.writeList("Users", users, into: &$0) { Self.write($0, into: &$1, element: "member", listed: true) }
            }
        case "UpdateUser":
            try await iam.updateUser(
                accountId: account, userName: try requireUser(), newUserName: input.string("NewUserName"),
                newPath: input.string("NewPath"))
            return respond { _ in }
        case "DeleteUser":
            try await iam.deleteUser(accountId: account, userName: try requireUser())
            return respond { _ in }
        case "TagUser":
            try await iam.tagUser(accountId: account, userName: try requireUser(), tags: Self.tags(input))
            return respond { _ in }
        case "UntagUser":
            try await iam.untagUser(accountId: account, userName: try requireUser(), keys: input.stringList("TagKeys") ?? [])
            return respond { _ in }
        case "ListUserTags":
            let user = try await iam.getUser(accountId: account, userName: try requireUser())
            return respond { w in
                Self.write(user.tags, into: &w)
                w.element("IsTruncated", "false")
            }
        case "CreateAccessKey":
            guard let userName, caller.principal.kind != .root || input.string("UserName") != nil else {
                throw .iamValidation("Root access keys are made by `rampart init` and `rampart account create`.")
            }
            let key = try await iam.createAccessKey(accountId: account, userName: userName)
            return respond { w in
                w.element("AccessKey") { k in
                    k.element("UserName", userName)
                    k.element("AccessKeyId", key.record.accessKeyId)
                    k.element("Status", key.record.status.rawValue)
                    k.element("SecretAccessKey", key.secretAccessKey)
                    k.element("CreateDate", Timestamp.iso8601(key.record.createDate, fractional: false))
                }
            }
        case "ListAccessKeys":
            let keys = try await iam.listAccessKeys(accountId: account, userName: try requireUser())
            return respond { w in
                w.element("AccessKeyMetadata") { list in
                    for key in keys {
                        list.element("member") { m in
                            m.element("UserName", key.userName)
                            m.element("AccessKeyId", key.accessKeyId)
                            m.element("Status", key.status.rawValue)
                            m.element("CreateDate", Timestamp.iso8601(key.createDate, fractional: false))
                        }
                    }
                }
                w.element("IsTruncated", "false")
            }
        case "UpdateAccessKey":
            try await iam.updateAccessKey(
                accountId: account, userName: try requireUser(), accessKeyId: input.string("AccessKeyId") ?? "",
                status: input.string("Status") == "Inactive" ? .inactive : .active)
            return respond { _ in }
        case "DeleteAccessKey":
            try await iam.deleteAccessKey(
                accountId: account, userName: try requireUser(), accessKeyId: input.string("AccessKeyId") ?? "")
            return respond { _ in }
        default:
            throw AWSError(code: "InvalidAction", message: "\(action) is not supported by this Rampart build yet.")
        }
    }

    /// A user as GetUser and CreateUser show it; `listed`, as listings do (ListUsers, GetGroup),
    /// which AWS documents leave out PermissionsBoundary and Tags.
    static func write(_ user: IAMUser, into w: inout XMLWriter, element: String = "User", listed: Bool = false) {
        w.element(element) { u in
            u.element("Path", user.path)
            u.element("UserName", user.userName)
            u.element("UserId", user.userId)
            u.element("Arn", user.arn)
            u.element("CreateDate", Timestamp.iso8601(user.createDate, fractional: false))
            if listed { return }
            if let boundary = user.permissionsBoundary { write(boundary: boundary, into: &u) }
            if !user.tags.isEmpty { write(user.tags, into: &u) }
        }
    }

    /// `PermissionsBoundary`: its type (always `PermissionsBoundaryPolicy`) and the policy's ARN.
    static func write(boundary arn: String, into w: inout XMLWriter) {
        w.element("PermissionsBoundary") { b in
            b.element("PermissionsBoundaryType", "PermissionsBoundaryPolicy")
            b.element("PermissionsBoundaryArn", arn)
        }
    }

    /// A listing: `<name>` holding one `<member>` per item, then `IsTruncated` (Rampart answers
    /// every listing in one page).
    static func writeList<T>(_ name: String, _ items: [T], into w: inout XMLWriter, _ write: (T, inout XMLWriter) -> Void) {
        w.element(name) { list in
            for item in items { write(item, &list) }
        }
        w.element("IsTruncated", "false")
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

    /// The ARN an action is authorized against: the role, group, policy or user it names.
    static func resource(of input: RequestInput, account: String, userName: String?) -> String {
        if let profile = input.string("InstanceProfileName") { return "arn:aws:iam::\(account):instance-profile/\(profile)" }
        if let role = input.string("RoleName") { return "arn:aws:iam::\(account):role/\(role)" }
        if let group = input.string("GroupName") { return "arn:aws:iam::\(account):group/\(group)" }
        if let policy = input.string("PolicyArn") { return policy }
        return userName.map { "arn:aws:iam::\(account):user/\($0)" } ?? "arn:aws:iam::\(account):*"
    }

    static func tags(_ input: RequestInput) -> [IAMTag] {
        (input.structureList("Tags") ?? []).map {
            IAMTag(key: $0["Key"]?.stringValue ?? "", value: $0["Value"]?.stringValue ?? "")
        }
    }

    /// RFC 3986 percent-encoding, as IAM returns policy documents.
    static func urlEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
