public import AWSProtocol
public import Identity
import KeyCrypto

/// The result of DeriveSharedSecret.
public struct SharedSecretResult: Sendable {
    /// The raw ECDH secret; the caller zeroes it once encoded.
    public var sharedSecret: [UInt8]
    public var key: KMSKey
}

extension KeyManagementService {
    /// ECDH between the key's private half and a peer's public key (DER SubjectPublicKeyInfo).
    public func deriveSharedSecret(
        keyId: String, algorithm: String, peerPublicKey: [UInt8], recipient: Bool, dryRun: Bool, caller: Caller,
        requestId: String? = nil
    ) throws(AWSError) -> SharedSecretResult {
        let (key, material) = try usableKey(
            keyId, action: "kms:DeriveSharedSecret", usage: .keyAgreement, caller: caller,
            conditionKeys: Self.requestAliasKeys(keyId).merging(["kms:KeyAgreementAlgorithm": [algorithm]]) { a, _ in a })
        guard key.keySpec.keyAgreementAlgorithms(usage: key.keyUsage).contains(algorithm) else {
            throw .invalidKeyUsage("The requested key agreement algorithm \(algorithm) is not supported by key \(key.arn).")
        }
        if recipient {
            throw .unsupportedOperation("Recipient (Nitro Enclaves attestation) is not supported by this Rampart build.")
        }
        guard let pair = material.privateKey else { throw .kmsInternal }
        if dryRun { throw .dryRunOperation() }
        do {
            let secret = try pair.sharedSecret(peerPublicKey: peerPublicKey)
            recordUsage(of: key, operation: "DeriveSharedSecret", requestId: requestId)
            return SharedSecretResult(sharedSecret: secret, key: key)
        } catch {
            throw .validation(
                message: "PublicKey is not a valid DER-encoded public key on the curve of \(key.keySpec.rawValue).")
        }
    }
}
