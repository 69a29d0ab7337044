import AWSProtocol
import AccessControl
import Foundation
import Identity
import ServiceKit

extension IAMAPI {
    /// Roles, their trust policies and tags; nil for other actions.
    func handleRoles(_ action: String, _ call: Call) async throws(AWSError) -> Reply? {
        let account = call.account
        switch action {
        case "CreateRole":
            let request = IAMShapes.CreateRoleRequest(call.input)
            let role = try await iam.createRole(
                CreateRoleRequest(
                    roleName: request.roleName, path: request.path, assumeRolePolicy: request.assumeRolePolicyDocument,
                    description: request.description, maxSessionDuration: request.maxSessionDuration,
                    tags: Self.tags(request.tags), permissionsBoundary: request.permissionsBoundary),
                accountId: account, validateTrust: Authorization.validateTrustPolicy)
            return .output(IAMShapes.CreateRoleResponse(role: Self.role(role, as: .created)))
        case "GetRole":
            let role = try await iam.getRole(accountId: account, roleName: IAMShapes.GetRoleRequest(call.input).roleName)
            return .output(IAMShapes.GetRoleResponse(role: Self.role(role)))
        case "ListRoles":
            let roles = try await iam.listRoles(accountId: account, pathPrefix: IAMShapes.ListRolesRequest(call.input).pathPrefix)
            return .output(IAMShapes.ListRolesResponse(roles: roles.map { Self.role($0, as: .listed) }, isTruncated: false))
        case "DeleteRole":
            try await iam.deleteRole(accountId: account, roleName: IAMShapes.DeleteRoleRequest(call.input).roleName)
        case "UpdateAssumeRolePolicy":
            let request = IAMShapes.UpdateAssumeRolePolicyRequest(call.input)
            try await iam.updateAssumeRolePolicy(
                accountId: account, roleName: request.roleName, document: request.policyDocument,
                validateTrust: Authorization.validateTrustPolicy)
        case "UpdateRole":
            let request = IAMShapes.UpdateRoleRequest(call.input)
            let (description, duration) = (request.description, request.maxSessionDuration)
            try await iam.updateRole(accountId: account, roleName: request.roleName) { role throws(AWSError) in
                // A service-linked role's description may change; its session duration is AWS's.
                if duration != nil { try IAMService.requireModifiable(role) }
                if let description { role.description = description }
                if let duration { role.maxSessionDuration = duration }
            }
        case "UpdateRoleDescription":
            let request = IAMShapes.UpdateRoleDescriptionRequest(call.input)
            let description = request.description
            let role = try await iam.updateRole(accountId: account, roleName: request.roleName) { role throws(AWSError) in
                role.description = description
            }
            return .output(IAMShapes.UpdateRoleDescriptionResponse(role: Self.role(role)))
        case "TagRole":
            let request = IAMShapes.TagRoleRequest(call.input)
            let tags = Self.tags(request.tags)
            try await iam.updateRole(accountId: account, roleName: request.roleName) { role throws(AWSError) in
                role.tags.merge(tags)
            }
        case "UntagRole":
            let request = IAMShapes.UntagRoleRequest(call.input)
            let keys = request.tagKeys
            try await iam.updateRole(accountId: account, roleName: request.roleName) { role throws(AWSError) in
                role.tags.removeAll { keys.contains($0.key) }
            }
        case "CreateServiceLinkedRole":
            let request = IAMShapes.CreateServiceLinkedRoleRequest(call.input)
            let role = try await iam.createServiceLinkedRole(
                accountId: account, serviceName: request.awsServiceName, description: request.description,
                customSuffix: request.customSuffix)
            return .output(IAMShapes.CreateServiceLinkedRoleResponse(role: Self.role(role, as: .created)))
        case "DeleteServiceLinkedRole":
            let taskId = try await iam.deleteServiceLinkedRole(
                accountId: account, roleName: IAMShapes.DeleteServiceLinkedRoleRequest(call.input).roleName)
            return .output(IAMShapes.DeleteServiceLinkedRoleResponse(deletionTaskId: taskId))
        case "GetServiceLinkedRoleDeletionStatus":
            let request = IAMShapes.GetServiceLinkedRoleDeletionStatusRequest(call.input)
            let status = try await iam.serviceLinkedRoleDeletionStatus(accountId: account, taskId: request.deletionTaskId)
            return .output(IAMShapes.GetServiceLinkedRoleDeletionStatusResponse(status: status))
        case "ListRoleTags":
            let role = try await iam.getRole(accountId: account, roleName: IAMShapes.ListRoleTagsRequest(call.input).roleName)
            return .output(IAMShapes.ListRoleTagsResponse(tags: Self.tags(role.tags), isTruncated: false))
        default:
            return nil
        }
        return .json([:])
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

    static func role(_ role: IAMRole, as form: RoleForm = .full) -> IAMShapes.Role {
        var shape = IAMShapes.Role(
            path: role.path, roleName: role.roleName, roleId: role.roleId, arn: role.arn, createDate: role.createDate,
            assumeRolePolicyDocument: urlEncoded(role.assumeRolePolicy))
        if form == .inProfile { return shape }
        shape.description = role.description
        if form == .full || form == .listed { shape.maxSessionDuration = role.maxSessionDuration }
        if form == .listed { return shape }
        shape.permissionsBoundary = role.permissionsBoundary.map(boundary)
        if !role.tags.isEmpty { shape.tags = tags(role.tags) }
        if form == .full { shape.roleLastUsed = IAMShapes.RoleLastUsed() }
        return shape
    }
}
