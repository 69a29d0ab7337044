import AWSProtocol
import Crypto
import Foundation
import _CryptoExtras

/// The RSA key that signs digest files (SHA256withRSA, as CloudTrail's), kept by the caller
/// sealed at rest; only its DER form crosses this type's boundary.
public struct DigestSigner: Sendable {
    let privateKey: _RSA.Signing.PrivateKey

    /// A new 2048-bit key.
    public init() throws {
        privateKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
    }

    public init(derRepresentation: [UInt8]) throws {
        privateKey = try _RSA.Signing.PrivateKey(derRepresentation: derRepresentation)
    }

    public var derRepresentation: [UInt8] { Array(privateKey.derRepresentation) }
    public var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }
    /// The public key as DER SubjectPublicKeyInfo, as ListPublicKeys returns it.
    public var publicKeyDER: [UInt8] { Array(privateKey.publicKey.derRepresentation) }
    /// SHA-256 of the public key's DER, in hex: names the key in digest files.
    public var fingerprint: String { DigestSigner.fingerprint(of: Array(privateKey.publicKey.derRepresentation)) }

    static func fingerprint(of der: [UInt8]) -> String {
        Hex.sha256(der)
    }

    /// The hex signature of `text`.
    public func sign(_ text: String) throws -> String {
        let signature = try privateKey.signature(for: SHA256.hash(data: Array(text.utf8)), padding: .insecurePKCS1v1_5)
        return Hex.encode(signature.rawRepresentation)
    }
}

/// Verifies digest signatures with a public key read from PEM.
public struct DigestVerifier: Sendable {
    let publicKey: _RSA.Signing.PublicKey
    public let fingerprint: String

    public init(pem: String) throws {
        publicKey = try _RSA.Signing.PublicKey(pemRepresentation: pem)
        fingerprint = DigestSigner.fingerprint(of: Array(publicKey.derRepresentation))
    }

    public func verify(_ text: String, signatureHex: String) -> Bool {
        guard let bytes = hexBytes(signatureHex) else { return false }
        return publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: bytes), for: SHA256.hash(data: Array(text.utf8)),
            padding: .insecurePKCS1v1_5)
    }

    private func hexBytes(_ hex: String) -> [UInt8]? { Hex.decode(hex) }
}
