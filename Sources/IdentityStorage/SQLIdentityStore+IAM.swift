import Foundation
public import Identity
import SQLKit
import Storage

/// IAM users, access keys and inline policies on the shared SQL database.
extension SQLIdentityStore {
    public func accessKeys(accountId: String, userName: String?) async throws -> [AccessKeyRecord] {
        var query = SQLQueryString(
            "SELECT access_key_id, account_id, user_name, sealed_secret, status, created_at FROM access_keys WHERE account_id = \(bind: accountId)"
        )
        if let userName { query += " AND user_name = \(bind: userName)" } else { query += " AND user_name IS NULL" }
        return try await db.sql.raw(query).all().map(Self.accessKey)
    }

    public func putAccessKey(_ key: AccessKeyRecord) async throws {
        try await db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO access_keys (access_key_id, account_id, user_name, sealed_secret, status, created_at)
                VALUES (\(bind: key.accessKeyId), \(bind: key.accountId), \(bind: key.userName), \(bind: key.sealedSecret),
                        \(bind: key.status.rawValue), \(bind: key.createDate.timeIntervalSince1970))
                ON CONFLICT (access_key_id) DO UPDATE SET status = excluded.status
                """
            ).run()
        }
    }

    public func deleteAccessKey(id: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM access_keys WHERE access_key_id = \(bind: id)").run()
        }
    }

    public func user(accountId: String, userName: String) async throws -> IAMUser? {
        let row = try await db.sql.raw(
            "SELECT document FROM iam_users WHERE account_id = \(bind: accountId) AND user_name = \(bind: userName)"
        ).first()
        return try row.map {
            try $0.document(IAMUser.self)
        }
    }

    public func users(accountId: String) async throws -> [IAMUser] {
        try await db.sql.raw("SELECT document FROM iam_users WHERE account_id = \(bind: accountId)").all().map {
            try $0.document(IAMUser.self)
        }
    }

    public func putUser(_ user: IAMUser) async throws {
        let document = try Documents.text(user)
        try await db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO iam_users (account_id, user_name, document) VALUES (\(bind: user.accountId), \(bind: user.userName), \(bind: document))
                ON CONFLICT (account_id, user_name) DO UPDATE SET document = excluded.document
                """
            ).run()
        }
    }

    public func deleteUser(accountId: String, userName: String) async throws {
        try await db.transaction { sql in
            try await sql.raw("DELETE FROM iam_users WHERE account_id = \(bind: accountId) AND user_name = \(bind: userName)")
                .run()
        }
    }

    public func inlinePolicies(accountId: String, owner: PolicyOwner) async throws -> [String: String] {
        let rows = try await db.sql.raw(
            "SELECT policy_name, document FROM iam_inline_policies WHERE account_id = \(bind: accountId) AND owner_kind = \(bind: owner.kind) AND owner_name = \(bind: owner.name)"
        ).all()
        var out: [String: String] = [:]
        for row in rows {
            out[try row.decode(column: "policy_name", as: String.self)] = try row.decode(column: "document", as: String.self)
        }
        return out
    }

    public func putInlinePolicy(accountId: String, owner: PolicyOwner, name: String, document: String) async throws {
        try await db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO iam_inline_policies (account_id, owner_kind, owner_name, policy_name, document)
                VALUES (\(bind: accountId), \(bind: owner.kind), \(bind: owner.name), \(bind: name), \(bind: document))
                ON CONFLICT (account_id, owner_kind, owner_name, policy_name) DO UPDATE SET document = excluded.document
                """
            ).run()
        }
    }

    public func deleteInlinePolicy(accountId: String, owner: PolicyOwner, name: String) async throws {
        try await db.transaction { sql in
            try await sql.raw(
                "DELETE FROM iam_inline_policies WHERE account_id = \(bind: accountId) AND owner_kind = \(bind: owner.kind) AND owner_name = \(bind: owner.name) AND policy_name = \(bind: name)"
            ).run()
        }
    }

    public func renameUser(accountId: String, from oldName: String, to user: IAMUser, groups: [IAMGroup]) async throws {
        let document = try Documents.text(user)
        let groupDocuments = try groups.map { ($0.groupName, try Documents.text($0)) }
        try await db.transaction { sql in
            try await sql.raw(
                "DELETE FROM iam_users WHERE account_id = \(bind: accountId) AND user_name = \(bind: oldName)"
            ).run()
            try await sql.raw(
                "INSERT INTO iam_users (account_id, user_name, document) VALUES (\(bind: accountId), \(bind: user.userName), \(bind: document))"
            ).run()
            try await sql.raw(
                "UPDATE access_keys SET user_name = \(bind: user.userName) WHERE account_id = \(bind: accountId) AND user_name = \(bind: oldName)"
            ).run()
            try await sql.raw(
                "UPDATE iam_inline_policies SET owner_name = \(bind: user.userName) WHERE account_id = \(bind: accountId) AND owner_kind = 'user' AND owner_name = \(bind: oldName)"
            ).run()
            for (name, groupDocument) in groupDocuments {
                try await sql.raw(
                    "UPDATE iam_entities SET document = \(bind: groupDocument) WHERE account_id = \(bind: accountId) AND kind = 'group' AND name = \(bind: name)"
                ).run()
            }
        }
    }
}
