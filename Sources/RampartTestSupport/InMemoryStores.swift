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

    public func load() async throws -> KeyStoreSnapshot { snapshot.withLock { $0 } }

    public func apply(_ batch: KeyStoreBatch) async throws {
        if failWrites { throw InMemoryStoreError() }
        snapshot.withLock { s in
            for key in batch.putKeys {
                s.keys.removeAll { $0.keyId == key.keyId }
                s.keys.append(key)
            }
            for material in batch.putMaterials {
                s.materials.removeAll { $0.keyId == material.keyId && $0.materialId == material.materialId }
                s.materials.append(material)
            }
            for alias in batch.deleteAliases {
                s.aliases.removeAll { $0.accountId == alias.accountId && $0.region == alias.region && $0.aliasName == alias.aliasName }
            }
            for alias in batch.putAliases {
                s.aliases.removeAll { $0.accountId == alias.accountId && $0.region == alias.region && $0.aliasName == alias.aliasName }
                s.aliases.append(alias)
            }
            for keyId in batch.deleteKeyIds {
                s.keys.removeAll { $0.keyId == keyId }
                s.materials.removeAll { $0.keyId == keyId }
            }
        }
    }

    /// What the store holds now.
    public var contents: KeyStoreSnapshot { snapshot.withLock { $0 } }
}

/// An `IdentityStore` in memory, for unit tests.
public final class InMemoryIdentityStore: IdentityStore {
    private let state = Mutex<([String: AccountRecord], [String: AccessKeyRecord])>(([:], [:]))

    public init() {}

    public func account(id: String) async throws -> AccountRecord? { state.withLock { $0.0[id] } }
    public func accounts() async throws -> [AccountRecord] { state.withLock { Array($0.0.values) } }
    public func accessKey(id: String) async throws -> AccessKeyRecord? { state.withLock { $0.1[id] } }
    public func createAccount(_ account: AccountRecord, rootAccessKey: AccessKeyRecord) async throws {
        state.withLock {
            $0.0[account.accountId] = account
            $0.1[rootAccessKey.accessKeyId] = rootAccessKey
        }
    }
}

struct InMemoryStoreError: Error {}
