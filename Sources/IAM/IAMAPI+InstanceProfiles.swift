import AWSProtocol
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Instance profiles, the roles they hold and their tags; nil for other actions.
    func handleInstanceProfiles(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let account = call.account
        switch action {
        case "CreateInstanceProfile":
            let request = IAMShapes.CreateInstanceProfileRequest(call.input)
            let profile = try await iam.createInstanceProfile(
                accountId: account, name: request.instanceProfileName, path: request.path, tags: Self.tags(request.tags))
            return .output(IAMShapes.CreateInstanceProfileResponse(instanceProfile: Self.profile(profile, roles: [:])))
        case "GetInstanceProfile":
            let request = IAMShapes.GetInstanceProfileRequest(call.input)
            let profile = try await iam.instanceProfile(accountId: account, name: request.instanceProfileName)
            let roles = try await roles(of: [profile], account: account)
            return .output(IAMShapes.GetInstanceProfileResponse(instanceProfile: Self.profile(profile, roles: roles)))
        case "ListInstanceProfiles", "ListInstanceProfilesForRole":
            let profiles =
                action == "ListInstanceProfiles"
                ? try await iam.listInstanceProfiles(
                    accountId: account, pathPrefix: IAMShapes.ListInstanceProfilesRequest(call.input).pathPrefix)
                : try await iam.listInstanceProfiles(
                    accountId: account, roleName: IAMShapes.ListInstanceProfilesForRoleRequest(call.input).roleName)
            let roles = try await roles(of: profiles, account: account)
            let shapes = profiles.map { Self.profile($0, roles: roles) }
            return action == "ListInstanceProfiles"
                ? .output(IAMShapes.ListInstanceProfilesResponse(instanceProfiles: shapes, isTruncated: false))
                : .output(IAMShapes.ListInstanceProfilesForRoleResponse(instanceProfiles: shapes, isTruncated: false))
        case "DeleteInstanceProfile":
            let request = IAMShapes.DeleteInstanceProfileRequest(call.input)
            try await iam.deleteInstanceProfile(accountId: account, name: request.instanceProfileName)
        case "AddRoleToInstanceProfile":
            let request = IAMShapes.AddRoleToInstanceProfileRequest(call.input)
            try await iam.addRoleToInstanceProfile(
                accountId: account, name: request.instanceProfileName, roleName: request.roleName)
        case "RemoveRoleFromInstanceProfile":
            let request = IAMShapes.RemoveRoleFromInstanceProfileRequest(call.input)
            try await iam.removeRoleFromInstanceProfile(
                accountId: account, name: request.instanceProfileName, roleName: request.roleName)
        case "TagInstanceProfile":
            let request = IAMShapes.TagInstanceProfileRequest(call.input)
            try await iam.tagInstanceProfile(
                accountId: account, name: request.instanceProfileName, tags: Self.tags(request.tags))
        case "UntagInstanceProfile":
            let request = IAMShapes.UntagInstanceProfileRequest(call.input)
            try await iam.untagInstanceProfile(accountId: account, name: request.instanceProfileName, keys: request.tagKeys)
        case "ListInstanceProfileTags":
            let request = IAMShapes.ListInstanceProfileTagsRequest(call.input)
            let profile = try await iam.instanceProfile(accountId: account, name: request.instanceProfileName)
            return .output(IAMShapes.ListInstanceProfileTagsResponse(tags: Self.tags(profile.tags), isTruncated: false))
        default:
            return nil
        }
        return .json([:])
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
    static func profile(_ profile: IAMInstanceProfile, roles: [String: IAMRole]) -> IAMShapes.InstanceProfile {
        IAMShapes.InstanceProfile(
            path: profile.path, instanceProfileName: profile.instanceProfileName,
            instanceProfileId: profile.instanceProfileId, arn: profile.arn, createDate: profile.createDate,
            roles: profile.roles.compactMap { roles[$0] }.map { role($0, as: .inProfile) },
            tags: profile.tags.isEmpty ? nil : tags(profile.tags))
    }
}
