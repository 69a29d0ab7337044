public import AWSProtocol
import KeyVault

/// The answers of KMS's hot calls (Encrypt, Decrypt, GenerateDataKey), built from their
/// generated output shapes exactly as `KMSAPI` builds them: here so that the micro-benchmarks
/// (`Benchmarks/HotPaths`) measure the handler's own code.
@_spi(Benchmarks)
public enum KMSHotAnswers {
    /// Encrypt's answer.
    public static func encrypt(ciphertextBlob: [UInt8], keyArn: String, algorithm: String) -> JSONValue {
        KMSShapes.EncryptResponse(ciphertextBlob: ciphertextBlob, keyId: keyArn, encryptionAlgorithm: algorithm).jsonValue
    }

    /// Decrypt's answer; `plaintext` is moved into it and scrubbed in place once encoded.
    public static func decrypt(
        plaintext: inout [UInt8], keyArn: String, keyMaterialId: String?, algorithm: String
    ) -> JSONValue {
        var out = KMSShapes.DecryptResponse(
            keyId: keyArn, plaintext: KMSAPI.moved(&plaintext), encryptionAlgorithm: algorithm, keyMaterialId: keyMaterialId)
        defer { Zeroize.optional(&out.plaintext) }
        return out.jsonValue
    }

    /// GenerateDataKey's answer (GenerateDataKeyWithoutPlaintext's, less the plaintext: its
    /// output has the same members otherwise); `plaintext` is moved into it and scrubbed in
    /// place once encoded.
    public static func generateDataKey(
        ciphertextBlob: [UInt8], plaintext: inout [UInt8]?, keyArn: String, keyMaterialId: String?
    ) -> JSONValue {
        var out = KMSShapes.GenerateDataKeyResponse(
            ciphertextBlob: ciphertextBlob, plaintext: KMSAPI.moved(&plaintext), keyId: keyArn, keyMaterialId: keyMaterialId)
        defer { Zeroize.optional(&out.plaintext) }
        return out.jsonValue
    }
}
