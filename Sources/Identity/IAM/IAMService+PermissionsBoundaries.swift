public import AWSProtocol
import Foundation

extension IAMService {
    /// The ARN of a customer managed policy of the account, to be used as a permissions boundary:
    /// InvalidInput when it is no ARN, NoSuchEntity when no such policy exists (AWS managed
    /// policies are not built).
    func requireBoundaryPolicy(_ arn: String, accountId: String) async throws(AWSError) -> ManagedPolicy {
        guard ARN(arn) != nil else {
            throw AWSError(code: "InvalidInput", message: "ARN \(arn) is not valid.", httpStatus: 400)
        }
        guard let policy = try await managedPolicy(arn: arn, accountId: accountId), policy.arn == arn else {
            throw .noSuchEntity("Policy \(arn) does not exist or is not attachable.")
        }
        return policy
    }

    /// Sets (an ARN) or removes (nil) the permissions boundary of a user or role.
    public func setPermissionsBoundary(accountId: String, owner: PolicyOwner, arn: String?) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            if let arn { _ = try await requireBoundaryPolicy(arn, accountId: accountId) }
            switch owner {
            case .user(let name):
                var user = try await getUser(accountId: accountId, userName: name)
                user.permissionsBoundary = arn
                try await stored { try await self.store.putUser(user) }
            case .role(let name):
                var role = try await getRole(accountId: accountId, roleName: name)
                try Self.requireModifiable(role)
                role.permissionsBoundary = arn
                try await stored { try await self.store.putEntity(role) }
            case .group:
                // Groups have no boundary: the wire offers no call that sets one.
                return
            }
            invalidatePolicies()
        }
    }

    /// How many users and roles of the account have `arn` as their permissions boundary.
    public func permissionsBoundaryUsageCount(accountId: String, arn: String) async throws(AWSError) -> Int {
        try await boundaryUsageCounts(accountId: accountId)[arn] ?? 0
    }

    func boundaryUsageCounts(accountId: String) async throws(AWSError) -> [String: Int] {
        let users = try await stored { try await self.store.users(accountId: accountId) }
        let roles = try await stored { try await self.store.entities(IAMRole.self, accountId: accountId) }
        var counts: [String: Int] = [:]
        for arn in users.compactMap(\.permissionsBoundary) + roles.compactMap(\.permissionsBoundary) {
            counts[arn, default: 0] += 1
        }
        return counts
    }

    /// The default version's document of the boundary a user or role has, if any.
    func boundaryDocument(_ arn: String?, accountId: String) async throws(AWSError) -> String? {
        guard let arn else { return nil }
        // DeletePolicy refuses a policy in use as a boundary; should one be gone all the same, the
        // boundary denies everything rather than nothing.
        return try await managedPolicy(arn: arn, accountId: accountId)?.defaultDocument ?? Self.deniesEverything
    }

    /// A policy that denies every action on every resource.
    static let deniesEverything = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#
}
