import Foundation
public import Identity
public import KMS
import Synchronization

/// A `KeyStore` in memory, for unit tests; `failWrites` simulates a store that refuses writes.
public final class InMemoryKeyStore: KeyStore {
    private let snapshot = Mutex(KeyStoreSnapshot())
    private let failing = Mutex(false)

    public init() {}

    public var failWrites: Bool {
        get { failing.withLock { $0 } }
        set { failing.withLock { $0 = newValue } }
    }

    public func loadAttachments() async throws -> KeyAttachments {
        snapshot.withLock { KeyAttachments(aliases: $0.aliases, grants: $0.grants, importTokens: $0.importTokens) }
    }

    public func keys(after position: Int64?, limit: Int) async throws -> KeyStorePage {
        snapshot.withLock { s in
            let start = position.map { Int($0) + 1 } ?? 0
            let keys = Array(s.keys.dropFirst(start).prefix(limit))
            let ids = Set(keys.map(\.slot))
            return KeyStorePage(
                keys: keys, materials: s.materials.filter { ids.contains($0.keyId) },
                last: keys.isEmpty ? nil : Int64(start + keys.count - 1))
        }
    }

    public func apply(_ batch: KeyStoreBatch) async throws {
        if failWrites { throw InMemoryStoreError() }
        snapshot.withLock { s in
            for key in batch.putKeys {
                s.keys.removeAll { $0.slot == key.slot }
                s.keys.append(key)
            }
            s.materials.removeAll { batch.deleteMaterialKeyIds.contains($0.keyId) }
            s.materials.removeAll { batch.deleteMaterials.contains(MaterialRef(keyId: $0.keyId, materialId: $0.materialId)) }
            s.importTokens.removeAll { batch.deleteImportTokens.contains($0.tokenHash) || batch.deleteKeyIds.contains($0.keyId) }
            s.importTokens.append(contentsOf: batch.putImportTokens)
            for material in batch.putMaterials {
                s.materials.removeAll { $0.keyId == material.keyId && $0.materialId == material.materialId }
                s.materials.append(material)
            }
            for alias in batch.deleteAliases {
                s.aliases.removeAll {
                    $0.accountId == alias.accountId && $0.region == alias.region && $0.aliasName == alias.aliasName
                }
            }
            for alias in batch.putAliases {
                s.aliases.removeAll {
                    $0.accountId == alias.accountId && $0.region == alias.region && $0.aliasName == alias.aliasName
                }
                s.aliases.append(alias)
            }
            for grant in batch.putGrants {
                s.grants.removeAll { $0.grantId == grant.grantId }
                s.grants.append(grant)
            }
            s.grants.removeAll { batch.deleteGrantIds.contains($0.grantId) }
            for keyId in batch.deleteKeyIds {
                s.grants.removeAll { $0.slot == keyId }
                s.keys.removeAll { $0.slot == keyId }
                s.materials.removeAll { $0.keyId == keyId }
            }
        }
    }

    /// What the store holds now.
    public var contents: KeyStoreSnapshot { snapshot.withLock { $0 } }
}

/// An `IdentityStore` in memory, for unit tests.
public final class InMemoryIdentityStore: IdentityStore {
    struct State {
        var accounts: [String: AccountRecord] = [:]
        var keys: [String: AccessKeyRecord] = [:]
        var users: [String: IAMUser] = [:]
        var policies: [String: String] = [:]
        /// Encoded entities by "account/kind/name".
        var entities: [String: Data] = [:]
    }
    private let state = Mutex(State())

    public init() {}

