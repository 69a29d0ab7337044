public import AWSProtocol
import Crypto
import Foundation
public import Identity
public import KMSCiphertext
import KeyCrypto
import KeyVault
import RampartCore
import Synchronization

/// The result of an operation that makes a ciphertext.
public struct CiphertextResult: Sendable {
    public var ciphertextBlob: [UInt8]
    public var keyArn: String
    /// The material that made it; nil for asymmetric keys, whose ciphertext names none.
    public var keyMaterialId: String?
    public var algorithm: String
    /// The data key, for GenerateDataKey; the caller zeroes it once encoded.
    public var plaintext: [UInt8]?
}

/// The result of Decrypt.
public struct PlaintextResult: Sendable {
    public var plaintext: [UInt8]
    public var keyArn: String
    public var keyMaterialId: String?
    public var algorithm: String
}

/// The result of ReEncrypt.
public struct ReEncryptResult: Sendable {
    public var ciphertextBlob: [UInt8]
    public var sourceKeyArn: String
    public var sourceKeyMaterialId: String?
    public var sourceAlgorithm: String
    public var destinationKeyArn: String
    public var destinationKeyMaterialId: String?
    public var destinationAlgorithm: String
}

/// The key, material and algorithm that make a ciphertext, after every check.
struct EncryptionTarget {
    var key: KMSKey
    var material: KeyMaterial
    var materialId: String
    var algorithm: EncryptionAlgorithm
}

extension KeyManagementService {
    static let symmetricAlgorithm = "SYMMETRIC_DEFAULT"

    func encryptionTarget(
        _ keyId: String, algorithm: String?, action: String, caller: Caller, context: EncryptionContext,
        conditionKeys extra: [String: [String]] = [:]
    ) throws(AWSError) -> EncryptionTarget {
        let live = try resolve(keyId, caller: caller)
        try authorize(
            action, key: live.key, caller: caller, context: context,
            conditionKeys: Self.cryptoConditionKeys(keyId: keyId, context: context, algorithm: algorithm).merging(extra) {
                _, new in new
            })
        try checkState(.cryptographic, live.key)
        try requireUsage(.encryptDecrypt, of: live.key, for: action)
        let chosen = try Self.encryptionAlgorithm(algorithm, for: live.key)
        guard let current = live.key.currentMaterial, let material = live.materials[current.materialId] else {
            throw .kmsInvalidState("\(live.key.arn) is pending import.")
        }
        return EncryptionTarget(key: live.key, material: material, materialId: current.materialId, algorithm: chosen)
    }

    /// InvalidKeyUsageException unless `key` has `usage`.
    func requireUsage(_ usage: KeyUsage, of key: KMSKey, for action: String) throws(AWSError) {
        guard key.keyUsage == usage else {
            throw .invalidKeyUsage(
                "\(key.arn) key usage is \(key.keyUsage.rawValue) which is not valid for \(action.dropFirst(4)).")
        }
    }

    /// The encryption algorithm named (SYMMETRIC_DEFAULT when none is), if the key offers it.
    static func encryptionAlgorithm(_ name: String?, for key: KMSKey) throws(AWSError) -> EncryptionAlgorithm {
        let name = name ?? symmetricAlgorithm
        guard let algorithm = EncryptionAlgorithm(rawValue: name),
            key.keySpec.encryptionAlgorithms(usage: key.keyUsage).contains(name)
        else {
            throw .invalidKeyUsage("The requested encryption algorithm \(name) is not supported by key \(key.arn).")
        }
        return algorithm
    }

    /// Encrypts under the target: our self-describing blob, or RSAES-OAEP for an RSA key.
    func seal(_ plaintext: [UInt8], _ target: EncryptionTarget, context: EncryptionContext) throws(AWSError) -> [UInt8] {
        switch target.material {
        case .symmetric(let material):
            do {
                return try SymmetricCiphertext.seal(
                    plaintext, material: material, accountId: target.key.accountId, region: target.key.region,
                    keyId: target.key.keyId, materialId: target.materialId, context: context
                ).bytes
            } catch {
                throw .kmsInternal
            }
        case .pair(let pair):
            guard let hash = target.algorithm.oaepHash else { throw .kmsInternal }
            try Self.refuseContext(context)
            let limit = pair.maximumPlaintext(oaep: hash)
            guard plaintext.count <= limit else {
                throw .validation(
                    message:
                        "Algorithm \(target.algorithm.rawValue) and key spec \(target.key.keySpec.rawValue) cannot encrypt data larger than \(limit) bytes."
                )
            }
            do { return try pair.encrypt(plaintext, oaep: hash) } catch { throw .kmsInternal }
        case .hmac:
            throw .kmsInternal
        }
    }

