public import AWSProtocol
import Foundation
public import KeyVault
public import RampartCore
import Synchronization

/// IAM: users, their access keys and inline policies. Changes commit before they answer;
/// identity policies are cached per principal for the authorizers' hot path and dropped on
/// every change to them.
public final class IAMService: Sendable {
    let store: any IdentityStore
    let vault: KeyVault
    let clock: any ServiceClock
    let identity: IdentityService
    let writeLock = AsyncLock()
    let policyCache = Mutex<[String: PrincipalContext]>([:])

    public static let maxAccessKeysPerUser = 2

    public init(store: any IdentityStore, vault: KeyVault, clock: any ServiceClock, identity: IdentityService) {
        self.store = store
        self.vault = vault
        self.clock = clock
        self.identity = identity
    }

    /// Runs a store call; a store failure is IAM's ServiceFailure (details to the log only).
    func stored<T: Sendable>(_ body: () async throws -> T) async throws(AWSError) -> T {
        do {
            return try await body()
        } catch let error as AWSError {
            throw error
        } catch {
            throw .iamServiceFailure()
        }
    }

    func serialized<T: Sendable>(_ body: () async throws(AWSError) -> T) async throws(AWSError) -> T {
        do {
            return try await writeLock.withLock { () async throws -> T in try await body() }
        } catch let error as AWSError {
            throw error
        } catch {
            throw .iamServiceFailure()
        }
    }

    static func checkName(_ name: String, what: String) throws(AWSError) {
        let allowed = name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || "+=,.@_-".utf8.contains(b)
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else {
            throw .iamValidation(
                "1 validation error detected: Value '\(name)' at '\(what)' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
            )
        }
    }

    // MARK: Users

    /// `permissionsBoundary`: the ARN of a customer managed policy of the account (NoSuchEntity
    /// when there is none).
    public func createUser(
        accountId: String, userName: String, path: String?, tags: [IAMTag], permissionsBoundary: String? = nil
    ) async throws(AWSError) -> IAMUser {
        try Self.checkName(userName, what: "userName")
        let path = path ?? "/"
        guard path.hasPrefix("/"), path.hasSuffix("/") else {
            throw .iamValidation(
                "The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters."
            )
        }
        return try await serialized { () async throws(AWSError) -> IAMUser in
            if try await stored({ try await self.user(accountId: accountId, named: userName) }) != nil {
                throw .entityAlreadyExists("User with name \(userName) already exists.")
            }
            if let permissionsBoundary { _ = try await requireBoundaryPolicy(permissionsBoundary, accountId: accountId) }
            var user = IAMUser(
                accountId: accountId, userName: userName, userId: IdentityIdentifiers.uniqueId(prefix: "AIDA"), path: path,
                createDate: clock.now, tags: tags)
            user.permissionsBoundary = permissionsBoundary
            try await stored { try await self.store.putUser(user) }
            return user
        }
    }

    /// IAM user names are unique per account, case-insensitively.
    func user(accountId: String, named userName: String) async throws -> IAMUser? {
        if let exact = try await store.user(accountId: accountId, userName: userName) { return exact }
        return try await store.users(accountId: accountId).first { $0.userName.lowercased() == userName.lowercased() }
    }

    public func getUser(accountId: String, userName: String) async throws(AWSError) -> IAMUser {
        guard let user = try await stored({ try await self.store.user(accountId: accountId, userName: userName) }) else {
            throw .noSuchEntity("The user with name \(userName) cannot be found.")
        }
        return user
    }

    public func listUsers(accountId: String, pathPrefix: String?) async throws(AWSError) -> [IAMUser] {
        try await stored { try await self.store.users(accountId: accountId) }
            .filter { $0.path.hasPrefix(pathPrefix ?? "/") }
            .sorted { $0.userName < $1.userName }
    }

    public func updateUser(accountId: String, userName: String, newUserName: String?, newPath: String?) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            var user = try await getUser(accountId: accountId, userName: userName)
            if let newPath { user.path = newPath }
            if let newUserName, newUserName != userName {
                try Self.checkName(newUserName, what: "newUserName")
                if try await stored({ try await self.user(accountId: accountId, named: newUserName) }) != nil {
                    throw .entityAlreadyExists("User with name \(newUserName) already exists.")
                }
                user.userName = newUserName
                var groups = try await stored { try await self.store.entities(IAMGroup.self, accountId: accountId) }
                    .filter { $0.members.contains(userName) }
                for i in groups.indices {
                    groups[i].members = groups[i].members.map { $0 == userName ? newUserName : $0 }
                }
                let keys = try await stored { try await self.store.accessKeys(accountId: accountId, userName: userName) }
                try await stored {
                    try await self.store.renameUser(accountId: accountId, from: userName, to: user, groups: groups)
                }
                // Signatures made with the user's keys now speak for the renamed user.
                for key in keys { identity.invalidate(accessKeyId: key.accessKeyId) }
                invalidatePolicies()
                return
            }
            try await stored { try await self.store.putUser(user) }
            // The path is part of the user's ARN: signatures made with the user's keys now speak
            // for the moved user.
            if newPath != nil {
                let keys = try await stored { try await self.store.accessKeys(accountId: accountId, userName: userName) }
                for key in keys { identity.invalidate(accessKeyId: key.accessKeyId) }
                invalidatePolicies()
            }
        }
    }

    public func deleteUser(accountId: String, userName: String) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            let user = try await getUser(accountId: accountId, userName: userName)
            if !(user.attachedPolicies ?? []).isEmpty {
                throw .deleteConflict("Cannot delete entity, must detach all policies first.")
            }
            if try await stored({ try await self.store.entities(IAMGroup.self, accountId: accountId) })
                .contains(where: { $0.members.contains(userName) })
            {
                throw .deleteConflict("Cannot delete entity, must remove users from group first.")
            }
            if !(try await stored({ try await self.store.accessKeys(accountId: accountId, userName: userName) })).isEmpty {
                throw .deleteConflict("Cannot delete entity, must delete access keys first.")
            }
            if !(try await stored({ try await self.store.inlinePolicies(accountId: accountId, owner: .user(userName)) })).isEmpty
            {
                throw .deleteConflict("Cannot delete entity, must delete policies first.")
            }
            try await stored { try await self.store.deleteUser(accountId: accountId, userName: userName) }
            invalidatePolicies()
        }
    }

    public func tagUser(accountId: String, userName: String, tags: [IAMTag]) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            var user = try await getUser(accountId: accountId, userName: userName)
            user.tags.merge(tags)
            invalidatePolicies()
            guard user.tags.count <= 50 else {
                throw .iamLimitExceeded("Cannot exceed quota for TagsPerUser: 50")
            }
            try await stored { try await self.store.putUser(user) }
        }
    }

    public func untagUser(accountId: String, userName: String, keys: [String]) async throws(AWSError) {
        try await serialized { () async throws(AWSError) -> Void in
            var user = try await getUser(accountId: accountId, userName: userName)
            user.tags.removeAll { keys.contains($0.key) }
            invalidatePolicies()
            try await stored { try await self.store.putUser(user) }
        }
    }
}
