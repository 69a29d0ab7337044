public import AWSProtocol
import Crypto
public import Foundation
public import Identity
import KeyCrypto
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
    /// The slot of the key it is for (`KMSKey.slot`).
    var keyId: String
    var algorithm: String
    /// The wrapping private key (DER), zeroed when the token is spent or dropped.
    var wrappingKey: SecretBytes
    var validTo: Date
}

extension AWSError {
    static func invalidImportToken() -> AWSError {
        AWSError(
            KMSShapes.ErrorCode.invalidImportTokenException,
            message: "The import token is invalid, already used, or for another key.")
    }

    static func expiredImportToken() -> AWSError {
        AWSError(
            KMSShapes.ErrorCode.expiredImportTokenException, message: "The import token has expired. Get new import parameters.")
    }

    static func incorrectKeyMaterial(_ message: String) -> AWSError {
        AWSError(KMSShapes.ErrorCode.incorrectKeyMaterialException, message: message)
    }
}

extension KeyManagementService {
    /// How import tokens are found: by their SHA-256, never stored themselves.
    static func tokenHash(_ token: [UInt8]) -> String { Hex.encode(SHA256.hash(data: token)) }

    static func importTokenContext(_ tokenHash: String) -> String { "kms:import-token:\(tokenHash)" }

    /// Unseals the import parameters the store holds (at start).
    func restoreImports(_ tokens: [SealedImportToken]) throws -> [String: PendingImport] {
        var imports: [String: PendingImport] = [:]
        for t in tokens {
            let wrappingKey = try vault.open(t.sealedWrappingKey, context: Self.importTokenContext(t.tokenHash))
            imports[t.tokenHash] = PendingImport(
                keyId: t.keyId, algorithm: t.algorithm, wrappingKey: wrappingKey, validTo: t.validTo)
        }
        return imports
    }

    /// Sweep step: import parameters are forgotten 30 days after their 24 hours end; until then an
    /// expired token is still known, and answered with ExpiredImportTokenException.
    func dropExpiredImportTokens(now: Date) async {
        let horizon = now.addingTimeInterval(-30 * 86_400)
        let expired = state.withLock { state in state.imports.filter { $0.value.validTo <= horizon }.map(\.key) }
        guard !expired.isEmpty else { return }
        var batch = KeyStoreBatch()
        batch.deleteImportTokens = expired
        do {
            try await persist(batch)
            state.withLock { state in for hash in expired { state.imports[hash] = nil } }
        } catch {
            logger.error("dropping expired import tokens failed; the next sweep retries")
        }
    }

    static let importParametersLifetime: TimeInterval = 24 * 3600
    static let maxValidToAhead: TimeInterval = 365 * 86_400

    func checkImportable(_ key: KMSKey) throws(AWSError) {
        guard key.origin == .external else {
            throw .unsupportedOperation("\(key.arn) origin is \(key.origin.rawValue) which is not valid for this operation.")
        }
        if key.keyState == .pendingDeletion { throw .kmsInvalidState("\(key.arn) is pending deletion.") }
    }

