import AWSProtocol
import Audit
import AuditStorage
import Crypto
import Foundation
import Identity
import IdentityStorage
import KMS
import KMSCiphertext
import KMSStorage
import KeyVault
import Logging
import RampartCore
import RampartTestSupport
import SQLKit
import Storage
import Testing

/// A store written by Rampart before the domains' SQL stores left `Storage` (commit 2b19c77:
/// `Fixtures/store-2b19c77.sql` is its `sqlite3 .dump`, `.json` what was put in it and its root
/// key) opens unchanged with the store modules, and they read and write it.
@Suite("A data folder written before the store modules opens and works")
struct OldStoreTests {
    struct Facts: Decodable {
        var key: String
        var mrk: String
        var blob: String
        var accessKey: String
        var rootKey: String
        var accountId: String
    }

    static func fixture(_ ext: String) throws -> URL {
        try #require(Bundle.module.url(forResource: "store-2b19c77", withExtension: ext, subdirectory: "Fixtures"))
    }

    /// The old store, restored into a fresh file.
    static func restore() throws -> String {
        let path = try ModuleStorageTests.path()
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let dump = try String(contentsOf: try fixture("sql"), encoding: .utf8)
        try SQLiteHandle(path: path).execute(dump)
        return path
    }

    static func schema(_ db: RampartDatabase) async throws -> [String] {
        try await db.sql.raw("SELECT module, version, name FROM rampart_schema ORDER BY module, version").all().map {
            "\(try $0.decode(column: "module", as: String.self)) \(try $0.decode(column: "version", as: Int.self)) "
                + (try $0.decode(column: "name", as: String.self))
        }
    }

    @Test func theOldStoreOpensReadsAndWrites() async throws {
        let facts = try JSONDecoder().decode(Facts.self, from: Data(contentsOf: try Self.fixture("json")))
        let path = try Self.restore()
        var db = try await RampartDatabase.open(path: path, logger: Logger(label: "t"))
        // No step is applied again or renamed: the core's 15 and the services' own, as they were.
        let schema = try await Self.schema(db)
        #expect(schema.count == 20)
        #expect(schema.first == "core 1 foundation")
        #expect(schema.contains("core 15 cloudtrail-event-selectors"))

        // Identity: the account, the user, its access key (secret still sealed by the old root key).
        let vault = KeyVault(rootKey: SymmetricKey(data: try #require(Hex.decode(facts.rootKey))))
        let identity = SQLIdentityStore(database: db)
        #expect(try await identity.account(id: facts.accountId) != nil)
        #expect(try await identity.user(accountId: facts.accountId, userName: "alice") != nil)
        #expect(try await identity.entity(IAMRole.self, accountId: facts.accountId, name: "r") != nil)
        let accessKey = try #require(try await identity.accessKey(id: facts.accessKey))
        #expect(accessKey.userName == "alice")
        let service = IdentityService(store: identity, vault: vault, clock: ManualClock())
        let credential = try #require(try await service.credential(accessKeyId: facts.accessKey))
        #expect(credential.principal.arn == "arn:aws:iam::\(facts.accountId):user/alice")
        #expect(credential.active && credential.secretAccessKey.utf8.count == 40)

        // KMS: both keys load, the alias resolves, the old ciphertext decrypts.
        let caller = Fixtures.root(facts.accountId)
        let kms = KeyManagementService(store: SQLKeyStore(database: db), vault: vault, clock: ManualClock())
        try await kms.load()
        #expect(try kms.describeKey(keyId: "alias/fixture", caller: caller).keyId == facts.key)
        #expect(try kms.describeKey(keyId: facts.mrk, caller: caller).multiRegion != nil)
        let opened = try kms.decrypt(
            ciphertext: try #require(Hex.decode(facts.blob)), context: EncryptionContext(["app": "fixture"]), keyId: nil,
            algorithm: nil, dryRun: false, caller: caller)
        #expect(opened.plaintext == Array("hello from the old store".utf8))

        // The trail: the old records, by attribute, and the trail with its selectors.
        let audit = try SQLAuditStore(database: db)
        let created = try await audit.lookup(
            accountId: facts.accountId, region: "us-east-1", attribute: LookupAttribute(key: .eventName, value: "CreateKey"),
            start: nil, end: nil, after: nil, limit: 50)
        #expect(created.count == 2)
        #expect(created.allSatisfy { $0.record["userIdentity"]?["accountId"] == .string(facts.accountId) })
        let trails = try await audit.trails(accountId: facts.accountId)
        #expect(trails.map(\.name) == ["fixture-trail"])
        #expect(trails.first?.eventSelectors != nil)
        let oldEvents = try await audit.allEvents().count

        // New writes: a key whose record rides its transaction, and a group commit.
        let pending = PendingAuditRecord(CloudTrailEvent(AuditTransactionTests.event("CreateKey"), eventId: "new-1"))
        let key = try await PendingAuditRecord.$current.withValue(pending) {
            try await kms.createKey(CreateKeyRequest(), caller: caller)
        }
        #expect(pending.isCommitted)
        try await audit.append([CloudTrailEvent(AuditTransactionTests.event("ListKeys"), eventId: "new-2")])
        try await db.close()

        db = try await RampartDatabase.open(path: path, logger: Logger(label: "t"))
        #expect(try await Self.schema(db) == schema)
        let reloaded = KeyManagementService(store: SQLKeyStore(database: db), vault: vault, clock: ManualClock())
        try await reloaded.load()
        #expect(try reloaded.listKeys(limit: nil, marker: nil, caller: caller).items.count == 3)
        #expect(try reloaded.describeKey(keyId: key.keyId, caller: caller).keyId == key.keyId)
        let events = try await SQLAuditStore(database: db).allEvents()
        #expect(events.count == oldEvents + 2)
        #expect(Set(events.map(\.eventId)).isSuperset(of: ["new-1", "new-2"]))
        #expect(try await db.integrityCheck())
        try await db.close()
    }
}
