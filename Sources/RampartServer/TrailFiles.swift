public import Audit
import AuditStorage
public import Foundation
import KeyVault
public import Logging
import Storage

/// `rampart trail export` and `rampart trail validate`.
public enum TrailFiles {
    /// Exports every recorded event of DIR's store to OUT, signed with the data folder's digest
    /// key (made on first use, kept sealed by the root key).
    public static func export(dataDirectory: URL, to out: URL, logger: Logger) async throws -> TrailExport.Summary {
        let (vault, db) = try await DataDirectory.open(dataDirectory, logger: logger)
        do {
            let signer = try await signingKey(vault: vault, db: db)
            let events = try await SQLAuditStore(database: db).allEvents()
            try await db.close()
            return try TrailExport.export(events, signer: signer, to: out)
        } catch {
            try? await db.close()
            throw error
        }
    }

    public static func validate(_ directory: URL) -> TrailValidation.Report {
        TrailValidation.validate(directory)
    }

    static let keyName = "trail_digest_signing_key"
    static let vaultContext = "audit:digest-signing-key"

    static func signingKey(vault: KeyVault, db: RampartDatabase) async throws -> DigestSigner {
        if let sealed = try await db.meta(keyName) {
            let der = try vault.open(sealed, context: vaultContext)
            return try DigestSigner(derRepresentation: der.copyBytes())
        }
        let signer = try DigestSigner()
        try await db.setMeta(keyName, try vault.seal(signer.derRepresentation, context: vaultContext))
        return signer
    }
}