    /// Asymmetric encryption takes no encryption context.
    static func refuseContext(_ context: EncryptionContext) throws(AWSError) {
        guard context.isEmpty else {
            throw .validation(message: "EncryptionContext is not supported with asymmetric KMS keys.")
        }
    }

    public func encrypt(
        keyId: String, plaintext: [UInt8], context: EncryptionContext, algorithm: String?, dryRun: Bool, caller: Caller,
        requestId: String? = nil
    ) throws(AWSError) -> CiphertextResult {
        let target = try encryptionTarget(keyId, algorithm: algorithm, action: "kms:Encrypt", caller: caller, context: context)
        if dryRun { throw .dryRunOperation() }
        let blob = try seal(plaintext, target, context: context)
        recordUsage(of: target.key, operation: "Encrypt", requestId: requestId)
        return CiphertextResult(
            ciphertextBlob: blob, keyArn: target.key.arn,
            keyMaterialId: target.key.keySpec.isAsymmetric ? nil : target.materialId,
            algorithm: target.algorithm.rawValue)
    }

    /// Decrypts a blob of ours (the key and material come from its header), or an RSAES-OAEP
    /// ciphertext for the asymmetric key named by `keyId`.
    public func decrypt(
        ciphertext: [UInt8], context: EncryptionContext, keyId: String?, algorithm: String?, dryRun: Bool, caller: Caller,
        requestId: String? = nil, action: String = "kms:Decrypt"
    ) throws(AWSError) -> PlaintextResult {
        // The named key, if it resolves; a failure is reported below, after the blob is checked.
        let named = keyId.flatMap { try? resolve($0, caller: caller) }
        if let keyId, let named, named.key.keySpec.isAsymmetric {
            // AWS checks that the named key is the ciphertext's before it looks at the key's
            // usage: a blob of ours that names another key is IncorrectKeyException.
            if let blob = SymmetricCiphertext.parse(ciphertext),
                blob.keyId != named.key.keyId || blob.accountId != named.key.accountId
            {
                throw .incorrectKey()
            }
            return try decryptAsymmetric(
                ciphertext, live: named, keyId: keyId, context: context, algorithm: algorithm, dryRun: dryRun, caller: caller,
                requestId: requestId, action: action)
        }
        // A multi-Region key's ciphertext decrypts under any related key: the one in the caller's region.
        guard let blob = SymmetricCiphertext.parse(ciphertext),
            blob.region == caller.region || MultiRegionRules.isMultiRegionKeyId(blob.keyId)
        else {
            throw .invalidCiphertext
        }
        let arn = KMSKey.arn(region: caller.region, accountId: blob.accountId, keyId: blob.keyId)
        if let keyId {
            // Resolved once above when it exists; resolving again reports why it does not.
            let key: KMSKey
            if let named { key = named.key } else { key = try resolve(keyId, caller: caller).key }
            if key.keyId != blob.keyId || key.accountId != blob.accountId { throw .incorrectKey() }
        }
        guard let live = live(slot: KMSKey.slot(keyId: blob.keyId, region: caller.region)),
            live.key.accountId == blob.accountId, live.key.region == caller.region
        else {
            throw .keyNotFound(arn)
        }
        try authorize(
            action, key: live.key, caller: caller, context: context,
            conditionKeys: Self.cryptoConditionKeys(keyId: keyId, context: context, algorithm: algorithm))
        try checkState(.cryptographic, live.key)
        try requireUsage(.encryptDecrypt, of: live.key, for: "kms:Decrypt")
        _ = try Self.encryptionAlgorithm(algorithm, for: live.key)
        guard let material = live.materials[blob.materialId]?.symmetricKey else { throw .invalidCiphertext }
        if dryRun { throw .dryRunOperation() }
        do {
            let plaintext = try blob.open(material: material, context: context)
            recordUsage(of: live.key, operation: "Decrypt", requestId: requestId)
            return PlaintextResult(
                plaintext: plaintext, keyArn: arn, keyMaterialId: blob.materialId, algorithm: Self.symmetricAlgorithm)
        } catch {
            throw .invalidCiphertext
        }
    }

