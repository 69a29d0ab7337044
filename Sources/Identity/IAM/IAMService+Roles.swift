public import AWSProtocol
import Foundation
import RampartCore

/// What CreateRole takes.
public struct CreateRoleRequest: Sendable {
    public var roleName: String
    public var path: String?
    public var assumeRolePolicy: String
    public var description: String?
    public var maxSessionDuration: Int?
    public var tags: [IAMTag]
    /// The ARN of a customer managed policy of the account to bound the role's permissions.
    public var permissionsBoundary: String?

    public init(
        roleName: String, path: String?, assumeRolePolicy: String, description: String?, maxSessionDuration: Int?,
        tags: [IAMTag], permissionsBoundary: String? = nil
    ) {
        self.roleName = roleName
        self.path = path
        self.assumeRolePolicy = assumeRolePolicy
        self.description = description
        self.maxSessionDuration = maxSessionDuration
        self.tags = tags
        self.permissionsBoundary = permissionsBoundary
    }
}

extension IAMService {
    public static let sessionDurationRange = 3600...43_200

    /// `validateTrust` checks the trust policy (a resource policy: it names principals).
    public func createRole(
        _ request: CreateRoleRequest, accountId: String, validateTrust: PolicyValidator
    ) async throws(AWSError) -> IAMRole {
        try Self.checkName(request.roleName, what: "roleName")
        let path = try Self.checkPath(request.path)
        if let problem = validateTrust(request.assumeRolePolicy) { throw .iamMalformedPolicy(problem) }
        let duration = request.maxSessionDuration ?? 3600
        try Self.checkSessionDuration(duration)
        guard request.tags.count <= 50 else { throw .iamLimitExceeded("Cannot exceed quota for TagsPerRole: 50") }
        return try await serialized { () async throws(AWSError) -> IAMRole in
            if try await existing(IAMRole.self, accountId: accountId, name: request.roleName) != nil {
                throw .entityAlreadyExists("Role with name \(request.roleName) already exists.")
            }
            if let boundary = request.permissionsBoundary {
                _ = try await requireBoundaryPolicy(boundary, accountId: accountId)
            }
            var role = IAMRole(
                accountId: accountId, roleName: request.roleName, roleId: IdentityIdentifiers.uniqueId(prefix: "AROA"),
                path: path, createDate: clock.now, assumeRolePolicy: request.assumeRolePolicy,
                description: request.description, maxSessionDuration: duration, tags: request.tags, attachedPolicies: [])
            role.permissionsBoundary = request.permissionsBoundary
            try await stored { try await self.store.putEntity(role) }
            return role
        }
    }

    static func checkSessionDuration(_ seconds: Int) throws(AWSError) {
        guard sessionDurationRange.contains(seconds) else {
            throw .iamValidation(
                "1 validation error detected: Value '\(seconds)' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200"
            )
        }
    }

    public func getRole(accountId: String, roleName: String) async throws(AWSError) -> IAMRole {
        guard let role = try await stored({ try await self.store.entity(IAMRole.self, accountId: accountId, name: roleName) })
        else { throw .noSuchEntity("The role with name \(roleName) cannot be found.") }
        return role
    }

    public func listRoles(accountId: String, pathPrefix: String?) async throws(AWSError) -> [IAMRole] {
        try await stored { try await self.store.entities(IAMRole.self, accountId: accountId) }
            .filter { $0.path.hasPrefix(pathPrefix ?? "/") }
    }

    public func deleteRole(accountId: String, roleName: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            let role = try await getRole(accountId: accountId, roleName: roleName)
            try Self.requireModifiable(role)
            if try await stored({ try await self.store.entities(IAMInstanceProfile.self, accountId: accountId) })
                .contains(where: { $0.roles.contains(role.roleName) })
            {
                throw .deleteConflict("Cannot delete entity, must remove roles from instance profile first.")
            }
            if !(try await stored({ try await self.store.inlinePolicies(accountId: accountId, owner: .role(roleName)) }))
                .isEmpty
            {
                throw .deleteConflict("Cannot delete entity, must delete policies first.")
            }
            if !role.attachedPolicies.isEmpty { throw .deleteConflict("Cannot delete entity, must detach all policies first.") }
            try await stored { try await self.store.deleteEntity(IAMRole.self, accountId: accountId, name: roleName) }
            invalidatePolicies()
        }
    }

    /// Applies `change` to a role and stores it.
    @discardableResult
    public func updateRole(
        accountId: String, roleName: String, _ change: (inout IAMRole) throws(AWSError) -> Void
    )
        async throws(AWSError) -> IAMRole
    {
        try await serialized { () async throws(AWSError) -> IAMRole in
            var role = try await getRole(accountId: accountId, roleName: roleName)
            try change(&role)
            guard role.tags.count <= 50 else { throw .iamLimitExceeded("Cannot exceed quota for TagsPerRole: 50") }
            try await stored { try await self.store.putEntity(role) }
            invalidatePolicies()
            return role
        }
    }

    public func updateAssumeRolePolicy(
        accountId: String, roleName: String, document: String, validateTrust: PolicyValidator
    ) async throws(AWSError) {
        if let problem = validateTrust(document) { throw .iamMalformedPolicy(problem) }
        try await updateRole(accountId: accountId, roleName: roleName) { role throws(AWSError) in
            try Self.requireModifiable(role)
            role.assumeRolePolicy = document
        }
    }
}

extension [IAMTag] {
    /// Adds or replaces tags by key.
    public mutating func merge(_ tags: [IAMTag]) {
        for tag in tags {
            if let i = firstIndex(where: { $0.key == tag.key }) { self[i] = tag } else { append(tag) }
        }
    }
}