    public func account(id: String) async throws -> AccountRecord? { state.withLock { $0.accounts[id] } }
    public func accounts() async throws -> [AccountRecord] { state.withLock { Array($0.accounts.values) } }
    public func createAccount(_ account: AccountRecord, rootAccessKey: AccessKeyRecord) async throws {
        state.withLock {
            $0.accounts[account.accountId] = account
            $0.keys[rootAccessKey.accessKeyId] = rootAccessKey
        }
    }
    public func entity<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws -> E? {
        try state.withLock { $0.entities["\(accountId)/\(E.kind)/\(name)"] }.map { try JSONDecoder().decode(E.self, from: $0) }
    }
    public func entities<E: IAMEntity>(_ type: E.Type, accountId: String) async throws -> [E] {
        let prefix = "\(accountId)/\(E.kind)/"
        return try state.withLock { $0.entities.filter { $0.key.hasPrefix(prefix) }.sorted { $0.key < $1.key }.map(\.value) }
            .map { try JSONDecoder().decode(E.self, from: $0) }
    }
    public func putEntity<E: IAMEntity>(_ entity: E) async throws {
        let data = try JSONEncoder().encode(entity)
        state.withLock { $0.entities["\(entity.accountId)/\(E.kind)/\(entity.entityName)"] = data }
    }
    public func deleteEntity<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws {
        _ = state.withLock { $0.entities.removeValue(forKey: "\(accountId)/\(E.kind)/\(name)") }
    }
    public func renameUser(accountId: String, from oldName: String, to user: IAMUser, groups: [IAMGroup]) async throws {
        for group in groups { try await putEntity(group) }
        state.withLock { s in
            s.users["\(accountId)/\(oldName)"] = nil
            s.users["\(accountId)/\(user.userName)"] = user
            for (id, key) in s.keys where key.accountId == accountId && key.userName == oldName {
                s.keys[id]?.userName = user.userName
            }
            for (k, v) in s.policies where k.hasPrefix("\(accountId)/user/\(oldName)/") {
                s.policies[k] = nil
                s.policies["\(accountId)/user/\(user.userName)/" + k.dropFirst("\(accountId)/user/\(oldName)/".count)] = v
            }
        }
    }
    public func accessKey(id: String) async throws -> AccessKeyRecord? { state.withLock { $0.keys[id] } }
    public func accessKeys(accountId: String, userName: String?) async throws -> [AccessKeyRecord] {
        state.withLock { $0.keys.values.filter { $0.accountId == accountId && $0.userName == userName } }
    }
    public func putAccessKey(_ key: AccessKeyRecord) async throws { state.withLock { $0.keys[key.accessKeyId] = key } }
    public func deleteAccessKey(id: String) async throws { _ = state.withLock { $0.keys.removeValue(forKey: id) } }
    public func user(accountId: String, userName: String) async throws -> IAMUser? {
        state.withLock { $0.users["\(accountId)/\(userName)"] }
    }
    public func users(accountId: String) async throws -> [IAMUser] {
        state.withLock { $0.users.values.filter { $0.accountId == accountId } }
    }
    public func putUser(_ user: IAMUser) async throws { state.withLock { $0.users["\(user.accountId)/\(user.userName)"] = user } }
    public func deleteUser(accountId: String, userName: String) async throws {
        _ = state.withLock { $0.users.removeValue(forKey: "\(accountId)/\(userName)") }
    }
    public func inlinePolicies(accountId: String, owner: PolicyOwner) async throws -> [String: String] {
        let prefix = "\(accountId)/\(owner.kind)/\(owner.name)/"
        return state.withLock { s in
            Dictionary(
                uniqueKeysWithValues: s.policies.filter { $0.key.hasPrefix(prefix) }.map {
                    (String($0.key.dropFirst(prefix.count)), $0.value)
                })
        }
    }
    public func putInlinePolicy(accountId: String, owner: PolicyOwner, name: String, document: String) async throws {
        state.withLock { $0.policies["\(accountId)/\(owner.kind)/\(owner.name)/\(name)"] = document }
    }
    public func deleteInlinePolicy(accountId: String, owner: PolicyOwner, name: String) async throws {
        _ = state.withLock { $0.policies.removeValue(forKey: "\(accountId)/\(owner.kind)/\(owner.name)/\(name)") }
    }
}

struct InMemoryStoreError: Error {}
