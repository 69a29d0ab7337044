public import AWSProtocol
public import Identity
import KMSCiphertext
public import ServiceKit

/// KMS as the other services of this server use it to encrypt under a customer's key (SNS's
/// encrypted topics): GenerateDataKey and Decrypt, authorized exactly as a KMS call of `caller`
/// is (key policy, grants, identity policies, through the server's `KMSAuthorizer`). The calling
/// service passes `caller.onBehalf(via:)`, so `kms:ViaService` names it.
public struct KMSDataKeys: DataKeyProvider {
    let kms: KeyManagementService

    public init(kms: KeyManagementService) {
        self.kms = kms
    }

    public func generateDataKey(
        keyId: String, caller: Caller, encryptionContext: [String: String]
    ) async throws(AWSError)
        -> (plaintext: [UInt8], ciphertextBlob: [UInt8])
    {
        let result = try kms.generateDataKey(
            keyId: keyId, keySpec: "AES_256", numberOfBytes: nil, context: EncryptionContext(encryptionContext),
            includePlaintext: true, dryRun: false, caller: caller)
        return (result.plaintext ?? [], result.ciphertextBlob)
    }

    public func decrypt(
        ciphertextBlob: [UInt8], caller: Caller, encryptionContext: [String: String]
    ) async throws(AWSError)
        -> [UInt8]
    {
        try kms.decrypt(
            ciphertext: ciphertextBlob, context: EncryptionContext(encryptionContext), keyId: nil, algorithm: nil,
            dryRun: false, caller: caller
        ).plaintext
    }

    public func awsManagedKey(service: String, accountId: String, region: String) async throws(AWSError) -> String {
        try await kms.awsManagedKey(service: service, accountId: accountId, region: region)
    }

    public func decryptForService(
        ciphertextBlob: [UInt8], encryptionContext: [String: String], accountId: String, region: String
    ) async throws(AWSError) -> [UInt8] {
        try kms.decryptForService(
            ciphertext: ciphertextBlob, context: EncryptionContext(encryptionContext), accountId: accountId, region: region)
    }
}
