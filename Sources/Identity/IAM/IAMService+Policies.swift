public import AWSProtocol
import Foundation
import Synchronization

extension IAMService {
    /// Checks a policy document's well-formedness; set by the server to the Policy module's
    /// parser so that this module needs no policy grammar of its own.
    public typealias PolicyValidator = @Sendable (String) -> String?

    public func putUserPolicy(
        accountId: String, userName: String, policyName: String, document: String, validate: PolicyValidator
    )
        async throws(AWSError)
    {
        try Self.checkName(policyName, what: "policyName")
        if let problem = validate(document) { throw .iamMalformedPolicy(problem) }
        try await serialized { () async throws(AWSError) -> Void in
            _ = try await getUser(accountId: accountId, userName: userName)
            try await stored {
                try await self.store.putInlinePolicy(
                    accountId: accountId, owner: .user(userName), name: policyName, document: document)
            }
            invalidatePolicies()
        }
    }

    public func getUserPolicy(accountId: String, userName: String, policyName: String) async throws(AWSError) -> String {
        _ = try await getUser(accountId: accountId, userName: userName)
        let policies = try await stored { try await self.store.inlinePolicies(accountId: accountId, owner: .user(userName)) }
        guard let document = policies[policyName] else {
            throw .noSuchEntity("The user policy with name \(policyName) cannot be found.")
        }
        return document
    }

    public func listUserPolicies(accountId: String, userName: String) async throws(AWSError) -> [String] {
        _ = try await getUser(accountId: accountId, userName: userName)
        return try await stored { try await self.store.inlinePolicies(accountId: accountId, owner: .user(userName)) }.keys
            .sorted()
    }

    public func deleteUserPolicy(accountId: String, userName: String, policyName: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            _ = try await getUserPolicy(accountId: accountId, userName: userName, policyName: policyName)
            try await stored {
                try await self.store.deleteInlinePolicy(accountId: accountId, owner: .user(userName), name: policyName)
            }
            invalidatePolicies()
        }
    }

    /// Every identity policy document that applies to a user: the hot path of authorization,
    /// served from a cache that changes to IAM policies clear.
    public func identityPolicies(accountId: String, userName: String) async throws(AWSError) -> [String] {
        let cacheKey = "\(accountId)/user/\(userName)"
        if let cached = policyCache.withLock({ $0[cacheKey] }) { return cached }
        let documents = try await stored { try await self.store.inlinePolicies(accountId: accountId, owner: .user(userName)) }
            .sorted { $0.key < $1.key }.map(\.value)
        policyCache.withLock { $0[cacheKey] = documents }
        return documents
    }

    func invalidatePolicies() {
        policyCache.withLock { $0.removeAll() }
    }
}
