import AWSProtocol
import AccessControl
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Roles, their trust policies and tags; nil for other actions.
    func handleRoles(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let account = call.account
        let roleName = call.name("RoleName")
        switch action {
        case "CreateRole":
            let role = try await iam.createRole(
                CreateRoleRequest(
                    roleName: roleName, path: call.input.string("Path"),
                    assumeRolePolicy: call.name("AssumeRolePolicyDocument"), description: call.input.string("Description"),
                    maxSessionDuration: call.input.int("MaxSessionDuration"), tags: Self.tags(call.input),
                    permissionsBoundary: call.input.string("PermissionsBoundary")),
                accountId: account, validateTrust: Authorization.validateTrustPolicy)
            return call.respond { Self.write(role, into: &$0, as: .created) }
        case "GetRole":
            let role = try await iam.getRole(accountId: account, roleName: roleName)
            return call.respond { Self.write(role, into: &$0) }
        case "ListRoles":
            let roles = try await iam.listRoles(accountId: account, pathPrefix: call.input.string("PathPrefix"))
            return call.respond {
                Self.writeList("Roles", roles, into: &$0) { Self.write($0, into: &$1, element: "member", as: .listed) }
            }
        case "DeleteRole":
            try await iam.deleteRole(accountId: account, roleName: roleName)
        case "UpdateAssumeRolePolicy":
            try await iam.updateAssumeRolePolicy(
                accountId: account, roleName: roleName, document: call.name("PolicyDocument"),
                validateTrust: Authorization.validateTrustPolicy)
        case "UpdateRole", "UpdateRoleDescription":
            let description = call.input.string("Description")
            let duration = call.input.int("MaxSessionDuration")
            let role = try await iam.updateRole(accountId: account, roleName: roleName) { role throws(AWSError) in
                if let description { role.description = description }
                if let duration { role.maxSessionDuration = duration }
            }
            if action == "UpdateRoleDescription" { return call.respond { Self.write(role, into: &$0) } }
        case "TagRole":
            let tags = Self.tags(call.input)
            try await iam.updateRole(accountId: account, roleName: roleName) { role throws(AWSError) in role.tags.merge(tags) }
        case "UntagRole":
            let keys = call.input.stringList("TagKeys") ?? []
            try await iam.updateRole(accountId: account, roleName: roleName) { role throws(AWSError) in
                role.tags.removeAll { keys.contains($0.key) }
            }
        case "ListRoleTags":
            let role = try await iam.getRole(accountId: account, roleName: roleName)
            return call.respond { w in
                Self.write(role.tags, into: &w)
                w.element("IsTruncated", "false")
            }
        default:
            return nil
        }
        return call.respond { _ in }
    }

    /// Which of a role's members an answer shows, as AWS's documented responses do.
    enum RoleForm {
        /// GetRole, UpdateRoleDescription: every member.
        case full
        /// CreateRole: no MaxSessionDuration and no RoleLastUsed.
        case created
        /// ListRoles: no PermissionsBoundary, Tags or RoleLastUsed.
        case listed
        /// A role inside an instance profile: the role's identity and trust policy only.
        case inProfile
    }

    static func write(_ role: IAMRole, into w: inout XMLWriter, element: String = "Role", as form: RoleForm = .full) {
        w.element(element) { r in
            r.element("Path", role.path)
            r.element("RoleName", role.roleName)
            r.element("RoleId", role.roleId)
            r.element("Arn", role.arn)
            r.element("CreateDate", Timestamp.iso8601(role.createDate, fractional: false))
            r.element("AssumeRolePolicyDocument", urlEncoded(role.assumeRolePolicy))
            if form == .inProfile { return }
            if let description = role.description { r.element("Description", description) }
            if form == .full || form == .listed { r.element("MaxSessionDuration", String(role.maxSessionDuration)) }
            if form == .listed { return }
            if let boundary = role.permissionsBoundary { write(boundary: boundary, into: &r) }
            if !role.tags.isEmpty { write(role.tags, into: &r) }
            if form == .full { r.element("RoleLastUsed") { _ in } }
        }
    }
}
