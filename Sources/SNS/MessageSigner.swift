import AWSProtocol
import Crypto
import Foundation
import KeyVault
import RampartCore
import SwiftASN1
import Synchronization
import X509
import _CryptoExtras

/// The RSA key that signs every message SNS sends, and its self-signed certificate, which
/// Rampart serves at `SigningCertURL`. SignatureVersion 1 is SHA1withRSA, 2 is SHA256withRSA,
/// both PKCS#1 v1.5, as AWS's.
struct MessageSigner: Sendable {
    let privateKey: _RSA.Signing.PrivateKey
    let certificatePEM: String
    /// Names the certificate's URL, so a new key never reuses a URL a receiver has cached.
    let certificateId: String

    /// A new 2048-bit key and a ten-year self-signed certificate for it.
    static func make(now: Date) throws -> MessageSigner {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let pem = try certificate(for: key, now: now)
        return try MessageSigner(privateKeyDER: Array(key.derRepresentation), certificatePEM: pem)
    }

    init(privateKeyDER: [UInt8], certificatePEM: String) throws {
        self.privateKey = try _RSA.Signing.PrivateKey(derRepresentation: privateKeyDER)
        self.certificatePEM = certificatePEM
        self.certificateId = Hex.encode(Array(SHA256.hash(data: Array(certificatePEM.utf8))).prefix(16))
    }

    static func certificate(for key: _RSA.Signing.PrivateKey, now: Date) throws -> String {
        let name = try DistinguishedName {
            CountryName("US")
            OrganizationName("Rampart")
            CommonName("sns.amazonaws.com")
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(key.publicKey), notValidBefore: now.addingTimeInterval(-3600),
            notValidAfter: now.addingTimeInterval(10 * 365 * 86400), issuer: name, subject: name,
            signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
            }, issuerPrivateKey: Certificate.PrivateKey(key))
        return try certificate.serializeAsPEM().pemString
    }

    /// The path Rampart serves the certificate at (`SigningCertURL` is the endpoint and this).
    var certificatePath: String { "/SimpleNotificationService-\(certificateId).pem" }

    /// Signs `envelope` with its SignatureVersion's algorithm, in place.
    func sign(_ envelope: inout Envelope) throws {
        let data = Array(envelope.stringToSign.utf8)
        let signature: _RSA.Signing.RSASignature =
            envelope.signatureVersion == "2"
            ? try privateKey.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
            : try privateKey.signature(for: Insecure.SHA1.hash(data: data), padding: .insecurePKCS1v1_5)
        envelope.signature = Base64.encode(Array(signature.rawRepresentation))
    }
}

/// The signing key, kept sealed by the root key in the `sns_signing_keys` table: made once, on
/// first use, and the same after every restart.
final class SigningKeys: Sendable {
    let tables: any TableStore
    let vault: KeyVault
    let clock: any ServiceClock
    private let lock = AsyncLock()
    private let cached = Mutex<MessageSigner?>(nil)

    static let vaultContext = "sns:message-signing-key"

    static let migrations = [
        SchemaMigration(
            module: "sns", version: 2, name: "signing keys",
            statements: [
                "CREATE TABLE sns_signing_keys (id TEXT NOT NULL PRIMARY KEY, sealed_key TEXT NOT NULL, certificate TEXT NOT NULL)"
            ])
    ]

    init(tables: any TableStore, vault: KeyVault, clock: any ServiceClock) {
        self.tables = tables
        self.vault = vault
        self.clock = clock
    }

    /// The signer, loaded (or made and stored) on first use.
    func signer() async throws -> MessageSigner {
        if let signer = cached.withLock({ $0 }) { return signer }
        return try await lock.withLock { () async throws -> MessageSigner in
            if let signer = cached.withLock({ $0 }) { return signer }
            let signer: MessageSigner
            if let loaded = try await load() {
                signer = loaded
            } else {
                signer = try await create()
            }
            cached.withLock { $0 = signer }
            return signer
        }
    }

    private func load() async throws -> MessageSigner? {
        let rows = try await tables.rows(
            TableStatement("SELECT sealed_key, certificate FROM sns_signing_keys WHERE id = ?", [.text("current")]))
        guard let row = rows.first, let sealedText = try row.text("sealed_key"), let sealed = Base64.decode(sealedText),
            let pem = try row.text("certificate")
        else { return nil }
        let der = try vault.open(sealed, context: Self.vaultContext)
        return try MessageSigner(privateKeyDER: der.copyBytes(), certificatePEM: pem)
    }

    private func create() async throws -> MessageSigner {
        let signer = try MessageSigner.make(now: clock.now)
        var der = Array(signer.privateKey.derRepresentation)
        defer { for i in der.indices { der[i] = 0 } }
        let sealed = try vault.seal(der, context: Self.vaultContext)
        do {
            try await tables.transaction { t in
                try await t.run(
                    TableStatement(
                        "INSERT INTO sns_signing_keys (id, sealed_key, certificate) VALUES (?, ?, ?)",
                        [.text("current"), .text(Base64.encode(sealed)), .text(signer.certificatePEM)]))
            }
            return signer
        } catch {
            // Another server on the same database stored its key first: use that one.
            if let stored = try await load() { return stored }
            throw error
        }
    }
}
