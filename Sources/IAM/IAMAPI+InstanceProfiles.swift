import AWSProtocol
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Instance profiles, the roles they hold and their tags; nil for other actions.
    func handleInstanceProfiles(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let account = call.account
        let name = call.name("InstanceProfileName")
        switch action {
        case "CreateInstanceProfile":
            let profile = try await iam.createInstanceProfile(
                accountId: account, name: name, path: call.input.string("Path"), tags: Self.tags(call.input))
            return call.respond { Self.write(profile, roles: [:], into: &$0) }
        case "GetInstanceProfile":
            let profile = try await iam.instanceProfile(accountId: account, name: name)
            let roles = try await roles(of: [profile], account: account)
            return call.respond { Self.write(profile, roles: roles, into: &$0) }
        case "ListInstanceProfiles", "ListInstanceProfilesForRole":
            let profiles =
                action == "ListInstanceProfiles"
                ? try await iam.listInstanceProfiles(accountId: account, pathPrefix: call.input.string("PathPrefix"))
                : try await iam.listInstanceProfiles(accountId: account, roleName: call.name("RoleName"))
            let roles = try await roles(of: profiles, account: account)
            return call.respond {
                Self.writeList("InstanceProfiles", profiles, into: &$0) {
                    Self.write($0, roles: roles, into: &$1, element: "member")
                }
            }
        case "DeleteInstanceProfile":
            try await iam.deleteInstanceProfile(accountId: account, name: name)
        case "AddRoleToInstanceProfile":
            try await iam.addRoleToInstanceProfile(accountId: account, name: name, roleName: call.name("RoleName"))
        case "RemoveRoleFromInstanceProfile":
            try await iam.removeRoleFromInstanceProfile(accountId: account, name: name, roleName: call.name("RoleName"))
        case "TagInstanceProfile":
            try await iam.tagInstanceProfile(accountId: account, name: name, tags: Self.tags(call.input))
        case "UntagInstanceProfile":
            try await iam.untagInstanceProfile(accountId: account, name: name, keys: call.input.stringList("TagKeys") ?? [])
        case "ListInstanceProfileTags":
            let profile = try await iam.instanceProfile(accountId: account, name: name)
            return call.respond { w in
                Self.write(profile.tags, into: &w)
                w.element("IsTruncated", "false")
            }
        default:
            return nil
        }
        return call.respond { _ in }
    }

    /// The roles the profiles hold, by name.
    func roles(of profiles: [IAMInstanceProfile], account: String) async throws(AWSError) -> [String: IAMRole] {
        var roles: [String: IAMRole] = [:]
        for name in Set(profiles.flatMap(\.roles)) {
            roles[name] = try await iam.getRole(accountId: account, roleName: name)
        }
        return roles
    }

    /// An instance profile as AWS shows it everywhere: its roles in full, tags when it has any.
    static func write(
        _ profile: IAMInstanceProfile, roles: [String: IAMRole], into w: inout XMLWriter, element: String = "InstanceProfile"
    ) {
        w.element(element) { p in
            p.element("Path", profile.path)
            p.element("InstanceProfileName", profile.instanceProfileName)
            p.element("InstanceProfileId", profile.instanceProfileId)
            p.element("Arn", profile.arn)
            p.element("CreateDate", Timestamp.iso8601(profile.createDate, fractional: false))
            p.element("Roles") { list in
                for role in profile.roles.compactMap({ roles[$0] }) {
                    write(role, into: &list, element: "member", as: .inProfile)
                }
            }
            if !profile.tags.isEmpty { write(profile.tags, into: &p) }
        }
    }
}
