import Foundation
public import KMS
import SQLKit
public import Storage

/// `KeyStore` on the shared SQL database: each key one JSON document, each sealed material a
/// row of its own, each alias a row. Rows name keys by slot (`KMSKey.slot`): the key id, with
/// the region after it for multi-Region keys, whose related keys share their id.
public struct SQLKeyStore: KeyStore {
    private let db: RampartDatabase

    public init(database: RampartDatabase) {
        self.db = database
    }

    public func loadAttachments() async throws -> KeyAttachments {
        var attachments = KeyAttachments()
        for row in try await db.sql.raw(
            "SELECT account_id, region, alias_name, target_key_id, created_at, updated_at FROM kms_aliases"
        ).all() {
            attachments.aliases.append(
                KMSAlias(
                    accountId: try row.decode(column: "account_id", as: String.self),
                    region: try row.decode(column: "region", as: String.self),
                    aliasName: try row.decode(column: "alias_name", as: String.self),
                    targetKeyId: try row.decode(column: "target_key_id", as: String.self),
                    creationDate: Date(timeIntervalSince1970: try row.decode(column: "created_at", as: Double.self)),
                    lastUpdatedDate: Date(timeIntervalSince1970: try row.decode(column: "updated_at", as: Double.self))))
        }
        for row in try await db.sql.raw("SELECT document FROM kms_grants").all() {
            attachments.grants.append(try row.document(KMSGrant.self))
        }
        for row in try await db.sql.raw("SELECT token_hash, key_id, algorithm, sealed, valid_to FROM kms_import_tokens").all() {
            attachments.importTokens.append(
                SealedImportToken(
                    tokenHash: try row.decode(column: "token_hash", as: String.self),
                    keyId: try row.decode(column: "key_id", as: String.self),
                    algorithm: try row.decode(column: "algorithm", as: String.self),
                    sealedWrappingKey: try row.decode(column: "sealed", as: [UInt8].self),
                    validTo: Date(timeIntervalSince1970: try row.decode(column: "valid_to", as: Double.self))))
        }
        return attachments
    }

    public func keys(after position: Int64?, limit: Int) async throws -> KeyStorePage {
        let after = position ?? 0
        var page = KeyStorePage(keys: [], materials: [], last: nil)
        for row in try await db.sql.raw(
            "SELECT rowid, document FROM kms_keys WHERE rowid > \(bind: after) ORDER BY rowid LIMIT \(bind: limit)"
        ).all() {
            page.keys.append(try row.document(KMSKey.self))
            page.last = try row.decode(column: "rowid", as: Int64.self)
        }
        guard let last = page.last else { return page }
        for row in try await db.sql.raw(
            """
            SELECT key_id, material_id, sealed FROM kms_key_materials WHERE key_id IN \
            (SELECT key_id FROM kms_keys WHERE rowid > \(bind: after) AND rowid <= \(bind: last))
            """
        ).all() {
            page.materials.append(
                SealedMaterial(
                    keyId: try row.decode(column: "key_id", as: String.self),
                    materialId: try row.decode(column: "material_id", as: String.self),
                    sealed: try row.decode(column: "sealed", as: [UInt8].self)))
        }
        return page
    }

    public func apply(_ batch: KeyStoreBatch) async throws {
        let documents = try batch.putKeys.map { key in
            (key, try Documents.text(key))
        }
        let grants = try batch.putGrants.map { grant in
            (grant, try Documents.text(grant))
        }
        try await db.transaction { sql in
            for (key, document) in documents {
                try await sql.raw(
                    """
                    INSERT INTO kms_keys (key_id, account_id, region, document)
                    VALUES (\(bind: key.slot), \(bind: key.accountId), \(bind: key.region), \(bind: document))
                    ON CONFLICT (key_id) DO UPDATE SET document = excluded.document
                    """
                ).run()
            }
            for keyId in batch.deleteMaterialKeyIds {
                try await sql.raw("DELETE FROM kms_key_materials WHERE key_id = \(bind: keyId)").run()
            }
            for m in batch.deleteMaterials {
                try await sql.raw(
                    "DELETE FROM kms_key_materials WHERE key_id = \(bind: m.keyId) AND material_id = \(bind: m.materialId)"
                ).run()
            }
            for hash in batch.deleteImportTokens {
                try await sql.raw("DELETE FROM kms_import_tokens WHERE token_hash = \(bind: hash)").run()
            }
            for t in batch.putImportTokens {
                try await sql.raw(
                    """
                    INSERT INTO kms_import_tokens (token_hash, key_id, algorithm, sealed, valid_to)
                    VALUES (\(bind: t.tokenHash), \(bind: t.keyId), \(bind: t.algorithm), \(bind: t.sealedWrappingKey),
                        \(bind: t.validTo.timeIntervalSince1970))
                    """
                ).run()
            }
            for m in batch.putMaterials {
                try await sql.raw(
                    """
                    INSERT INTO kms_key_materials (key_id, material_id, sealed)
                    VALUES (\(bind: m.keyId), \(bind: m.materialId), \(bind: m.sealed))
                    ON CONFLICT (key_id, material_id) DO UPDATE SET sealed = excluded.sealed
                    """
                ).run()
            }
            for alias in batch.deleteAliases {
                try await sql.raw(
                    "DELETE FROM kms_aliases WHERE account_id = \(bind: alias.accountId) AND region = \(bind: alias.region) AND alias_name = \(bind: alias.aliasName)"
                ).run()
            }
            for alias in batch.putAliases {
                try await sql.raw(
                    """
                    INSERT INTO kms_aliases (account_id, region, alias_name, target_key_id, created_at, updated_at)
                    VALUES (\(bind: alias.accountId), \(bind: alias.region), \(bind: alias.aliasName), \(bind: alias.targetKeyId),
                            \(bind: alias.creationDate.timeIntervalSince1970), \(bind: alias.lastUpdatedDate.timeIntervalSince1970))
                    ON CONFLICT (account_id, region, alias_name) DO UPDATE SET
                        target_key_id = excluded.target_key_id, updated_at = excluded.updated_at
                    """
                ).run()
            }
            for (grant, document) in grants {
                try await sql.raw(
                    """
                    INSERT INTO kms_grants (grant_id, key_id, document) VALUES (\(bind: grant.grantId), \(bind: grant.slot), \(bind: document))
                    ON CONFLICT (grant_id) DO UPDATE SET document = excluded.document
                    """
                ).run()
            }
            for grantId in batch.deleteGrantIds {
                try await sql.raw("DELETE FROM kms_grants WHERE grant_id = \(bind: grantId)").run()
            }
            for keyId in batch.deleteKeyIds {
                try await sql.raw("DELETE FROM kms_grants WHERE key_id = \(bind: keyId)").run()
                try await sql.raw("DELETE FROM kms_key_materials WHERE key_id = \(bind: keyId)").run()
                try await sql.raw("DELETE FROM kms_import_tokens WHERE key_id = \(bind: keyId)").run()
                try await sql.raw("DELETE FROM kms_keys WHERE key_id = \(bind: keyId)").run()
            }
        }
    }
}
