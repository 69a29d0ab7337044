public import AWSProtocol
import Crypto
import Foundation
public import Identity
import KeyVault
import Synchronization

/// The result of an operation that makes a ciphertext.
public struct CiphertextResult: Sendable {
    public var ciphertextBlob: [UInt8]
    public var keyArn: String
    public var keyMaterialId: String
    /// The data key, for GenerateDataKey; the caller zeroes it once encoded.
    public var plaintext: [UInt8]?
}

/// The result of Decrypt.
public struct PlaintextResult: Sendable {
    public var plaintext: [UInt8]
    public var keyArn: String
    public var keyMaterialId: String
}

/// The result of ReEncrypt.
public struct ReEncryptResult: Sendable {
    public var ciphertextBlob: [UInt8]
    public var sourceKeyArn: String
    public var sourceKeyMaterialId: String
    public var destinationKeyArn: String
    public var destinationKeyMaterialId: String
}

extension KeyManagementService {
    static let symmetricAlgorithm = "SYMMETRIC_DEFAULT"

    /// The key and current material for making a ciphertext, after every check.
    func keyForEncryption(
        _ keyId: String, algorithm: String?, action: String, caller: Caller, context: EncryptionContext
    ) throws(AWSError) -> (KMSKey, SymmetricKey, String) {
        let live = try resolve(keyId, caller: caller)
        try authorize(
            action, key: live.key, caller: caller, context: context,
            conditionKeys: Self.cryptoConditionKeys(keyId: keyId, context: context, algorithm: algorithm))
        try checkState(.cryptographic, live.key)
        guard live.key.keyUsage == .encryptDecrypt else {
            throw .invalidKeyUsage(
                "\(live.key.arn) key usage is \(live.key.keyUsage.rawValue) which is not valid for \(action.dropFirst(4)).")
        }
        if let algorithm, algorithm != Self.symmetricAlgorithm {
            throw .invalidKeyUsage("The requested encryption algorithm \(algorithm) is not supported by key \(live.key.arn).")
        }
        guard let current = live.key.currentMaterial, let material = live.materials[current.materialId] else {
            throw .kmsInvalidState("\(live.key.arn) is pending import.")
        }
        return (live.key, material, current.materialId)
    }

    func seal(
        _ plaintext: [UInt8], key: KMSKey, material: SymmetricKey, materialId: String, context: EncryptionContext
    ) throws(AWSError)
        -> [UInt8]
    {
        do {
            return try SymmetricCiphertext.seal(
                plaintext, material: material, accountId: key.accountId, region: key.region, keyId: key.keyId,
                materialId: materialId, context: context
            ).bytes
        } catch {
            throw .kmsInternal
        }
    }

    public func encrypt(
        keyId: String, plaintext: [UInt8], context: EncryptionContext, algorithm: String?, dryRun: Bool, caller: Caller,
        requestId: String? = nil
    ) throws(AWSError) -> CiphertextResult {
        let (key, material, materialId) = try keyForEncryption(
            keyId, algorithm: algorithm, action: "kms:Encrypt", caller: caller, context: context)
        if dryRun { throw .dryRunOperation() }
        let blob = try seal(plaintext, key: key, material: material, materialId: materialId, context: context)
        recordUsage(of: key, operation: "Encrypt", requestId: requestId)
        return CiphertextResult(ciphertextBlob: blob, keyArn: key.arn, keyMaterialId: materialId)
    }

    /// Decrypts a blob of ours: finds the key and material from its header.
    public func decrypt(
        ciphertext: [UInt8], context: EncryptionContext, keyId: String?, algorithm: String?, dryRun: Bool, caller: Caller,
        requestId: String? = nil, action: String = "kms:Decrypt"
    ) throws(AWSError) -> PlaintextResult {
        guard let blob = SymmetricCiphertext.parse(ciphertext), blob.region == caller.region else {
            throw .invalidCiphertext
        }
        let arn = KMSKey.arn(region: blob.region, accountId: blob.accountId, keyId: blob.keyId)
        if let keyId {
            let named = try resolve(keyId, caller: caller)
            if named.key.keyId != blob.keyId || named.key.accountId != blob.accountId { throw .incorrectKey() }
        }
        guard let live = live(blob.keyId), live.key.accountId == blob.accountId, live.key.region == blob.region else {
            throw .keyNotFound(arn)
        }
        try authorize(
            action, key: live.key, caller: caller, context: context,
            conditionKeys: Self.cryptoConditionKeys(keyId: keyId, context: context, algorithm: algorithm))
        try checkState(.cryptographic, live.key)
        guard live.key.keyUsage == .encryptDecrypt else {
            throw .invalidKeyUsage("\(arn) key usage is \(live.key.keyUsage.rawValue) which is not valid for Decrypt.")
        }
        if let algorithm, algorithm != Self.symmetricAlgorithm {
            throw .invalidKeyUsage("The requested encryption algorithm \(algorithm) is not supported by key \(arn).")
        }
        guard let material = live.materials[blob.materialId] else { throw .invalidCiphertext }
        if dryRun { throw .dryRunOperation() }
        do {
            let plaintext = try blob.open(material: material, context: context)
            recordUsage(of: live.key, operation: "Decrypt", requestId: requestId)
            return PlaintextResult(plaintext: plaintext, keyArn: arn, keyMaterialId: blob.materialId)
        } catch {
            throw .invalidCiphertext
        }
    }

