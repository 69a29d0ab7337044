import Foundation
public import Identity
import SQLKit
public import Storage

/// `IdentityStore` on the shared SQL database.
public struct SQLIdentityStore: IdentityStore {
    let db: RampartDatabase

    public init(database: RampartDatabase) {
        self.db = database
    }

    public func account(id: String) async throws -> AccountRecord? {
        let row = try await db.sql.raw("SELECT account_id, created_at FROM accounts WHERE account_id = \(bind: id)").first()
        return try row.map {
            AccountRecord(
                accountId: try $0.decode(column: "account_id", as: String.self),
                createDate: Date(timeIntervalSince1970: try $0.decode(column: "created_at", as: Double.self)))
        }
    }

    public func accounts() async throws -> [AccountRecord] {
        try await db.sql.raw("SELECT account_id, created_at FROM accounts ORDER BY account_id").all().map {
            AccountRecord(
                accountId: try $0.decode(column: "account_id", as: String.self),
                createDate: Date(timeIntervalSince1970: try $0.decode(column: "created_at", as: Double.self)))
        }
    }

    public func accessKey(id: String) async throws -> AccessKeyRecord? {
        let row = try await db.sql.raw(
            "SELECT access_key_id, account_id, user_name, sealed_secret, status, created_at FROM access_keys WHERE access_key_id = \(bind: id)"
        ).first()
        return try row.map(Self.accessKey)
    }

    static func accessKey(_ row: any SQLRow) throws -> AccessKeyRecord {
        AccessKeyRecord(
            accessKeyId: try row.decode(column: "access_key_id", as: String.self),
            accountId: try row.decode(column: "account_id", as: String.self),
            userName: try row.decode(column: "user_name", as: String?.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: [UInt8].self),
            status: AccessKeyRecord.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .inactive,
            createDate: Date(timeIntervalSince1970: try row.decode(column: "created_at", as: Double.self)))
    }

    public func createAccount(_ account: AccountRecord, rootAccessKey key: AccessKeyRecord) async throws {
        try await db.transaction { sql in
            try await sql.raw(
                "INSERT INTO accounts (account_id, created_at) VALUES (\(bind: account.accountId), \(bind: account.createDate.timeIntervalSince1970))"
            ).run()
            try await sql.raw(
                """
                INSERT INTO access_keys (access_key_id, account_id, user_name, sealed_secret, status, created_at)
                VALUES (\(bind: key.accessKeyId), \(bind: key.accountId), \(bind: key.userName), \(bind: key.sealedSecret),
                        \(bind: key.status.rawValue), \(bind: key.createDate.timeIntervalSince1970))
                """
            ).run()
        }
    }
}