    /// A fresh RSA wrapping key pair and an import token bound to it and to the key. The wrapping
    /// private key is kept sealed in the store until the token is spent or expires.
    public func getParametersForImport(
        keyId: String, wrappingAlgorithm: String, wrappingKeySpec: String, caller: Caller
    ) async throws(AWSError) -> ImportParameters {
        let live = try resolve(keyId, caller: caller, allowAlias: false)
        try authorize("kms:GetParametersForImport", key: live.key, caller: caller)
        try checkImportable(live.key)
        switch wrappingAlgorithm {
        case "RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256":
            // An RSA private key is too large for RSA-OAEP alone; so is a P-521 one for a 2048-bit wrapping key.
            if live.key.keySpec.isRSA {
                throw .validation(
                    message:
                        "\(wrappingAlgorithm) cannot wrap RSA private key material. Use RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256."
                )
            }
            if live.key.keySpec == .eccNistP521 && wrappingKeySpec == "RSA_2048" {
                throw .validation(
                    message: "\(wrappingAlgorithm) with an RSA_2048 wrapping key cannot wrap ECC_NIST_P521 key material.")
            }
        case "RSA_AES_KEY_WRAP_SHA_1", "RSA_AES_KEY_WRAP_SHA_256": break
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
        let tokenHash = Self.tokenHash(token)
        let validTo = now().addingTimeInterval(Self.importParametersLifetime)
        let pending = PendingImport(
            keyId: live.key.slot, algorithm: wrappingAlgorithm, wrappingKey: SecretBytes(wrappingKey.derRepresentation),
            validTo: validTo)
        var batch = KeyStoreBatch()
        do {
            let sealed = try pending.wrappingKey.withUnsafeBytes {
                try vault.seal($0, context: Self.importTokenContext(tokenHash))
            }
            batch.putImportTokens = [
                SealedImportToken(
                    tokenHash: tokenHash, keyId: live.key.slot, algorithm: wrappingAlgorithm, sealedWrappingKey: sealed,
                    validTo: validTo)
            ]
        } catch {
            throw .kmsInternal
        }
        try await persist(batch)
        state.withLock { $0.imports[tokenHash] = pending }
        return ImportParameters(
            keyArn: live.key.arn, importToken: token, publicKey: Array(wrappingKey.publicKey.derRepresentation), validTo: validTo)
    }

    /// Imports material into an EXTERNAL key and returns its material id. The first import makes
    /// the key usable; EXISTING_KEY_MATERIAL re-imports material already associated with the key;
    /// NEW_KEY_MATERIAL (symmetric keys) adds material that RotateKeyOnDemand then makes current.
    @discardableResult
    public func importKeyMaterial(
        keyId: String, importToken: [UInt8], encryptedKeyMaterial: [UInt8], expirationModel: String?, validTo: Date?,
        importType: String? = nil, keyMaterialId: String? = nil, description: String? = nil, caller: Caller
    ) async throws(AWSError) -> String {
        let model = expirationModel ?? "KEY_MATERIAL_EXPIRES"
        let now = now()
        if model == "KEY_MATERIAL_EXPIRES" {
            guard let validTo else {
                throw .validation(message: "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES")
            }
            guard validTo > now, validTo <= now.addingTimeInterval(Self.maxValidToAhead) else {
                throw .validation(message: "ValidTo must be in the future and at most 365 days from now.")
            }
        } else if validTo != nil {
            throw .validation(message: "ValidTo must not be set when ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE.")
        }
        if importType == "NEW_KEY_MATERIAL" && keyMaterialId != nil {
            throw .validation(message: "You cannot specify a KeyMaterialId with ImportType NEW_KEY_MATERIAL.")
        }
        return try await change { () async throws(AWSError) -> String in
            let live = try resolve(keyId, caller: caller, allowAlias: false)
            try authorize("kms:ImportKeyMaterial", key: live.key, caller: caller)
            try checkImportable(live.key)
            // The token is spent by any attempt that names it, as AWS's are single use.
            let tokenHash = Self.tokenHash(importToken)
            guard let pending = state.withLock({ $0.imports.removeValue(forKey: tokenHash) }) else {
                throw .invalidImportToken()
            }
            var spent = KeyStoreBatch()
            spent.deleteImportTokens = [tokenHash]
            try await persist(spent)
            guard pending.keyId == live.key.slot else { throw .invalidImportToken() }
            guard pending.validTo > now else { throw .expiredImportToken() }
            var material = try Self.unwrap(encryptedKeyMaterial, with: pending)
            defer { Zeroize.array(&material) }
            let (imported, identity) = try Self.importedMaterial(material, for: live.key)
            let materialId = Hex.encode(SHA256.hash(data: Array("rampart-imported:\(live.key.keyId):".utf8) + identity))
            if let keyMaterialId, keyMaterialId != materialId {
                throw .incorrectKeyMaterial("The key material does not match key material ID \(keyMaterialId).")
            }
            var key = live.key
            if key.multiRegion != nil {
                // Related multi-Region keys hold the same material: once one has had material
                // imported, the others take only that material.
                if key.materials.isEmpty, let known = related(key).first(where: { !$0.key.materials.isEmpty })?.key {
                    key.materials = known.materials.filter { $0.pendingRotation != true }.map {
                        var info = $0
                        info.importState = .pendingImport
                        info.expirationModel = nil
                        info.validTo = nil
                        return info
                    }
                }
                if importType == "NEW_KEY_MATERIAL" && !key.materials.isEmpty {
                    throw .unsupportedOperation(
                        "Importing new key material into a multi-Region key is not supported by this Rampart build yet.")
                }
            }
            let type = importType ?? (key.materials.isEmpty ? "NEW_KEY_MATERIAL" : "EXISTING_KEY_MATERIAL")
            var info = KeyMaterialInfo(
                materialId: materialId, createdAt: now, rotationType: nil, importState: .imported, pendingRotation: nil,
                expirationModel: model, validTo: model == "KEY_MATERIAL_EXPIRES" ? validTo : nil, description: description)
            if let index = key.materials.firstIndex(where: { $0.materialId == materialId }) {
                guard type == "EXISTING_KEY_MATERIAL" else {
                    throw .incorrectKeyMaterial(
                        "The key material is already associated with \(key.arn); import it as EXISTING_KEY_MATERIAL.")
                }
                let old = key.materials[index]
                info.createdAt = old.createdAt
                info.rotationType = old.rotationType
                info.pendingRotation = old.pendingRotation
                info.description = description ?? old.description
                key.materials[index] = info
            } else if type == "EXISTING_KEY_MATERIAL" {
                throw .incorrectKeyMaterial("The key material is not the material previously imported into \(key.arn).")
            } else if !key.materials.isEmpty {
                guard key.keySpec == .symmetricDefault else {
                    throw .validation(message: "ImportType NEW_KEY_MATERIAL is only usable with symmetric encryption keys.")
                }
                guard !key.materials.contains(where: { $0.pendingRotation == true }) else {
                    throw .kmsInvalidState(
                        "\(key.arn) already has key material pending rotation. Rotate the key or delete that material first.")
                }
                info.pendingRotation = true
                key.materials.append(info)
            } else {
                key.materials = [info]
            }
            Self.syncImportedState(&key)
            let (sealed, _) = try seal(imported, keyId: key.keyId, slot: key.slot, materialId: materialId)
            var batch = KeyStoreBatch()
            batch.putKeys = [key]
            batch.putMaterials = [sealed]
            try await persist(batch)
            state.withLock { [key] in
                $0.keys[key.slot]?.key = key
                $0.keys[key.slot]?.materials[materialId] = imported
            }
            return materialId
        }
    }

    /// An imported key's state and DescribeKey fields follow its current material: usable when
    /// its bytes are held, PendingImport when not.
    static func syncImportedState(_ key: inout KMSKey) {
        let current = key.currentMaterial
        key.expirationModel = current?.expirationModel
        key.validTo = current?.validTo
        if current?.isHeld == true {
            if key.keyState == .pendingImport { key.keyState = .enabled }
        } else if key.keyState != .pendingDeletion {
            key.keyState = .pendingImport
        }
    }

    /// The key material inside `wrapped`: RSA-OAEP alone, or an ephemeral AES key under RSA-OAEP
    /// followed by the material under that key with AES key wrap (RFC 5649). The caller zeroes it.
    static func unwrap(_ wrapped: [UInt8], with pending: PendingImport) throws(AWSError) -> [UInt8] {
        let unwrapFailed = AWSError(
            code: "InvalidCiphertextException",
            message: "The wrapped key material could not be unwrapped with the import parameters.")
        let padding: _RSA.Encryption.Padding = pending.algorithm.hasSuffix("SHA_1") ? .PKCS1_OAEP : .PKCS1_OAEP_SHA256
        do {
            let wrappingKey = try pending.wrappingKey.withUnsafeBytes {
                try _RSA.Encryption.PrivateKey(derRepresentation: Array($0))
            }
            guard pending.algorithm.hasPrefix("RSA_AES_KEY_WRAP") else {
                return Array(try wrappingKey.decrypt(wrapped, padding: padding))
            }
            let modulusBytes = wrappingKey.keySizeInBits / 8
            guard wrapped.count > modulusBytes else { throw unwrapFailed }
            var aesKey = Array(try wrappingKey.decrypt(wrapped.prefix(modulusBytes), padding: padding))
            defer { Zeroize.array(&aesKey) }
            return try AESKeyWrap.unwrap(Array(wrapped.dropFirst(modulusBytes)), key: aesKey)
        } catch {
            throw unwrapFailed
        }
    }

    /// What imported bytes are for a key of its spec, and the bytes that identify the material
    /// (the public key for a key pair, so that any encoding of the same private key re-imports).
    static func importedMaterial(_ bytes: [UInt8], for key: KMSKey) throws(AWSError) -> (KeyMaterial, [UInt8]) {
        let spec = key.keySpec
        if let hash = spec.hmacHash {
            let range = hash.byteCount...(hash.byteCount <= 32 ? 64 : 128)
            guard range.contains(bytes.count) else {
                throw .incorrectKeyMaterial(
                    "Key material for a \(spec.rawValue) key is \(range.lowerBound) to \(range.upperBound) bytes, not \(bytes.count)."
                )
            }
            return (.hmac(SymmetricKey(data: bytes)), bytes)
        }
        if let kind = spec.keyPairKind {
            guard let pair = try? PrivateKey(kind: kind, pkcs8: bytes) else {
                throw .incorrectKeyMaterial("The key material is not a DER PKCS#8 private key for a \(spec.rawValue) key.")
            }
            return (.pair(pair), pair.publicKeyDER)
        }
        guard bytes.count == 32 else {
            throw .incorrectKeyMaterial("Key material for a SYMMETRIC_DEFAULT key is 256 bits, not \(bytes.count * 8).")
        }
        return (.symmetric(SymmetricKey(data: bytes)), bytes)
    }

    /// Deletes imported material at once (the current material unless `keyMaterialId` names
    /// another): its ciphertext decrypts again only once the same material is imported, and the key
    /// waits in PendingImport while its current material is missing. Returns the material's id.
    @discardableResult
    public func deleteImportedKeyMaterial(
        keyId: String, keyMaterialId: String? = nil, caller: Caller
    ) async throws(AWSError)
        -> String?
    {
        try await change { () async throws(AWSError) -> String? in
            let live = try resolve(keyId, caller: caller, allowAlias: false)
            try authorize("kms:DeleteImportedKeyMaterial", key: live.key, caller: caller)
            try checkImportable(live.key)
            guard let materialId = keyMaterialId ?? live.key.currentMaterial?.materialId else { return nil }
            guard live.key.materials.contains(where: { $0.materialId == materialId }) else {
                throw .kmsNotFound("Key material \(materialId) is not associated with \(live.key.arn).")
            }
            try await dropImportedMaterial(materialId, of: live.key)
            return materialId
        }
    }

    /// Removes one imported material (its sealed copy too). Material pending rotation is
    /// forgotten; any other stays associated with the key. Call under the write lock.
    func dropImportedMaterial(_ materialId: String, of current: KMSKey) async throws(AWSError) {
        var key = current
        guard let index = key.materials.firstIndex(where: { $0.materialId == materialId }) else { return }
        if key.materials[index].pendingRotation == true {
            key.materials.remove(at: index)
        } else {
            key.materials[index].importState = .pendingImport
            key.materials[index].expirationModel = nil
            key.materials[index].validTo = nil
        }
        Self.syncImportedState(&key)
        var batch = KeyStoreBatch()
        batch.putKeys = [key]
        batch.deleteMaterials = [MaterialRef(keyId: key.slot, materialId: materialId)]
        try await persist(batch)
        state.withLock { [key] in
            $0.keys[key.slot]?.key = key
            $0.keys[key.slot]?.materials[materialId] = nil
        }
    }

    /// Sweep step: imported material whose ValidTo has passed is deleted, as AWS does.
    /// `due` is what the sweep found past its ValidTo (`dueWork`); each is checked again.
    func expireImportedMaterial(now: Date, due: [(key: KMSKey, materialId: String)]) async -> [String] {
        var expired: [String] = []
        for (key, materialId) in due {
            do {
                try await change { () async throws(AWSError) -> Void in
                    guard let current = self.live(slot: key.slot)?.key,
                        let material = current.materials.first(where: { $0.materialId == materialId }), material.isHeld,
                        (material.validTo ?? .distantFuture) <= now
                    else { return }
                    let event = KMSServiceEvent(
                        kind: .deleteExpiredKeyMaterial, keyArn: current.arn, accountId: current.accountId,
                        region: current.region, time: now, keyMaterialId: materialId)
                    try await serviceEvents.record(event) { () async throws(AWSError) in
                        try await dropImportedMaterial(materialId, of: current)
                    }
                    expired.append(current.arn)
                }
            } catch {
                logger.error("expiring imported key material failed; the next sweep retries", metadata: ["key": "\(key.arn)"])
            }
        }
        return expired
    }
}