    public func reEncrypt(
        ciphertext: [UInt8], sourceContext: EncryptionContext, sourceKeyId: String?, sourceAlgorithm: String?,
        destinationKeyId: String, destinationContext: EncryptionContext, destinationAlgorithm: String?, dryRun: Bool,
        caller: Caller, requestId: String? = nil
    ) throws(AWSError) -> ReEncryptResult {
        let (destination, material, materialId) = try keyForEncryption(
            destinationKeyId, algorithm: destinationAlgorithm, action: "kms:ReEncryptTo", caller: caller,
            context: destinationContext)
        var source = try decrypt(
            ciphertext: ciphertext, context: sourceContext, keyId: sourceKeyId, algorithm: sourceAlgorithm, dryRun: dryRun,
            caller: caller, requestId: requestId, action: "kms:ReEncryptFrom")
        defer { Zeroize.array(&source.plaintext) }
        let blob = try seal(
            source.plaintext, key: destination, material: material, materialId: materialId, context: destinationContext)
        recordUsage(of: destination, operation: "ReEncrypt", requestId: requestId)
        return ReEncryptResult(
            ciphertextBlob: blob, sourceKeyArn: source.keyArn, sourceKeyMaterialId: source.keyMaterialId,
            destinationKeyArn: destination.arn, destinationKeyMaterialId: materialId)
    }

    /// GenerateDataKey and GenerateDataKeyWithoutPlaintext: a fresh random data key, encrypted.
    public func generateDataKey(
        keyId: String, keySpec: String?, numberOfBytes: Int?, context: EncryptionContext, includePlaintext: Bool,
        dryRun: Bool, caller: Caller, requestId: String? = nil
    ) throws(AWSError) -> CiphertextResult {
        let count: Int
        switch (keySpec, numberOfBytes) {
        case (nil, nil), (.some, .some):
            throw .validation(message: "Please specify either number of bytes or key spec.")
        case ("AES_256"?, nil): count = 32
        case ("AES_128"?, nil): count = 16
        case (let spec?, nil): throw .validation(message: "Unknown key spec \(spec).")
        case (nil, let n?): count = n
        }
        let action = includePlaintext ? "kms:GenerateDataKey" : "kms:GenerateDataKeyWithoutPlaintext"
        let (key, material, materialId) = try keyForEncryption(
            keyId, algorithm: nil, action: action, caller: caller, context: context)
        if dryRun { throw .dryRunOperation() }
        var dataKey = Self.randomBytes(count)
        let blob = try seal(dataKey, key: key, material: material, materialId: materialId, context: context)
        recordUsage(of: key, operation: String(action.dropFirst(4)), requestId: requestId)
        if !includePlaintext { Zeroize.array(&dataKey) }
        return CiphertextResult(
            ciphertextBlob: blob, keyArn: key.arn, keyMaterialId: materialId, plaintext: includePlaintext ? dataKey : nil)
    }

    public func generateRandom(numberOfBytes: Int?, caller: Caller) throws(AWSError) -> [UInt8] {
        try authorize("kms:GenerateRandom", key: nil, caller: caller)
        guard let n = numberOfBytes else {
            throw .validation(message: "NumberOfBytes is required.")
        }
        return Self.randomBytes(n)
    }

    /// `count` bytes from the system's CSPRNG (getrandom on Linux).
    /// The condition keys of a cryptographic request, for key and IAM policies.
    static func cryptoConditionKeys(keyId: String?, context: EncryptionContext, algorithm: String?) -> [String: [String]] {
        var keys: [String: [String]] = ["kms:EncryptionAlgorithm": [algorithm ?? symmetricAlgorithm]]
        if !context.isEmpty { keys["kms:EncryptionContextKeys"] = context.pairs.keys.sorted() }
        for (k, v) in context.pairs { keys["kms:EncryptionContext:\(k)"] = [v] }
        if let keyId, keyId.hasPrefix("alias/") { keys["kms:RequestAlias"] = [keyId] }
        if let keyId, keyId.hasPrefix("arn:"), let range = keyId.range(of: ":alias/") {
            keys["kms:RequestAlias"] = [String(keyId[keyId.index(after: range.lowerBound)...])]
        }
        return keys
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < count {
                var word = rng.next()
                let n = min(8, count - offset)
                withUnsafeBytes(of: &word) {
                    buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: n)
                }
                offset += n
            }
        }
        return out
    }
}
