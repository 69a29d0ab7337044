import Foundation
public import Identity
import SQLKit
import Storage

/// Groups, roles, managed policies and STS sessions: one JSON document per entity.
extension SQLIdentityStore {
    public func entity<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws -> E? {
        let row = try await db.sql.raw(
            "SELECT document FROM iam_entities WHERE account_id = \(bind: accountId) AND kind = \(bind: E.kind) AND name = \(bind: name)"
        ).first()
        return try row.map { try $0.document(E.self) }
    }

    public func entities<E: IAMEntity>(_ type: E.Type, accountId: String) async throws -> [E] {
        try await db.sql.raw(
            "SELECT document FROM iam_entities WHERE account_id = \(bind: accountId) AND kind = \(bind: E.kind) ORDER BY name"
        ).all().map { try $0.document(E.self) }
    }

    public func putEntity<E: IAMEntity>(_ entity: E) async throws {
        let document = try Documents.text(entity)
        try await db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO iam_entities (account_id, kind, name, document)
                VALUES (\(bind: entity.accountId), \(bind: E.kind), \(bind: entity.entityName), \(bind: document))
                ON CONFLICT (account_id, kind, name) DO UPDATE SET document = excluded.document
                """
            ).run()
        }
    }

    public func deleteEntity<E: IAMEntity>(_ type: E.Type, accountId: String, name: String) async throws {
        try await db.transaction { sql in
            try await sql.raw(
                "DELETE FROM iam_entities WHERE account_id = \(bind: accountId) AND kind = \(bind: E.kind) AND name = \(bind: name)"
            ).run()
        }
    }
}
