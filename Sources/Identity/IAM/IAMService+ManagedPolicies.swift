public import AWSProtocol
import Foundation
import RampartCore

/// A managed policy and how many users, groups and roles it is attached to.
public struct ManagedPolicyListing: Sendable {
    public var policy: ManagedPolicy
    public var attachmentCount: Int
    /// How many users and roles have it as their permissions boundary.
    public var permissionsBoundaryUsageCount: Int = 0
}

extension IAMService {
    public static let maxPolicyVersions = 5
    public static let maxManagedPolicySize = 6144

    public func createPolicy(
        accountId: String, policyName: String, path: String?, document: String, description: String?, tags: [IAMTag],
        validate: PolicyValidator
    ) async throws(AWSError) -> ManagedPolicy {
        try Self.checkName(policyName, what: "policyName")
        let path = try Self.checkPath(path)
        try Self.checkManagedDocument(document, validate: validate)
        return try await serialized { () async throws(AWSError) -> ManagedPolicy in
            if try await existing(ManagedPolicy.self, accountId: accountId, name: policyName) != nil {
                throw .entityAlreadyExists(
                    "A policy called \(policyName) already exists. Duplicate names are not allowed.")
            }
            let now = clock.now
            let policy = ManagedPolicy(
                accountId: accountId, policyName: policyName, policyId: IdentityIdentifiers.uniqueId(prefix: "ANPA"),
                path: path, description: description, createDate: now, updateDate: now, defaultVersionId: "v1",
                versions: [PolicyVersion(versionId: "v1", document: document, createDate: now)], nextVersion: 2, tags: tags)
            try await stored { try await self.store.putEntity(policy) }
            return policy
        }
    }

    static func checkManagedDocument(_ document: String, validate: PolicyValidator) throws(AWSError) {
        guard document.utf8.count <= maxManagedPolicySize else {
            throw .iamLimitExceeded("Cannot exceed quota for PolicySize: \(maxManagedPolicySize)")
        }
        if let problem = validate(document) { throw .iamMalformedPolicy(problem) }
    }

    /// The managed policy an ARN names: a customer managed policy of `accountId` or an AWS
    /// managed policy; nil when there is none.
    func managedPolicy(arn: String, accountId: String) async throws(AWSError) -> ManagedPolicy? {
        if AWSManagedPolicies.isAWSManaged(arn) { return AWSManagedPolicies.policy(arn: arn) }
        guard let name = Self.policyName(arn: arn, accountId: accountId) else { return nil }
        return try await stored { try await self.store.entity(ManagedPolicy.self, accountId: accountId, name: name) }
    }

    /// The default version's document of a managed policy of `accountId` or AWS's; nil when
    /// there is no such policy.
    public func managedPolicyDocument(arn: String, accountId: String) async throws(AWSError) -> String? {
        guard let policy = try await managedPolicy(arn: arn, accountId: accountId), policy.arn == arn else { return nil }
        return policy.defaultDocument
    }

    /// The policy name in `arn:aws:iam::ACCOUNT:policy/path/NAME`, if the ARN is the account's.
    static func policyName(arn text: String, accountId: String) -> String? {
        guard let arn = ARN(text), arn.service == "iam", arn.region.isEmpty, arn.accountId == accountId,
            arn.resourcePath.count >= 2, arn.resourcePath[0] == "policy", let name = arn.resourcePath.last
        else { return nil }
        return String(name)
    }

    public func getPolicy(accountId: String, arn: String) async throws(AWSError) -> ManagedPolicy {
        guard let policy = try await managedPolicy(arn: arn, accountId: accountId), policy.arn == arn else {
            throw .noSuchEntity("Policy \(arn) does not exist or is not attachable.")
        }
        return policy
    }

    /// Which managed policies ListPolicies lists (`Scope`).
    public enum PolicyScope: Sendable {
        case all, aws, local
    }