    func decryptAsymmetric(
        _ ciphertext: [UInt8], live: LiveKey, keyId: String, context: EncryptionContext, algorithm: String?, dryRun: Bool,
        caller: Caller, requestId: String?, action: String
    ) throws(AWSError) -> PlaintextResult {
        try authorize(
            action, key: live.key, caller: caller, context: context,
            conditionKeys: Self.cryptoConditionKeys(keyId: keyId, context: context, algorithm: algorithm))
        try checkState(.cryptographic, live.key)
        try requireUsage(.encryptDecrypt, of: live.key, for: "kms:Decrypt")
        let chosen = try Self.encryptionAlgorithm(algorithm, for: live.key)
        try Self.refuseContext(context)
        guard let hash = chosen.oaepHash, let current = live.key.currentMaterial,
            let pair = live.materials[current.materialId]?.privateKey
        else { throw .kmsInvalidState("\(live.key.arn) is pending import.") }
        if dryRun { throw .dryRunOperation() }
        do {
            let plaintext = try pair.decrypt(ciphertext, oaep: hash)
            recordUsage(of: live.key, operation: "Decrypt", requestId: requestId)
            return PlaintextResult(plaintext: plaintext, keyArn: live.key.arn, keyMaterialId: nil, algorithm: chosen.rawValue)
        } catch {
            throw .invalidCiphertext
        }
    }

    public func reEncrypt(
        ciphertext: [UInt8], sourceContext: EncryptionContext, sourceKeyId: String?, sourceAlgorithm: String?,
        destinationKeyId: String, destinationContext: EncryptionContext, destinationAlgorithm: String?, dryRun: Bool,
        caller: Caller, requestId: String? = nil
    ) throws(AWSError) -> ReEncryptResult {
        let destination = try encryptionTarget(
            destinationKeyId, algorithm: destinationAlgorithm, action: "kms:ReEncryptTo", caller: caller,
            context: destinationContext)
        var source = try decrypt(
            ciphertext: ciphertext, context: sourceContext, keyId: sourceKeyId, algorithm: sourceAlgorithm, dryRun: dryRun,
            caller: caller, requestId: requestId, action: "kms:ReEncryptFrom")
        defer { Zeroize.array(&source.plaintext) }
        let blob = try seal(source.plaintext, destination, context: destinationContext)
        recordUsage(of: destination.key, operation: "ReEncrypt", requestId: requestId)
        return ReEncryptResult(
            ciphertextBlob: blob, sourceKeyArn: source.keyArn, sourceKeyMaterialId: source.keyMaterialId,
            sourceAlgorithm: source.algorithm, destinationKeyArn: destination.key.arn,
            destinationKeyMaterialId: destination.key.keySpec.isAsymmetric ? nil : destination.materialId,
            destinationAlgorithm: destination.algorithm.rawValue)
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
        // SYMMETRIC_DEFAULT is the algorithm: an asymmetric key refuses it with AWS's error.
        let target = try encryptionTarget(keyId, algorithm: nil, action: action, caller: caller, context: context)
        if dryRun { throw .dryRunOperation() }
        var dataKey = Self.randomBytes(count)
        let blob = try seal(dataKey, target, context: context)
        recordUsage(of: target.key, operation: String(action.dropFirst(4)), requestId: requestId)
        if !includePlaintext { Zeroize.array(&dataKey) }
        return CiphertextResult(
            ciphertextBlob: blob, keyArn: target.key.arn, keyMaterialId: target.materialId,
            algorithm: Self.symmetricAlgorithm, plaintext: includePlaintext ? dataKey : nil)
    }

    public func generateRandom(numberOfBytes: Int?, caller: Caller) throws(AWSError) -> [UInt8] {
        try authorize("kms:GenerateRandom", key: nil, caller: caller)
        guard let n = numberOfBytes else {
            throw .validation(message: "NumberOfBytes is required.")
        }
        return Self.randomBytes(n)
    }

    /// The condition keys of a cryptographic request, for key and IAM policies.
    static func cryptoConditionKeys(keyId: String?, context: EncryptionContext, algorithm: String?) -> [String: [String]] {
        var keys = requestAliasKeys(keyId)
        keys["kms:EncryptionAlgorithm"] = [algorithm ?? symmetricAlgorithm]
        if !context.isEmpty { keys["kms:EncryptionContextKeys"] = context.pairs.keys.sorted() }
        for (k, v) in context.pairs { keys["kms:EncryptionContext:\(k)"] = [v] }
        return keys
    }

    /// kms:RequestAlias, when the request named its key by an alias.
    static func requestAliasKeys(_ keyId: String?) -> [String: [String]] {
        guard let keyId else { return [:] }
        if keyId.hasPrefix("alias/") { return ["kms:RequestAlias": [keyId]] }
        if keyId.hasPrefix("arn:"), let range = keyId.range(of: ":alias/") {
            return ["kms:RequestAlias": [String(keyId[keyId.index(after: range.lowerBound)...])]]
        }
        return [:]
    }

    /// `count` bytes from the system's CSPRNG (getrandom on Linux).
    static func randomBytes(_ count: Int) -> [UInt8] {
        SecureRandom.bytes(count)
    }
}
