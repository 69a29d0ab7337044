public import AWSProtocol
public import Identity
public import KMSCiphertext
import KeyCrypto
import KeyVault

/// The result of GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext.
public struct DataKeyPairResult: Sendable {
    /// The private key (DER PKCS#8) encrypted under the symmetric key.
    public var privateKeyCiphertextBlob: [UInt8]
    /// The same private key in the clear, for GenerateDataKeyPair; the caller zeroes it.
    public var privateKeyPlaintext: [UInt8]?
    /// DER SubjectPublicKeyInfo.
    public var publicKey: [UInt8]
    public var keyArn: String
    public var keyMaterialId: String
    public var keyPairSpec: String
}

extension KeyManagementService {
    /// A fresh key pair for use outside KMS, its private key encrypted under a symmetric key.
    public func generateDataKeyPair(
        keyId: String, keyPairSpec: String, context: EncryptionContext, includePlaintext: Bool, recipient: Bool,
        dryRun: Bool, caller: Caller, requestId: String? = nil
    ) throws(AWSError) -> DataKeyPairResult {
        let action = includePlaintext ? "kms:GenerateDataKeyPair" : "kms:GenerateDataKeyPairWithoutPlaintext"
        let kind = try DataKeyPairSpec.kind(keyPairSpec, region: caller.region)
        let target = try encryptionTarget(
            keyId, algorithm: nil, action: action, caller: caller, context: context,
            conditionKeys: ["kms:DataKeyPairSpec": [keyPairSpec]])
        if recipient {
            throw .unsupportedOperation("Recipient (Nitro Enclaves attestation) is not supported by this Rampart build.")
        }
        if dryRun { throw .dryRunOperation() }
        let pair: PrivateKey
        do { pair = try PrivateKey.generate(kind) } catch { throw .kmsInternal }
        var privateKey = pair.pkcs8
        let blob = try seal(privateKey, target, context: context)
        recordUsage(of: target.key, operation: String(action.dropFirst(4)), requestId: requestId)
        if !includePlaintext { Zeroize.array(&privateKey) }
        return DataKeyPairResult(
            privateKeyCiphertextBlob: blob, privateKeyPlaintext: includePlaintext ? privateKey : nil,
            publicKey: pair.publicKeyDER, keyArn: target.key.arn, keyMaterialId: target.materialId, keyPairSpec: keyPairSpec)
    }
}
