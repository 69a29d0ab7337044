import AWSProtocol
import Foundation
import KMS
import KMSCiphertext
import KMSStorage
import Logging
import RampartCore
import RampartTestSupport
import Storage
import Testing

@Suite("Keys are read back from the database a page at a time")
struct KeyLoadingTests {
    let caller = Fixtures.root()

    static func plaintext(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func pagesHoldEachKeyOnceWithItsOwnMaterials() async throws {
        let db = try await AuditTransactionTests.database()
        let store = SQLKeyStore(database: db)
        let kms = KeyManagementService(store: store, vault: Fixtures.vault(), clock: ManualClock())
        var ids: [String] = []
        for _ in 0..<5 { ids.append(try await kms.createKey(CreateKeyRequest(), caller: caller).keyId) }
        _ = try await kms.rotateKeyOnDemand(keyId: ids[1], caller: caller)
        // A change rewrites the key's row: it is still read once.
        try await kms.disableKey(keyId: ids[0], caller: caller)

        var seen: [String] = []
        var materials = 0
        var position: Int64? = nil
        var sizes: [Int] = []
        while true {
            let page = try await store.keys(after: position, limit: 2)
            sizes.append(page.keys.count)
            let inPage = Set(page.keys.map(\.keyId))
            #expect(page.materials.allSatisfy { inPage.contains($0.keyId) })
            seen += page.keys.map(\.keyId)
            materials += page.materials.count
            guard let last = page.last else { break }
            position = last
        }
        #expect(sizes == [2, 2, 1, 0])
        #expect(seen.sorted() == ids.sorted())
        #expect(materials == 6)
        try await db.close()
    }

    @Test func aServiceLoadedInSmallPagesHasEveryKeyAndDecrypts() async throws {
        let db = try await AuditTransactionTests.database()
        let store = SQLKeyStore(database: db)
        let vault = Fixtures.vault()
        let clock = ManualClock()
        let kms = KeyManagementService(store: store, vault: vault, clock: clock)
        var sealed: [(keyId: String, blob: [UInt8])] = []
        for index in 0..<7 {
            let key = try await kms.createKey(CreateKeyRequest(), caller: caller)
            let blob = try kms.encrypt(
                keyId: key.keyId, plaintext: Self.plaintext("p\(index)"), context: EncryptionContext(), algorithm: nil,
                dryRun: false, caller: caller
            ).ciphertextBlob
            sealed.append((key.keyId, blob))
        }
        _ = try await kms.rotateKeyOnDemand(keyId: sealed[3].keyId, caller: caller)

        let reloaded = KeyManagementService(store: store, vault: vault, clock: clock)
        try await reloaded.load(pageSize: 3)
        #expect(try reloaded.listKeys(limit: nil, marker: nil, caller: caller).items.count == 7)
        for (index, entry) in sealed.enumerated() {
            #expect(
                try reloaded.describeKey(keyId: entry.keyId, caller: caller)
                    == kms.describeKey(keyId: entry.keyId, caller: caller))
            let opened = try reloaded.decrypt(
                ciphertext: entry.blob, context: EncryptionContext(), keyId: nil, algorithm: nil, dryRun: false,
                caller: caller)
            #expect(opened.plaintext == Self.plaintext("p\(index)"))
        }
        // The rotated key encrypts under its new material and still opens what the old one sealed.
        let fresh = try reloaded.encrypt(
            keyId: sealed[3].keyId, plaintext: Self.plaintext("new"), context: EncryptionContext(), algorithm: nil,
            dryRun: false, caller: caller)
        #expect(fresh.ciphertextBlob != sealed[3].blob)
        try await db.close()
    }
}
