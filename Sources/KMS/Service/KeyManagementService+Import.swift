public import AWSProtocol
import Crypto
public import Foundation
public import Identity
import KeyVault
import Logging
import Synchronization
import _CryptoExtras

/// The answer to GetParametersForImport.
public struct ImportParameters: Sendable {
    public var keyArn: String
    public var importToken: [UInt8]
    /// DER SubjectPublicKeyInfo of the RSA wrapping key.
    public var publicKey: [UInt8]
    public var validTo: Date
}

/// A wrapping key handed out and not yet used: its token is single use and valid 24 hours.
struct PendingImport: Sendable {
    var keyId: String
    var algorithm: String
    /// The wrapping private key (DER), zeroed when the token is spent or dropped.
    var wrappingKey: SecretBytes
    var validTo: Date
}

extension AWSError {
    static func invalidImportToken() -> AWSError {
        AWSError(code: "InvalidImportTokenException", message: "The import token is invalid, already used, or for another key.")
    }

    static func expiredImportToken() -> AWSError {
        AWSError(code: "ExpiredImportTokenException", message: "The import token has expired. Get new import parameters.")
    }

    static func incorrectKeyMaterial(_ message: String) -> AWSError {
        AWSError(code: "IncorrectKeyMaterialException", message: message)
    }
}

extension KeyManagementService {
    static let importParametersLifetime: TimeInterval = 24 * 3600
    static let maxValidToAhead: TimeInterval = 365 * 86_400

