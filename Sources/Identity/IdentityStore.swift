public import Foundation

/// An AWS account kept by Rampart.
public struct AccountRecord: Sendable, Hashable {
    public var accountId: String
    public var createDate: Date

    public init(accountId: String, createDate: Date) {
        self.accountId = accountId
        self.createDate = createDate
    }
}

/// Persistence for identities. Each call commits before it returns.
public protocol IdentityStore: Sendable {
    func account(id: String) async throws -> AccountRecord?
    func accounts() async throws -> [AccountRecord]
    /// Creates an account with its root access key, in one transaction.
    func createAccount(_ account: AccountRecord, rootAccessKey: AccessKeyRecord) async throws

    func accessKey(id: String) async throws -> AccessKeyRecord?
    /// A user's access keys; the root user's when `userName` is nil.
    func accessKeys(accountId: String, userName: String?) async throws -> [AccessKeyRecord]
    func putAccessKey(_ key: AccessKeyRecord) async throws
    func deleteAccessKey(id: String) async throws

    func user(accountId: String, userName: String) async throws -> IAMUser?
    func users(accountId: String) async throws -> [IAMUser]
    func putUser(_ user: IAMUser) async throws
    func deleteUser(accountId: String, userName: String) async throws
    /// Renames a user in one transaction: the user, its access keys, its inline policies, and the
    /// groups given (already updated to name the user anew).
    func renameUser(accountId: String, from oldName: String, to user: IAMUser, groups: [IAMGroup]) async throws

    /// Inline policies of one owner: name to document.
    func inlinePolicies(accountId: String, owner: PolicyOwner) async throws -> [String: String]
    func putInlinePolicy(accountId: String, owner: PolicyOwner, name: String, document: String) async throws
    func deleteInlinePolicy(accountId: String, owner: PolicyOwner, name: String) async throws

    /// Groups, roles, managed policies and sessions, one document each.
    func entity<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws -> E?
    func entities<E: IAMEntity>(_ type: E.Type, accountId: String) async throws -> [E]
    func putEntity<E: IAMEntity>(_ entity: E) async throws
    func deleteEntity<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws
}

public struct IdentityError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