    public func listPolicies(
        accountId: String, onlyAttached: Bool, pathPrefix: String?, scope: PolicyScope = .all
    ) async throws(AWSError)
        -> [ManagedPolicyListing]
    {
        let counts = try await attachmentCounts(accountId: accountId)
        let boundaries = try await boundaryUsageCounts(accountId: accountId)
        var local: [ManagedPolicy] = []
        if scope != .aws {
            local = try await stored { try await self.store.entities(ManagedPolicy.self, accountId: accountId) }
        }
        return (local + (scope == .local ? [] : AWSManagedPolicies.all))
            .filter { $0.path.hasPrefix(pathPrefix ?? "/") }
            .map {
                ManagedPolicyListing(
                    policy: $0, attachmentCount: counts[$0.arn] ?? 0, permissionsBoundaryUsageCount: boundaries[$0.arn] ?? 0)
            }
            .filter { !onlyAttached || $0.attachmentCount > 0 }
    }

    public func attachmentCount(accountId: String, arn: String) async throws(AWSError) -> Int {
        try await attachmentCounts(accountId: accountId)[arn] ?? 0
    }

    func attachmentCounts(accountId: String) async throws(AWSError) -> [String: Int] {
        var counts: [String: Int] = [:]
        for (_, arns) in try await attachments(accountId: accountId) {
            for arn in arns { counts[arn, default: 0] += 1 }
        }
        return counts
    }

    /// Every user, group and role of the account with the policies attached to it.
    public func attachments(accountId: String) async throws(AWSError) -> [(PolicyOwner, [String])] {
        let users = try await stored { try await self.store.users(accountId: accountId) }
        let groups = try await stored { try await self.store.entities(IAMGroup.self, accountId: accountId) }
        let roles = try await stored { try await self.store.entities(IAMRole.self, accountId: accountId) }
        return users.map { (.user($0.userName), $0.attachedPolicies ?? []) }
            + groups.map { (.group($0.groupName), $0.attachedPolicies) }
            + roles.map { (.role($0.roleName), $0.attachedPolicies) }
    }

    /// AWS managed policies are AWS's to change: an account's calls that would change one are
    /// refused as not authorized. (AWS's exact answer was not found recorded; this is how IAM
    /// words a refusal of an action on a resource.)
    static func refuseAWSManaged(_ arn: String, action: String, accountId: String) throws(AWSError) {
        guard AWSManagedPolicies.isAWSManaged(arn) else { return }
        throw .iamAccessDenied(
            "User: arn:aws:iam::\(accountId):root is not authorized to perform: iam:\(action) on resource: policy \(arn)")
    }

    public func deletePolicy(accountId: String, arn: String) async throws(AWSError) {
        try Self.refuseAWSManaged(arn, action: "DeletePolicy", accountId: accountId)
        try await serialized { () async throws(AWSError) -> Void in
            let policy = try await getPolicy(accountId: accountId, arn: arn)
            let attached = try await attachmentCount(accountId: accountId, arn: arn)
            let bounding = try await permissionsBoundaryUsageCount(accountId: accountId, arn: arn)
            if attached > 0 || bounding > 0 {
                throw .deleteConflict("Cannot delete a policy attached to entities.")
            }
            if policy.versions.count > 1 {
                throw .deleteConflict(
                    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
                )
            }
            try await stored {
                try await self.store.deleteEntity(ManagedPolicy.self, accountId: accountId, name: policy.policyName)
            }
        }
    }

    // MARK: Versions

    public func createPolicyVersion(
        accountId: String, arn: String, document: String, setAsDefault: Bool, validate: PolicyValidator
    ) async throws(AWSError) -> PolicyVersion {
        try Self.refuseAWSManaged(arn, action: "CreatePolicyVersion", accountId: accountId)
        try Self.checkManagedDocument(document, validate: validate)
        return try await changePolicy(accountId: accountId, arn: arn) { policy throws(AWSError) -> PolicyVersion in
            guard policy.versions.count < Self.maxPolicyVersions else {
                throw .iamLimitExceeded(
                    "A managed policy can have up to \(Self.maxPolicyVersions) versions. Before you create a new version, you must delete an existing version."
                )
            }
            let version = PolicyVersion(versionId: "v\(policy.nextVersion)", document: document, createDate: clock.now)
            policy.nextVersion += 1
            policy.versions.append(version)
            if setAsDefault { policy.defaultVersionId = version.versionId }
            return version
        }
    }

