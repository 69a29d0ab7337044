public import AWSProtocol
import Foundation
import Synchronization

/// What authorization needs to know of a principal beyond its ARN.
public struct PrincipalContext: Sendable {
    /// Identity policy documents that apply.
    public var policies: [String] = []
    /// Tags of the user, or of the role behind a session.
    public var tags: [String: String] = [:]
    /// The permissions boundary's document (the default version of the managed policy set as the
    /// user's or role's boundary); nil when there is none.
    public var permissionsBoundary: String?

    public init(policies: [String] = [], tags: [String: String] = [:], permissionsBoundary: String? = nil) {
        self.policies = policies
        self.tags = tags
        self.permissionsBoundary = permissionsBoundary
    }
}

extension IAMService {
    /// Checks a policy document's well-formedness; set by the server to the Policy module's
    /// parser so that this module needs no policy grammar of its own.
    public typealias PolicyValidator = @Sendable (String) -> String?

    /// NoSuchEntity unless the user, group or role exists.
    func requireOwner(accountId: String, _ owner: PolicyOwner) async throws(AWSError) {
        switch owner {
        case .user(let name): _ = try await getUser(accountId: accountId, userName: name)
        case .group(let name): _ = try await group(accountId: accountId, name: name)
        case .role(let name): _ = try await getRole(accountId: accountId, roleName: name)
        }
    }

    // MARK: Inline policies (users, groups, roles)

    public func putInlinePolicy(
        accountId: String, owner: PolicyOwner, policyName: String, document: String, validate: PolicyValidator
    ) async throws(AWSError) {
        try Self.checkName(policyName, what: "policyName")
        if let problem = validate(document) { throw .iamMalformedPolicy(problem) }
        try await serialized { () async throws(AWSError) -> Void in
            try await requireOwner(accountId: accountId, owner)
            try await requireModifiable(accountId: accountId, owner)
            try await stored {
                try await self.store.putInlinePolicy(accountId: accountId, owner: owner, name: policyName, document: document)
            }
            invalidatePolicies()
        }
    }

    public func getInlinePolicy(accountId: String, owner: PolicyOwner, policyName: String) async throws(AWSError) -> String {
        try await requireOwner(accountId: accountId, owner)
        let policies = try await stored { try await self.store.inlinePolicies(accountId: accountId, owner: owner) }
        guard let document = policies[policyName] else {
            throw .noSuchEntity("The \(owner.kind) policy with name \(policyName) cannot be found.")
        }
        return document
    }

    public func listInlinePolicies(accountId: String, owner: PolicyOwner) async throws(AWSError) -> [String] {
        try await requireOwner(accountId: accountId, owner)
        return try await stored { try await self.store.inlinePolicies(accountId: accountId, owner: owner) }.keys.sorted()
    }

    public func deleteInlinePolicy(accountId: String, owner: PolicyOwner, policyName: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            try await requireModifiable(accountId: accountId, owner)
            _ = try await getInlinePolicy(accountId: accountId, owner: owner, policyName: policyName)
            try await stored { try await self.store.deleteInlinePolicy(accountId: accountId, owner: owner, name: policyName) }
            invalidatePolicies()
        }
    }

    // MARK: What applies to a principal

    /// Every identity policy document that applies to a principal: a user's own (inline and
    /// attached) and its groups', or a role session's role's. The hot path of authorization,
    /// served from a cache that every IAM policy change clears.
    public func identityPolicies(for principal: Principal) async throws(AWSError) -> [String] {
        try await context(for: principal).policies
    }

    /// A principal's identity policies and tags (aws:PrincipalTag), cached until IAM changes.
    public func context(for principal: Principal) async throws(AWSError) -> PrincipalContext {
        var context = try await ownContext(for: principal)
        // Session tags take the place of the role's tags of the same key; a federated user has
        // only its session tags.
        if principal.kind == .federatedUser { context.tags = [:] }
        for (key, value) in principal.sessionTags {
            for existing in context.tags.keys where existing.lowercased() == key.lowercased() {
                context.tags.removeValue(forKey: existing)
            }
            context.tags[key] = value
        }
        return context
    }

    /// The context of the user or role behind a principal, cached until IAM changes.
    func ownContext(for principal: Principal) async throws(AWSError) -> PrincipalContext {
        let owner: PolicyOwner
        switch principal.kind {
        case .root, .awsService: return PrincipalContext()
        case .federatedUser:
            // The calling user's policies bound a federated user; a root's federated users
            // are bound by their session policies alone.
            guard let name = principal.federatingUserName else {
                return PrincipalContext(policies: [Self.allowsEverything])
            }
            owner = .user(name)
        case .iamUser:
            guard let name = principal.userName else { return PrincipalContext() }
            owner = .user(name)
        case .assumedRole:
            guard let name = principal.roleName else { return PrincipalContext() }
            owner = .role(name)
        }
        let accountId = principal.accountId
        let cacheKey = "\(accountId)/\(owner.kind)/\(owner.name)"
        if let cached = policyCache.withLock({ $0[cacheKey] }) { return cached }
        var owners = [owner]
        if case .user(let name) = owner {
            let groups = try await stored { try await self.store.entities(IAMGroup.self, accountId: accountId) }
            owners += groups.filter { $0.members.contains(name) }.map { .group($0.groupName) }
        }
        var documents: [String] = []
        for owner in owners {
            documents += try await stored { try await self.store.inlinePolicies(accountId: accountId, owner: owner) }
                .sorted { $0.key < $1.key }.map(\.value)
            for arn in try await attachedPolicies(accountId: accountId, owner: owner) {
                if let document = try await managedPolicy(arn: arn, accountId: accountId)?.defaultDocument {
                    documents.append(document)
                }
            }
        }
        let tags: [IAMTag]
        let boundary: String?
        switch owner {
        case .user(let name):
            let user = try? await getUser(accountId: accountId, userName: name)
            (tags, boundary) = (user?.tags ?? [], user?.permissionsBoundary)
        case .role(let name):
            let role = try? await getRole(accountId: accountId, roleName: name)
            (tags, boundary) = (role?.tags ?? [], role?.permissionsBoundary)
        case .group: (tags, boundary) = ([], nil)
        }
        let context = PrincipalContext(
            policies: documents, tags: Dictionary(tags.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }),
            permissionsBoundary: try await boundaryDocument(boundary, accountId: accountId))
        policyCache.withLock { $0[cacheKey] = context }
        return context
    }

    /// What an account's root may do, as an identity policy (for the root's federated users).
    static let allowsEverything = #"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#

    func invalidatePolicies() {
        policyCache.withLock { $0.removeAll() }
    }
}
