import Foundation
public import KeyVault
public import RampartCore
import Synchronization

/// Accounts, their principals and access keys; answers "whose key is this?" for SigV4.
///
/// Credentials are cached in memory after their first use (the secret has to be in the clear
/// to check a signature); the store keeps secrets sealed by the key vault.
public final class IdentityService: Sendable {
    public let store: any IdentityStore
    public let vault: KeyVault
    private let clock: any ServiceClock
    private let cache = Mutex(CredentialCache())

    public init(store: any IdentityStore, vault: KeyVault, clock: any ServiceClock) {
        self.store = store
        self.vault = vault
        self.clock = clock
    }

    /// Whether `id` is an AWS account id: 12 digits.
    public static func isValidAccountId(_ id: String) -> Bool {
        id.utf8.count == 12 && id.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    /// Creates an account and its root access key; returns the root credential.
    public func createAccount(id: String) async throws -> Credential {
        guard Self.isValidAccountId(id) else { throw IdentityError("an account id is 12 digits, not '\(id)'") }
        if try await store.account(id: id) != nil { throw IdentityError("account \(id) already exists") }
        let accessKeyId = IdentityIdentifiers.accessKeyId()
        let secret = IdentityIdentifiers.secretAccessKey()
        let sealed = try vault.seal(Array(secret.utf8), context: AccessKeyRecord.vaultContext(accessKeyId: accessKeyId))
        let now = clock.now
        try await store.createAccount(
            AccountRecord(accountId: id, createDate: now),
            rootAccessKey: AccessKeyRecord(
                accessKeyId: accessKeyId, accountId: id, userName: nil, sealedSecret: sealed, status: .active,
                createDate: now))
        return Credential(accessKeyId: accessKeyId, secretAccessKey: secret, principal: .root(accountId: id))
    }

    public func accountExists(_ id: String) async throws -> Bool {
        try await store.account(id: id) != nil
    }

    /// Temporary credentials (`ASIA` keys) come from here once STS exists.
    private let sessions = Mutex<STSService?>(nil)

    public func attach(_ sts: STSService) { sessions.withLock { $0 = sts } }

    /// The credential for an access key id, or nil if no such key exists.
    public func credential(accessKeyId: String) async throws -> Credential? {
        if let cached = cache.withLock({ $0.entries[accessKeyId] }) {
            // An expired session's credential is answered once more (the caller is told it
            // expired) and forgotten: expired sessions do not pile up in memory.
            if let expiration = cached.expiration, expiration <= clock.now { invalidate(accessKeyId: accessKeyId) }
            return cached
        }
        if accessKeyId.hasPrefix("ASIA") {
            guard let sts = sessions.withLock({ $0 }), let credential = try await sts.credential(accessKeyId: accessKeyId)
            else { return nil }
            let now = clock.now
            cache.withLock { $0.insertSession(credential, now: now) }
            return credential
        }
        guard let record = try await store.accessKey(id: accessKeyId) else { return nil }
        let secret = try vault.open(record.sealedSecret, context: AccessKeyRecord.vaultContext(accessKeyId: accessKeyId))
        let principal: Principal
        if let userName = record.userName {
            guard let user = try await store.user(accountId: record.accountId, userName: userName) else { return nil }
            principal = user.principal
        } else {
            principal = .root(accountId: record.accountId)
        }
        let credential = Credential(
            accessKeyId: accessKeyId,
            secretAccessKey: secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) },
            principal: principal, active: record.status == .active)
        cache.withLock { $0.entries[accessKeyId] = credential }
        return credential
    }

    /// How many credentials are cached (for tests).
    public var cachedCredentialCount: Int { cache.withLock { $0.entries.count } }

    /// Forgets a cached credential after its key changed.
    public func invalidate(accessKeyId: String) {
        _ = cache.withLock { $0.entries.removeValue(forKey: accessKeyId) }
    }
}

/// Credentials by access key id, with expired session credentials swept out now and then.
struct CredentialCache {
    var entries: [String: Credential] = [:]
    /// Session credentials cached since the last sweep.
    var sessionsSinceSweep = 0
    static let sweepInterval = 256

    mutating func insertSession(_ credential: Credential, now: Date) {
        entries[credential.accessKeyId] = credential
        sessionsSinceSweep += 1
        guard sessionsSinceSweep >= Self.sweepInterval else { return }
        sessionsSinceSweep = 0
        entries = entries.filter { ($0.value.expiration ?? .distantFuture) > now }
    }
}
