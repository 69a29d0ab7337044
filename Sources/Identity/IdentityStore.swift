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

/// Persistence for identities. Implementations commit each call before returning.
public protocol IdentityStore: Sendable {
    func account(id: String) async throws -> AccountRecord?
    func accounts() async throws -> [AccountRecord]
    func accessKey(id: String) async throws -> AccessKeyRecord?
    /// Creates an account with its root access key, in one transaction.
    func createAccount(_ account: AccountRecord, rootAccessKey: AccessKeyRecord) async throws
}

public struct IdentityError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
