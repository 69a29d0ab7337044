public import RampartCore
import SQLKit

/// `DocumentStore` on the shared SQL database: the `rampart_documents` table, one row per
/// document, written in a transaction of its own (which carries the call's audit record, as
/// every change does).
public struct SQLDocumentStore: DocumentStore {
    private let db: RampartDatabase

    public init(database: RampartDatabase) {
        self.db = database
    }

    public func document(_ key: DocumentKey) async throws -> [UInt8]? {
        let row = try await db.sql.raw(
            """
            SELECT document FROM rampart_documents WHERE module = \(bind: key.module) AND kind = \(bind: key.kind)
            AND account_id = \(bind: key.accountId) AND region = \(bind: key.region) AND id = \(bind: key.id)
            """
        ).first()
        return try row.map { Array(try $0.decode(column: "document", as: String.self).utf8) }
    }

    public func documents(module: String, kind: String, accountId: String, region: String) async throws -> [StoredDocument] {
        try await db.sql.raw(
            """
            SELECT id, document FROM rampart_documents WHERE module = \(bind: module) AND kind = \(bind: kind)
            AND account_id = \(bind: accountId) AND region = \(bind: region) ORDER BY id
            """
        ).all().map {
            StoredDocument(
                id: try $0.decode(column: "id", as: String.self),
                document: Array(try $0.decode(column: "document", as: String.self).utf8))
        }
    }

    public func documents(module: String, kind: String) async throws -> [StoredDocument] {
        try await db.sql.raw(
            "SELECT id, document FROM rampart_documents WHERE module = \(bind: module) AND kind = \(bind: kind)"
        ).all().map {
            StoredDocument(
                id: try $0.decode(column: "id", as: String.self),
                document: Array(try $0.decode(column: "document", as: String.self).utf8))
        }
    }

    public func put(_ key: DocumentKey, document: [UInt8]) async throws {
        let text = String(decoding: document, as: UTF8.self)
        try await db.transaction { sql in
            try await sql.raw(
                """
                INSERT INTO rampart_documents (module, kind, account_id, region, id, document)
                VALUES (\(bind: key.module), \(bind: key.kind), \(bind: key.accountId), \(bind: key.region), \(bind: key.id), \(bind: text))
                ON CONFLICT (module, kind, account_id, region, id) DO UPDATE SET document = excluded.document
                """
            ).run()
        }
    }

    public func delete(_ key: DocumentKey) async throws -> Bool {
        try await db.transaction { sql in
            let found = try await sql.raw(
                """
                SELECT 1 AS found FROM rampart_documents WHERE module = \(bind: key.module) AND kind = \(bind: key.kind)
                AND account_id = \(bind: key.accountId) AND region = \(bind: key.region) AND id = \(bind: key.id)
                """
            ).first()
            guard found != nil else { return false }
            try await sql.raw(
                """
                DELETE FROM rampart_documents WHERE module = \(bind: key.module) AND kind = \(bind: key.kind)
                AND account_id = \(bind: key.accountId) AND region = \(bind: key.region) AND id = \(bind: key.id)
                """
            ).run()
            return true
        }
    }
}