    func checkImportable(_ key: KMSKey) throws(AWSError) {
        guard key.origin == .external else {
            throw .unsupportedOperation("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
        }
        if key.keyState == .pendingDeletion { throw .kmsInvalidState("\(key.arn) is pending deletion.") }
    }

    /// A fresh RSA wrapping key pair and an import token bound to it and to the key.
    public func getParametersForImport(
        keyId: String, wrappingAlgorithm: String, wrappingKeySpec: String, caller: Caller
    )
        throws(AWSError) -> ImportParameters
    {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:GetParametersForImport", key: live.key, caller: caller)
        try checkImportable(live.key)
        switch wrappingAlgorithm {
        case "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256": break
        case "RSAES_PKCS1_V1_5":
            throw .validation(message: "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported.")
        default:
            throw .unsupportedOperation("Wrapping algorithm \(wrappingAlgorithm) is not supported by this Rampart build yet.")
        }
        let size: _RSA.Signing.KeySize
        switch wrappingKeySpec {
        case "RSA_2048": size = .bits2048
        case "RSA_3072": size = .bits3072
        case "RSA_4096": size = .bits4096
        default: throw .unsupportedOperation("Wrapping key spec \(wrappingKeySpec) is not supported.")
        }
        let wrappingKey: _RSA.Encryption.PrivateKey
        do {
            wrappingKey = try _RSA.Encryption.PrivateKey(keySize: size)
        } catch {
            throw .kmsInternal
        }
        let token = Self.randomBytes(64)
        let validTo = now().addingTimeInterval(Self.importParametersLifetime)
        state.withLock {
            $0.imports[Base64.encode(token)] = PendingImport(
                keyId: live.key.keyId, algorithm: wrappingAlgorithm, wrappingKey: SecretBytes(wrappingKey.derRepresentation),
                validTo: validTo)
        }
        return ImportParameters(
            keyArn: live.key.arn, importToken: token, publicKey: Array(wrappingKey.publicKey.derRepresentation), validTo: validTo)
    }

    public func importKeyMaterial(
        keyId: String, importToken: [UInt8], encryptedKeyMaterial: [UInt8], expirationModel: String?, validTo: Date?,
        caller: Caller
    ) async throws(AWSError) {
        let model = expirationModel ?? "KEY_MATERIAL_EXPIRES"
        let now = now()
        if model == "KEY_MATERIAL_EXPIRES" {
            guard let validTo else {
                throw .validation(message: "A ValidTo date is required when ExpirationModel is KEY_MATERIAL_EXPIRES.")
            }
            guard validTo > now, validTo <= now.addingTimeInterval(Self.maxValidToAhead) else {
                throw .validation(message: "ValidTo must be in the future and at most 365 days from now.")
            }
        } else if validTo != nil {
            throw .validation(message: "ValidTo must not be set when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.")
        }
        try await change { () async throws(AWSError) -> Void in
            let live = try resolve(keyId, caller: caller, allowAlias: false)
            try authorize("kms:ImportKeyMaterial", key: live.key, caller: caller)
            try checkImportable(live.key)
            // The token is spent by any attempt that names it, as AWS's are single use.
            guard let pending = state.withLock({ $0.imports.removeValue(forKey: Base64.encode(importToken)) }),
                pending.keyId == live.key.keyId
            else { throw .invalidImportToken() }
            guard pending.validTo > now else { throw .expiredImportToken() }
            var material: [UInt8]
            do {
                let padding: _RSA.Encryption.Padding = pending.algorithm == "RSAES_OAEP_SHA_1" ? .PKCS1_OAEP : .PKCS1_OAEP_SHA256
                let wrappingKey = try pending.wrappingKey.withUnsafeBytes {
                    try _RSA.Encryption.PrivateKey(derRepresentation: Array($0))
                }
                material = Array(try wrappingKey.decrypt(encryptedKeyMaterial, padding: padding))
            } catch {
                throw AWSError(
                    code: "InvalidCiphertextException",
                    message: "The wrapped key material could not be unwrapped with the import parameters.")
            }
            defer { Zeroize.array(&material) }
            guard material.count == 32 else {
                throw .incorrectKeyMaterial("Key material for a SYMMETRIC_DEFAULT key is 256 bits, not \(material.count * 8).")
            }
            let materialId = Hex.encode(SHA256.hash(data: Array("rampart-imported:\(live.key.keyId):".utf8) + material))
            if let expected = live.key.importedMaterialId, expected != materialId {
                throw .incorrectKeyMaterial("The key material is not the material previously imported into \(live.key.arn).")
            }
            let sealed: [UInt8]
            do {
                sealed = try vault.seal(material, context: Self.vaultContext(keyId: live.key.keyId, materialId: materialId))
            } catch {
                throw .kmsInternal
            }
            var key = live.key
            key.importedMaterialId = materialId
            key.expirationModel = model
            key.validTo = model == "KEY_MATERIAL_EXPIRES" ? validTo : nil
            if key.materials.last?.materialId != materialId {
                key.materials = [KeyMaterialInfo(materialId: materialId, createdAt: now, rotationType: nil)]
            }
            if key.keyState == .pendingImport { key.keyState = .enabled }
            var batch = KeyStoreBatch()
            batch.putKeys = [key]
            batch.putMaterials = [SealedMaterial(keyId: key.keyId, materialId: materialId, sealed: sealed)]
            try await persist(batch)
            let symmetric = SymmetricKey(data: material)
            state.withLock {
                $0.keys[key.keyId]?.key = key
                $0.keys[key.keyId]?.materials = [materialId: .symmetric(symmetric)]
            }
        }
    }

    /// Deletes imported material at once: the key waits in PendingImport, and its ciphertext
    /// decrypts again only once the same material is imported.
    public func deleteImportedKeyMaterial(keyId: String, caller: Caller) async throws(AWSError) {
        try await change { () async throws(AWSError) -> Void in
            let live = try resolve(keyId, caller: caller, allowAlias: false)
            try authorize("kms:DeleteImportedKeyMaterial", key: live.key, caller: caller)
            try checkImportable(live.key)
            try await dropImportedMaterial(live.key)
        }
    }

    /// Removes a key's imported material (sealed copies included). Call under the write lock.
    func dropImportedMaterial(_ current: KMSKey) async throws(AWSError) {
        var key = current
        key.materials = []
        key.keyState = key.keyState == .pendingDeletion ? .pendingDeletion : .pendingImport
        key.validTo = nil
        key.expirationModel = nil
        var batch = KeyStoreBatch()
        batch.putKeys = [key]
        batch.deleteMaterialKeyIds = [key.keyId]
        try await persist(batch)
        state.withLock {
            $0.keys[key.keyId]?.key = key
            $0.keys[key.keyId]?.materials = [:]
        }
    }

    /// Sweep step: imported material whose ValidTo has passed is deleted, as AWS does.
    func expireImportedMaterial(now: Date) async -> [String] {
        let due = state.withLock { state in
            state.keys.values.map(\.key).filter {
                $0.origin == .external && !$0.materials.isEmpty && ($0.validTo ?? .distantFuture) <= now
            }
        }
        var expired: [String] = []
        for key in due {
            do {
                try await change { () async throws(AWSError) -> Void in
                    guard let current = self.live(key.keyId)?.key, !current.materials.isEmpty,
                        (current.validTo ?? .distantFuture) <= now
                    else { return }
                    try await dropImportedMaterial(current)
                    expired.append(current.arn)
                    await onServiceEvent(
                        KMSServiceEvent(
                            kind: .deleteExpiredKeyMaterial, keyArn: current.arn, accountId: current.accountId,
                            region: current.region, time: now, keyMaterialId: current.importedMaterialId))
                }
            } catch {
                logger.error("expiring imported key material failed; the next sweep retries", metadata: ["key": "\(key.arn)"])
            }
        }
        return expired
    }
}
