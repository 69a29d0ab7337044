public import AWSProtocol
import Foundation
import RampartCore

extension IAMService {
    /// Makes the service-linked role of `serviceName` (`AWSServiceName`): AWS's name for it
    /// (with `_<customSuffix>` where the service takes one), the path
    /// `/aws-service-role/<service>/`, a trust policy for the service and AWS's managed policy.
    /// InvalidInput, with AWS's messages, for a suffix the service does not take and for a name
    /// already taken; one per service unless suffixed.
    public func createServiceLinkedRole(
        accountId: String, serviceName: String, description: String?, customSuffix: String?
    ) async throws(AWSError) -> IAMRole {
        guard let template = ServiceLinkedRoles.templates[serviceName] else {
            // AWS's wording for an unknown service was not found recorded.
            throw .invalidInput("Invalid service name: \(serviceName)")
        }
        var roleName = template.roleName
        if let customSuffix {
            guard template.customSuffixAllowed else { throw .invalidInput("Custom suffix is not allowed for \(serviceName)") }
            roleName += "_\(customSuffix)"
        }
        guard roleName.utf8.count <= 64 else {
            throw .invalidInput("The role name \(roleName) exceeds the 64-character limit for role names.")
        }
        return try await serialized { () async throws(AWSError) -> IAMRole in
            if try await existing(IAMRole.self, accountId: accountId, name: roleName) != nil {
                throw .invalidInput(
                    "Service role name \(roleName) has been taken in this account, please try a different suffix.")
            }
            var role = IAMRole(
                accountId: accountId, roleName: roleName, roleId: IdentityIdentifiers.uniqueId(prefix: "AROA"),
                path: "/aws-service-role/\(serviceName)/", createDate: clock.now,
                assumeRolePolicy: ServiceLinkedRoles.trustPolicy(service: serviceName), description: description,
                maxSessionDuration: 3600, tags: [],
                attachedPolicies: template.policies.filter { AWSManagedPolicies.policy(arn: $0) != nil })
            role.awsServiceName = serviceName
            try await stored { try await self.store.putEntity(role) }
            invalidatePolicies()
            return role
        }
    }

    /// Deletes a service-linked role with its policies at once and answers the deletion task's
    /// id, `task/aws-service-role/<service>/<role>/<uuid>`. NoSuchEntity for a role that does not
    /// exist or is not service-linked (the only client error AWS's API reference lists).
    public func deleteServiceLinkedRole(accountId: String, roleName: String) async throws(AWSError) -> String {
        try await serialized { () async throws(AWSError) -> String in
            let role = try await getRole(accountId: accountId, roleName: roleName)
            guard let service = role.awsServiceName else {
                throw .noSuchEntity("The role with name \(roleName) is not a service-linked role.")
            }
            for name in try await stored({ try await self.store.inlinePolicies(accountId: accountId, owner: .role(roleName)) })
                .keys
            {
                try await stored {
                    try await self.store.deleteInlinePolicy(accountId: accountId, owner: .role(roleName), name: name)
                }
            }
            for var profile in try await stored({ try await self.store.entities(IAMInstanceProfile.self, accountId: accountId) })
            where profile.roles.contains(roleName) {
                profile.roles.removeAll { $0 == roleName }
                try await stored { try await self.store.putEntity(profile) }
            }
            let task = ServiceLinkedRoleDeletionTask(
                accountId: accountId,
                deletionTaskId: "task/aws-service-role/\(service)/\(roleName)/\(UUID().uuidString.lowercased())",
                status: "SUCCEEDED")
            try await stored { try await self.store.putEntity(task) }
            try await stored { try await self.store.deleteEntity(IAMRole.self, accountId: accountId, name: roleName) }
            invalidatePolicies()
            return task.deletionTaskId
        }
    }

    /// The status of a deletion task DeleteServiceLinkedRole started: `SUCCEEDED`.
    public func serviceLinkedRoleDeletionStatus(accountId: String, taskId: String) async throws(AWSError) -> String {
        guard
            let task = try await stored({
                try await self.store.entity(ServiceLinkedRoleDeletionTask.self, accountId: accountId, name: taskId)
            })
        else { throw .noSuchEntity("Deletion task \(taskId) does not exist.") }
        return task.status
    }

    /// UnmodifiableEntity for a service-linked role: only AWS changes or deletes one (its
    /// description and tags excepted), with AWS's message.
    public static func requireModifiable(_ role: IAMRole) throws(AWSError) {
        guard role.awsServiceName != nil else { return }
        throw .unmodifiableEntity(
            "Cannot perform the operation on the protected role '\(role.roleName)' - this role is only modifiable by AWS")
    }

    /// `requireModifiable` for a role named by an owner (users and groups pass).
    func requireModifiable(accountId: String, _ owner: PolicyOwner) async throws(AWSError) {
        guard case .role(let name) = owner else { return }
        try Self.requireModifiable(try await getRole(accountId: accountId, roleName: name))
    }
}
