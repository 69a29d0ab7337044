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
        let (action, input, caller) = (invocation.operation, invocation.input, invocation.caller)
        let account = caller.accountId
        // Authorization reads the members that name a resource, tags or a boundary the same way
        // for every operation (served or not), before the operation's own shape is read: those
        // of the operation's input in the model (`IAMShapes.OperationMembers`), no others.
        let members = IAMShapes.OperationMembers(operation: action, input: input)
        let userName = members.userName ?? caller.principal.userName
        var conditionKeys = RequestTags.conditionKeys(
            tags: (members.tags ?? []).map { ($0.key, $0.value) }, removing: members.tagKeys ?? [])
        // The boundary a call would set (CreateUser, CreateRole, Put{User,Role}PermissionsBoundary).
        if let boundary = members.permissionsBoundary { conditionKeys["iam:PermissionsBoundary"] = [boundary] }
        // The service a service-linked role is made for (CreateServiceLinkedRole).
        if let service = members.awsServiceName { conditionKeys["iam:AWSServiceName"] = [service] }
        let resource = Self.resource(of: members, account: account, userName: userName)
        if let denial = authorize(caller, "iam:\(action)", resource, conditionKeys) { throw denial }

        let call = Call(input: input, account: account, caller: caller)
        if let response = try await handleGroups(action, call) { return response }
        if let response = try await handleRoles(action, call) { return response }
        if let response = try await handlePolicies(action, call) { return response }
        if let response = try await handleInstanceProfiles(action, call) { return response }
        if let response = try await handlePermissionsBoundaries(action, call) { return response }
        if let response = try await handleUsers(action, call) { return response }
        if let response = try await handleOtherCredentials(action, call) { return response }
        throw AWSError(code: "InvalidAction", message: "\(action) is not supported by this Rampart build yet.")
    }

    /// `PermissionsBoundary`: its type (always `PermissionsBoundaryPolicy`) and the policy's ARN.
    static func boundary(_ arn: String) -> IAMShapes.AttachedPermissionsBoundary {
        IAMShapes.AttachedPermissionsBoundary(permissionsBoundaryType: "PermissionsBoundaryPolicy", permissionsBoundaryArn: arn)
    }

    static func tags(_ tags: [IAMTag]) -> [IAMShapes.Tag] {
        tags.map { IAMShapes.Tag(key: $0.key, value: $0.value) }
    }

    // The same values as JSON, as `Reply.json` carries them (what the Query encoder and the
    // trail read); the handlers build the typed shapes above.

    static func json(_ user: IAMUser, listed: Bool = false) -> JSONValue { Self.user(user, listed: listed).jsonValue }

    static func json(_ tags: [IAMTag]) -> JSONValue { .array(Self.tags(tags).map(\.jsonValue)) }

    /// A timestamp as the generated output shapes of a Query service carry it: epoch seconds,
    /// which the edge writes as ISO 8601 to the second (as IAM answers) and the trail as
    /// CloudTrail records dates.
    static func time(_ date: Date) -> JSONValue { .double(date.timeIntervalSince1970) }

    /// The ARN an action is authorized against: the role, group, policy or user it names.
    static func resource(of input: IAMShapes.OperationMembers, account: String, userName: String?) -> String {
        if let service = input.awsServiceName {
            // The role CreateServiceLinkedRole would make, at its path.
            let name = ServiceLinkedRoles.templates[service]?.roleName ?? "*"
            return "arn:aws:iam::\(account):role/aws-service-role/\(service)/\(name)"
        }
        if let profile = input.instanceProfileName { return "arn:aws:iam::\(account):instance-profile/\(profile)" }
        if let role = input.roleName { return "arn:aws:iam::\(account):role/\(role)" }
        if let group = input.groupName { return "arn:aws:iam::\(account):group/\(group)" }
        if let policy = input.policyArn { return policy }
        return userName.map { "arn:aws:iam::\(account):user/\($0)" } ?? "arn:aws:iam::\(account):*"
    }

    static func tags(_ tags: [IAMShapes.Tag]?) -> [IAMTag] {
        (tags ?? []).map { IAMTag(key: $0.key, value: $0.value) }
    }

    /// RFC 3986 percent-encoding, as IAM returns policy documents.
    static func urlEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-_.~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
