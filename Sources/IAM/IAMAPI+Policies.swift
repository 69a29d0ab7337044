import AWSProtocol
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Inline policies of users, groups and roles; managed policies, their versions and
    /// attachments; nil for other actions.
    func handlePolicies(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        if let response = try await handleInlinePolicies(action, call) { return response }
        if let response = try await handleAttachments(action, call) { return response }
        let account = call.account
        let arn = call.name("PolicyArn")
        switch action {
        case "CreatePolicy":
            let policy = try await iam.createPolicy(
                accountId: account, policyName: call.name("PolicyName"), path: call.input.string("Path"),
                document: call.name("PolicyDocument"), description: call.input.string("Description"),
                tags: Self.tags(call.input), validate: validatePolicy)
            return call.respond { Self.write(policy, attachments: 0, boundaries: 0, into: &$0) }
        case "GetPolicy":
            let policy = try await iam.getPolicy(accountId: account, arn: arn)
            let count = try await iam.attachmentCount(accountId: account, arn: arn)
            let boundaries = try await iam.permissionsBoundaryUsageCount(accountId: account, arn: arn)
            return call.respond { Self.write(policy, attachments: count, boundaries: boundaries, into: &$0) }
        case "ListPolicies":
            // AWS managed policies are not built: scope AWS lists none.
            let listed =
                call.input.string("Scope") == "AWS"
                ? []
                : try await iam.listPolicies(
                    accountId: account, onlyAttached: call.input.bool("OnlyAttached") ?? false,
                    pathPrefix: call.input.string("PathPrefix"))
            return call.respond {
                Self.writeList("Policies", listed, into: &$0) {
                    Self.write(
                        $0.policy, attachments: $0.attachmentCount, boundaries: $0.permissionsBoundaryUsageCount, into: &$1,
                        element: "member", listed: true)
                }
            }
        case "DeletePolicy":
            try await iam.deletePolicy(accountId: account, arn: arn)
        case "CreatePolicyVersion":
            let version = try await iam.createPolicyVersion(
                accountId: account, arn: arn, document: call.name("PolicyDocument"),
                setAsDefault: call.input.bool("SetAsDefault") ?? false, validate: validatePolicy)
            let policy = try await iam.getPolicy(accountId: account, arn: arn)
            return call.respond { Self.write(version, of: policy, into: &$0) }
        case "GetPolicyVersion":
            let version = try await iam.getPolicyVersion(accountId: account, arn: arn, versionId: call.name("VersionId"))
            let policy = try await iam.getPolicy(accountId: account, arn: arn)
            return call.respond { Self.write(version, of: policy, into: &$0) }
        case "ListPolicyVersions":
            let policy = try await iam.getPolicy(accountId: account, arn: arn)
            return call.respond {
                Self.writeList("Versions", policy.versions.reversed(), into: &$0) {
                    Self.write($0, of: policy, into: &$1, element: "member", withDocument: false)
                }
            }
        case "DeletePolicyVersion":
            try await iam.deletePolicyVersion(accountId: account, arn: arn, versionId: call.name("VersionId"))
        case "SetDefaultPolicyVersion":
            try await iam.setDefaultPolicyVersion(accountId: account, arn: arn, versionId: call.name("VersionId"))
        case "ListPolicyTags":
            let policy = try await iam.getPolicy(accountId: account, arn: arn)
            return call.respond { w in
                Self.write(policy.tags, into: &w)
                w.element("IsTruncated", "false")
            }
        case "ListEntitiesForPolicy":
            _ = try await iam.getPolicy(accountId: account, arn: arn)
            // PolicyUsageFilter: as a permissions policy (attached), as a boundary, or (absent) both.
            let usage = call.input.string("PolicyUsageFilter")
            var owners: [PolicyOwner] = []
            if usage != "PermissionsBoundary" {
                owners += try await iam.attachments(accountId: account).filter { $0.1.contains(arn) }.map(\.0)
            }
            let groups = try await iam.listGroups(accountId: account, pathPrefix: nil)
            let roles = try await iam.listRoles(accountId: account, pathPrefix: nil)
            let users = try await iam.listUsers(accountId: account, pathPrefix: nil)
            if usage != "PermissionsPolicy" {
                owners += users.filter { $0.permissionsBoundary == arn }.map { .user($0.userName) }
                owners += roles.filter { $0.permissionsBoundary == arn }.map { .role($0.roleName) }
            }
            return call.respond { w in
                w.element("PolicyGroups") { list in
                    for group in groups where owners.contains(.group(group.groupName)) {
                        list.element("member") { m in
                            m.element("GroupName", group.groupName)
                            m.element("GroupId", group.groupId)
                        }
                    }
                }
                w.element("PolicyUsers") { list in
                    for user in users where owners.contains(.user(user.userName)) {
                        list.element("member") { m in
                            m.element("UserName", user.userName)
                            m.element("UserId", user.userId)
                        }
                    }
                }
                w.element("PolicyRoles") { list in
                    for role in roles where owners.contains(.role(role.roleName)) {
                        list.element("member") { m in
                            m.element("RoleName", role.roleName)
                            m.element("RoleId", role.roleId)
                        }
                    }
                }
                w.element("IsTruncated", "false")
            }
        default:
            return nil
        }
        return call.respond { _ in }
    }

    /// The user, group or role an action names (`UserPolicy`, `GroupPolicy`, `RolePolicy`).
    static func owner(of action: String, _ call: Call) -> PolicyOwner? {
        if action.contains("Group") { return .group(call.name("GroupName")) }
        if action.contains("Role") { return .role(call.name("RoleName")) }
        if action.contains("User") { return .user(call.input.string("UserName") ?? call.caller.principal.userName ?? "") }
        return nil
    }

    /// The same action for each kind of policy owner: `PutUserPolicy`, `PutGroupPolicy`, `PutRolePolicy`.
    static func forEveryOwner(_ forms: [String]) -> Set<String> {
        Set(["User", "Group", "Role"].flatMap { kind in forms.map { $0.replacingOccurrences(of: "User", with: kind) } })
    }

    static let inlinePolicyActions = forEveryOwner(["PutUserPolicy", "GetUserPolicy", "ListUserPolicies", "DeleteUserPolicy"])
    static let attachmentActions = forEveryOwner(["AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies"])

    func handleInlinePolicies(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        guard Self.inlinePolicyActions.contains(action), let owner = Self.owner(of: action, call) else { return nil }
        let account = call.account
        let policyName = call.name("PolicyName")
        switch action.prefix(3) {
        case "Put":
            try await iam.putInlinePolicy(
                accountId: account, owner: owner, policyName: policyName, document: call.name("PolicyDocument"),
                validate: validatePolicy)
        case "Get":
            let document = try await iam.getInlinePolicy(accountId: account, owner: owner, policyName: policyName)
            return call.respond { w in
                w.element("\(owner.kind.capitalized)Name", owner.name)
                w.element("PolicyName", policyName)
                // IAM returns policy documents URL-encoded.
                w.element("PolicyDocument", Self.urlEncoded(document))
            }
        case "Lis":
            let names = try await iam.listInlinePolicies(accountId: account, owner: owner)
            return call.respond { Self.writeList("PolicyNames", names, into: &$0) { $1.element("member", $0) } }
        default:
            try await iam.deleteInlinePolicy(accountId: account, owner: owner, policyName: policyName)
        }
        return call.respond { _ in }
    }

    func handleAttachments(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        guard Self.attachmentActions.contains(action), let owner = Self.owner(of: action, call) else { return nil }
        let account = call.account
        switch action.prefix(6) {
        case "Attach":
            try await iam.attachPolicy(accountId: account, owner: owner, arn: call.name("PolicyArn"))
        case "Detach":
            try await iam.detachPolicy(accountId: account, owner: owner, arn: call.name("PolicyArn"))
        default:
            let arns = try await iam.attachedPolicies(accountId: account, owner: owner)
            return call.respond { w in
                w.element("AttachedPolicies") { list in
                    for arn in arns {
                        list.element("member") { m in
                            m.element("PolicyName", String(arn.split(separator: "/").last ?? ""))
                            m.element("PolicyArn", arn)
                        }
                    }
                }
                w.element("IsTruncated", "false")
            }
        }
        return call.respond { _ in }
    }

    /// A managed policy; `listed`, as ListPolicies shows it: without Description and Tags, which
    /// AWS documents GetPolicy alone to return.
    static func write(
        _ policy: ManagedPolicy, attachments: Int, boundaries: Int, into w: inout XMLWriter, element: String = "Policy",
        listed: Bool = false
    ) {
        w.element(element) { p in
            p.element("PolicyName", policy.policyName)
            p.element("PolicyId", policy.policyId)
            p.element("Arn", policy.arn)
            p.element("Path", policy.path)
            p.element("DefaultVersionId", policy.defaultVersionId)
            p.element("AttachmentCount", String(attachments))
            p.element("PermissionsBoundaryUsageCount", String(boundaries))
            p.element("IsAttachable", "true")
            if !listed, let description = policy.description { p.element("Description", description) }
            p.element("CreateDate", Timestamp.iso8601(policy.createDate, fractional: false))
            p.element("UpdateDate", Timestamp.iso8601(policy.updateDate, fractional: false))
            if !listed, !policy.tags.isEmpty { write(policy.tags, into: &p) }
        }
    }

    static func write(
        _ version: PolicyVersion, of policy: ManagedPolicy, into w: inout XMLWriter, element: String = "PolicyVersion",
        withDocument: Bool = true
    ) {
        w.element(element) { v in
            if withDocument { v.element("Document", urlEncoded(version.document)) }
            v.element("VersionId", version.versionId)
            v.element("IsDefaultVersion", version.versionId == policy.defaultVersionId ? "true" : "false")
            v.element("CreateDate", Timestamp.iso8601(version.createDate, fractional: false))
        }
    }
}