    public func getPolicyVersion(accountId: String, arn: String, versionId: String) async throws(AWSError) -> PolicyVersion {
        let policy = try await getPolicy(accountId: accountId, arn: arn)
        guard let version = policy.versions.first(where: { $0.versionId == versionId }) else {
            throw .noSuchEntity("Policy \(arn) version \(versionId) does not exist or is not attachable.")
        }
        return version
    }

    public func deletePolicyVersion(accountId: String, arn: String, versionId: String) async throws(AWSError) {
        try Self.refuseAWSManaged(arn, action: "DeletePolicyVersion", accountId: accountId)
        try await changePolicy(accountId: accountId, arn: arn) { policy throws(AWSError) in
            guard policy.versions.contains(where: { $0.versionId == versionId }) else {
                throw .noSuchEntity("Policy \(arn) version \(versionId) does not exist or is not attachable.")
            }
            guard versionId != policy.defaultVersionId else {
                throw .deleteConflict("Cannot delete the default version of a policy.")
            }
            policy.versions.removeAll { $0.versionId == versionId }
        }
    }

    public func setDefaultPolicyVersion(accountId: String, arn: String, versionId: String) async throws(AWSError) {
        try Self.refuseAWSManaged(arn, action: "SetDefaultPolicyVersion", accountId: accountId)
        try await changePolicy(accountId: accountId, arn: arn) { policy throws(AWSError) in
            guard policy.versions.contains(where: { $0.versionId == versionId }) else {
                throw .noSuchEntity("Policy \(arn) version \(versionId) does not exist or is not attachable.")
            }
            policy.defaultVersionId = versionId
        }
    }

    @discardableResult
    func changePolicy<T: Sendable>(
        accountId: String, arn: String, _ change: (inout ManagedPolicy) throws(AWSError) -> T
    ) async throws(AWSError) -> T {
        try await serialized { () async throws(AWSError) -> T in
            var policy = try await getPolicy(accountId: accountId, arn: arn)
            let result = try change(&policy)
            policy.updateDate = clock.now
            try await stored { try await self.store.putEntity(policy) }
            invalidatePolicies()
            return result
        }
    }

    // MARK: Attachments

    public func attachedPolicies(accountId: String, owner: PolicyOwner) async throws(AWSError) -> [String] {
        switch owner {
        case .user(let name): return try await getUser(accountId: accountId, userName: name).attachedPolicies ?? []
        case .group(let name): return try await group(accountId: accountId, name: name).attachedPolicies
        case .role(let name): return try await getRole(accountId: accountId, roleName: name).attachedPolicies
        }
    }

    public func attachPolicy(accountId: String, owner: PolicyOwner, arn: String) async throws(AWSError) {
        try await changeAttachments(accountId: accountId, owner: owner) { attached throws(AWSError) in
            guard try await self.managedPolicy(arn: arn, accountId: accountId)?.arn == arn else {
                throw .noSuchEntity("Policy \(arn) does not exist or is not attachable.")
            }
            guard attached.count < 10 else {
                throw .iamLimitExceeded("Cannot exceed quota for PoliciesPerUser: 10")
            }
            if !attached.contains(arn) { attached.append(arn) }
        }
    }

    public func detachPolicy(accountId: String, owner: PolicyOwner, arn: String) async throws(AWSError) {
        try await changeAttachments(accountId: accountId, owner: owner) { attached throws(AWSError) in
            guard attached.contains(arn) else { throw .noSuchEntity("Policy \(arn) was not found.") }
            attached.removeAll { $0 == arn }
        }
    }

    func changeAttachments(
        accountId: String, owner: PolicyOwner, _ change: (inout [String]) async throws(AWSError) -> Void
    ) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            switch owner {
            case .user(let name):
                var user = try await getUser(accountId: accountId, userName: name)
                var attached = user.attachedPolicies ?? []
                try await change(&attached)
                user.attachedPolicies = attached
                try await stored { try await self.store.putUser(user) }
            case .group(let name):
                var group = try await group(accountId: accountId, name: name)
                try await change(&group.attachedPolicies)
                try await stored { try await self.store.putEntity(group) }
            case .role(let name):
                var role = try await getRole(accountId: accountId, roleName: name)
                try Self.requireModifiable(role)
                try await change(&role.attachedPolicies)
                try await stored { try await self.store.putEntity(role) }
            }
            invalidatePolicies()
        }
    }
}
