import AWSProtocol
import Foundation
import Identity
import KMSCiphertext
import KeyVault
import ServiceKit

/// KMS on the wire: AWS JSON 1.1 under `TrentService`, adapted to `KeyManagementService`.
struct KMSAPI: OperationHandler {
    let kms: KeyManagementService

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(operation: call.operation, input: call.input, caller: call.caller, requestId: call.requestId))
    }

    func handle(operation: String, input: RequestInput, caller: Caller, requestId: String) async throws(AWSError) -> JSONValue {
        if let tokens = KMSShapes.OperationMembers(operation: operation, input: input).grantTokens {
            try kms.checkGrantTokens(tokens)
        }
        switch operation {
        case "CreateKey":
            let r = KMSShapes.CreateKeyRequest(input)
            if r.customerMasterKeySpec != nil, r.keySpec != nil {
                throw .validation(message: "You cannot specify KeySpec and CustomerMasterKeySpec in the same request.")
            }
            let request = CreateKeyRequest(
                description: r.description, policy: r.policy, keyUsage: r.keyUsage?.rawValue,
                keySpec: r.keySpec?.rawValue ?? r.customerMasterKeySpec?.rawValue, origin: r.origin?.rawValue,
                tags: Self.tags(r.tags), multiRegion: r.multiRegion ?? false, customKeyStoreId: r.customKeyStoreId,
                bypassPolicyLockoutSafetyCheck: r.bypassPolicyLockoutSafetyCheck ?? false)
            return KMSShapes.CreateKeyResponse(keyMetadata: Self.metadata(try await kms.createKey(request, caller: caller)))
                .jsonValue
        case "DescribeKey":
            let r = KMSShapes.DescribeKeyRequest(input)
            return KMSShapes.DescribeKeyResponse(keyMetadata: Self.metadata(try kms.describeKey(keyId: r.keyId, caller: caller)))
                .jsonValue
        case "ListKeys":
            let r = KMSShapes.ListKeysRequest(input)
            let page = try kms.listKeys(limit: r.limit, marker: r.marker, caller: caller)
            return KMSShapes.ListKeysResponse(
                keys: page.items.map { KMSShapes.KeyListEntry(keyId: $0.keyId, keyArn: $0.arn) }, nextMarker: page.nextMarker,
                truncated: page.truncated
            ).jsonValue
        case "EnableKey":
            try await kms.enableKey(keyId: KMSShapes.EnableKeyRequest(input).keyId, caller: caller)
            return [:]
        case "DisableKey":
            try await kms.disableKey(keyId: KMSShapes.DisableKeyRequest(input).keyId, caller: caller)
            return [:]
        case "UpdateKeyDescription":
            let r = KMSShapes.UpdateKeyDescriptionRequest(input)
            try await kms.updateKeyDescription(keyId: r.keyId, description: r.description, caller: caller)
            return [:]
        case "ScheduleKeyDeletion":
            let r = KMSShapes.ScheduleKeyDeletionRequest(input)
            let key = try await kms.scheduleKeyDeletion(
                keyId: r.keyId, pendingWindowInDays: r.pendingWindowInDays, caller: caller)
            return KMSShapes.ScheduleKeyDeletionResponse(
                keyId: key.arn, deletionDate: key.deletionDate, keyState: key.keyState.rawValue,
                pendingWindowInDays: key.pendingDeletionWindowInDays
            ).jsonValue
        case "ReplicateKey":
            let r = KMSShapes.ReplicateKeyRequest(input)
            let replica = try await kms.replicateKey(
                ReplicateKeyRequest(
                    keyId: r.keyId, replicaRegion: r.replicaRegion, policy: r.policy,
                    bypassPolicyLockoutSafetyCheck: r.bypassPolicyLockoutSafetyCheck ?? false, description: r.description,
                    tags: Self.tags(r.tags)), caller: caller)
            return KMSShapes.ReplicateKeyResponse(
                replicaKeyMetadata: Self.metadata(replica), replicaPolicy: replica.policy,
                replicaTags: replica.tags.map { KMSShapes.Tag(tagKey: $0.key, tagValue: $0.value) }
            ).jsonValue
        case "UpdatePrimaryRegion":
            let r = KMSShapes.UpdatePrimaryRegionRequest(input)
            try await kms.updatePrimaryRegion(keyId: r.keyId, primaryRegion: r.primaryRegion, caller: caller)
            return [:]
        case "CancelKeyDeletion":
            let r = KMSShapes.CancelKeyDeletionRequest(input)
            return KMSShapes.CancelKeyDeletionResponse(keyId: try await kms.cancelKeyDeletion(keyId: r.keyId, caller: caller).arn)
                .jsonValue
        case "CreateAlias":
            let r = KMSShapes.CreateAliasRequest(input)
            try await kms.createAlias(aliasName: r.aliasName, targetKeyId: r.targetKeyId, caller: caller)
            return [:]
        case "UpdateAlias":
            let r = KMSShapes.UpdateAliasRequest(input)
            try await kms.updateAlias(aliasName: r.aliasName, targetKeyId: r.targetKeyId, caller: caller)
            return [:]
        case "DeleteAlias":
            try await kms.deleteAlias(aliasName: KMSShapes.DeleteAliasRequest(input).aliasName, caller: caller)
            return [:]
        case "ListAliases":
            let r = KMSShapes.ListAliasesRequest(input)
            let page = try kms.listAliases(keyId: r.keyId, limit: r.limit, marker: r.marker, caller: caller)
            let aliases = page.items.map { alias in
                KMSShapes.AliasListEntry(
                    aliasName: alias.aliasName, aliasArn: alias.arn, targetKeyId: alias.targetKeyId,
                    creationDate: alias.creationDate, lastUpdatedDate: alias.lastUpdatedDate)
            }
            return KMSShapes.ListAliasesResponse(aliases: aliases, nextMarker: page.nextMarker, truncated: page.truncated)
                .jsonValue
        case "TagResource":
            let r = KMSShapes.TagResourceRequest(input)
            try await kms.tagResource(keyId: r.keyId, tags: Self.tags(r.tags), caller: caller)
            return [:]
        case "UntagResource":
            let r = KMSShapes.UntagResourceRequest(input)
            try await kms.untagResource(keyId: r.keyId, tagKeys: r.tagKeys, caller: caller)
            return [:]
        case "ListResourceTags":
            let r = KMSShapes.ListResourceTagsRequest(input)
            let page = try kms.listResourceTags(keyId: r.keyId, limit: r.limit, marker: r.marker, caller: caller)
            return KMSShapes.ListResourceTagsResponse(
                tags: page.items.map { KMSShapes.Tag(tagKey: $0.key, tagValue: $0.value) }, nextMarker: page.nextMarker,
                truncated: page.truncated
            ).jsonValue
        case "GetKeyPolicy":
            let r = KMSShapes.GetKeyPolicyRequest(input)
            let policy = try kms.getKeyPolicy(keyId: r.keyId, policyName: r.policyName, caller: caller)
            return KMSShapes.GetKeyPolicyResponse(policy: policy, policyName: KeyPolicyRules.policyName).jsonValue
        case "PutKeyPolicy":
            let r = KMSShapes.PutKeyPolicyRequest(input)
            try await kms.putKeyPolicy(
                keyId: r.keyId, policyName: r.policyName, policy: r.policy,
                bypassLockoutCheck: r.bypassPolicyLockoutSafetyCheck ?? false, caller: caller)
            return [:]
        case "ListKeyPolicies":
            let names = try kms.listKeyPolicies(keyId: KMSShapes.ListKeyPoliciesRequest(input).keyId, caller: caller)
            return KMSShapes.ListKeyPoliciesResponse(policyNames: names, truncated: false).jsonValue
        case "Encrypt":
            var r = KMSShapes.EncryptRequest(input)
            defer { Zeroize.array(&r.plaintext) }
            let result = try kms.encrypt(
                keyId: r.keyId, plaintext: r.plaintext, context: EncryptionContext(r.encryptionContext ?? [:]),
                algorithm: r.encryptionAlgorithm?.rawValue, dryRun: r.dryRun ?? false, caller: caller,
                requestId: requestId)
            return KMSHotAnswers.encrypt(
                ciphertextBlob: result.ciphertextBlob, keyArn: result.keyArn, algorithm: result.algorithm)
        case "Decrypt":
            let r = KMSShapes.DecryptRequest(input)
            var result = try kms.decrypt(
                ciphertext: r.ciphertextBlob ?? [], context: EncryptionContext(r.encryptionContext ?? [:]),
                keyId: r.keyId, algorithm: r.encryptionAlgorithm?.rawValue, dryRun: r.dryRun ?? false, caller: caller,
                requestId: requestId)
            return KMSHotAnswers.decrypt(
                plaintext: &result.plaintext, keyArn: result.keyArn, keyMaterialId: result.keyMaterialId,
                algorithm: result.algorithm)
        case "ReEncrypt":
            let r = KMSShapes.ReEncryptRequest(input)
            let result = try kms.reEncrypt(
                ciphertext: r.ciphertextBlob ?? [], sourceContext: EncryptionContext(r.sourceEncryptionContext ?? [:]),
                sourceKeyId: r.sourceKeyId, sourceAlgorithm: r.sourceEncryptionAlgorithm?.rawValue,
                destinationKeyId: r.destinationKeyId,
                destinationContext: EncryptionContext(r.destinationEncryptionContext ?? [:]),
                destinationAlgorithm: r.destinationEncryptionAlgorithm?.rawValue, dryRun: r.dryRun ?? false,
                caller: caller, requestId: requestId)
            return KMSShapes.ReEncryptResponse(
                ciphertextBlob: result.ciphertextBlob, sourceKeyId: result.sourceKeyArn, keyId: result.destinationKeyArn,
                sourceEncryptionAlgorithm: result.sourceAlgorithm, destinationEncryptionAlgorithm: result.destinationAlgorithm,
                sourceKeyMaterialId: result.sourceKeyMaterialId, destinationKeyMaterialId: result.destinationKeyMaterialId
            ).jsonValue
        case "GenerateDataKey":
            let r = KMSShapes.GenerateDataKeyRequest(input)
            return try generateDataKey(
                keyId: r.keyId, keySpec: r.keySpec, numberOfBytes: r.numberOfBytes, context: r.encryptionContext,
                includePlaintext: true, dryRun: r.dryRun, caller: caller, requestId: requestId)
        case "GenerateDataKeyWithoutPlaintext":
            let r = KMSShapes.GenerateDataKeyWithoutPlaintextRequest(input)
            return try generateDataKey(
                keyId: r.keyId, keySpec: r.keySpec, numberOfBytes: r.numberOfBytes, context: r.encryptionContext,
                includePlaintext: false, dryRun: r.dryRun, caller: caller, requestId: requestId)
        case "GenerateDataKeyPair":
            let r = KMSShapes.GenerateDataKeyPairRequest(input)
            return try generateDataKeyPair(
                keyId: r.keyId, keyPairSpec: r.keyPairSpec, context: r.encryptionContext, includePlaintext: true,
                recipient: r.recipient != nil, dryRun: r.dryRun, caller: caller, requestId: requestId)
        case "GenerateDataKeyPairWithoutPlaintext":
            let r = KMSShapes.GenerateDataKeyPairWithoutPlaintextRequest(input)
            return try generateDataKeyPair(
                keyId: r.keyId, keyPairSpec: r.keyPairSpec, context: r.encryptionContext, includePlaintext: false,
                recipient: false, dryRun: r.dryRun, caller: caller, requestId: requestId)
        case "Sign":
            let r = KMSShapes.SignRequest(input)
            let result = try kms.sign(
                keyId: r.keyId, message: r.message, messageType: r.messageType?.rawValue,
                algorithm: r.signingAlgorithm.rawValue, dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            return KMSShapes.SignResponse(keyId: result.keyArn, signature: result.signature, signingAlgorithm: result.algorithm)
                .jsonValue
        case "Verify":
            let r = KMSShapes.VerifyRequest(input)
            let arn = try kms.verify(
                keyId: r.keyId, message: r.message, messageType: r.messageType?.rawValue, signature: r.signature,
                algorithm: r.signingAlgorithm.rawValue, dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            return KMSShapes.VerifyResponse(keyId: arn, signatureValid: true, signingAlgorithm: r.signingAlgorithm.rawValue)
                .jsonValue
        case "GetPublicKey":
            let r = KMSShapes.GetPublicKeyRequest(input)
            let result = try kms.getPublicKey(keyId: r.keyId, caller: caller, requestId: requestId)
            let key = result.key
            let algorithms = Self.algorithms(key)
            return KMSShapes.GetPublicKeyResponse(
                keyId: key.arn, publicKey: result.publicKey, customerMasterKeySpec: key.keySpec.rawValue,
                keySpec: key.keySpec.rawValue, keyUsage: key.keyUsage.rawValue, encryptionAlgorithms: algorithms.encryption,
                signingAlgorithms: algorithms.signing, keyAgreementAlgorithms: algorithms.keyAgreement
            ).jsonValue
        case "GenerateMac":
            let r = KMSShapes.GenerateMacRequest(input)
            let result = try kms.generateMac(
                keyId: r.keyId, message: r.message, algorithm: r.macAlgorithm.rawValue, dryRun: r.dryRun ?? false,
                caller: caller, requestId: requestId)
            return KMSShapes.GenerateMacResponse(mac: result.mac, macAlgorithm: result.algorithm, keyId: result.keyArn).jsonValue
        case "VerifyMac":
            let r = KMSShapes.VerifyMacRequest(input)
            let arn = try kms.verifyMac(
                keyId: r.keyId, message: r.message, mac: r.mac, algorithm: r.macAlgorithm.rawValue,
                dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            return KMSShapes.VerifyMacResponse(keyId: arn, macValid: true, macAlgorithm: r.macAlgorithm.rawValue).jsonValue
        case "DeriveSharedSecret":
            let r = KMSShapes.DeriveSharedSecretRequest(input)
            let algorithm = r.keyAgreementAlgorithm.rawValue
            var result = try kms.deriveSharedSecret(
                keyId: r.keyId, algorithm: algorithm, peerPublicKey: r.publicKey, recipient: r.recipient != nil,
                dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            var out = KMSShapes.DeriveSharedSecretResponse(
                keyId: result.key.arn, sharedSecret: Self.moved(&result.sharedSecret), keyAgreementAlgorithm: algorithm,
                keyOrigin: result.key.origin.rawValue)
            defer { Zeroize.optional(&out.sharedSecret) }
            return out.jsonValue
        case "GenerateRandom":
            let r = KMSShapes.GenerateRandomRequest(input)
            if r.customKeyStoreId != nil {
                throw AWSError(
                    KMSShapes.ErrorCode.customKeyStoreNotFoundException, message: "Custom key stores are not supported.")
            }
            var out = KMSShapes.GenerateRandomResponse(
                plaintext: try kms.generateRandom(numberOfBytes: r.numberOfBytes, caller: caller))
            defer { Zeroize.optional(&out.plaintext) }
            return out.jsonValue
        case "EnableKeyRotation":
            let r = KMSShapes.EnableKeyRotationRequest(input)
            try await kms.enableKeyRotation(keyId: r.keyId, rotationPeriodInDays: r.rotationPeriodInDays, caller: caller)
            return [:]
        case "DisableKeyRotation":
            try await kms.disableKeyRotation(keyId: KMSShapes.DisableKeyRotationRequest(input).keyId, caller: caller)
            return [:]
        case "GetKeyRotationStatus":
            let key = try kms.getKeyRotationStatus(keyId: KMSShapes.GetKeyRotationStatusRequest(input).keyId, caller: caller)
            return KMSShapes.GetKeyRotationStatusResponse(
                keyRotationEnabled: key.rotation != nil, keyId: key.arn, rotationPeriodInDays: key.rotation?.periodInDays,
                nextRotationDate: key.rotation?.nextRotationDate, onDemandRotationStartDate: key.onDemandRotationStartDate
            ).jsonValue
        case "RotateKeyOnDemand":
            let r = KMSShapes.RotateKeyOnDemandRequest(input)
            return KMSShapes.RotateKeyOnDemandResponse(keyId: try await kms.rotateKeyOnDemand(keyId: r.keyId, caller: caller).arn)
                .jsonValue
        case "ListKeyRotations":
            let r = KMSShapes.ListKeyRotationsRequest(input)
            let page = try kms.listKeyRotations(
                keyId: r.keyId, includeInitial: r.includeKeyMaterial == .allKeyMaterial, limit: r.limit, marker: r.marker,
                caller: caller)
            return KMSShapes.ListKeyRotationsResponse(
                rotations: page.items.map(Self.rotation), nextMarker: page.nextMarker, truncated: page.truncated
            ).jsonValue
        case "GetKeyLastUsage":
            let (key, usage) = try kms.getKeyLastUsage(keyId: KMSShapes.GetKeyLastUsageRequest(input).keyId, caller: caller)
            return KMSShapes.GetKeyLastUsageResponse(
                keyId: key.arn,
                keyLastUsage: usage.map {
                    KMSShapes.KeyLastUsageData(operation: $0.operation, timestamp: $0.timestamp, kmsRequestId: $0.requestId)
                }, trackingStartDate: key.creationDate, keyCreationDate: key.creationDate
            ).jsonValue
        case "GetParametersForImport":
            let r = KMSShapes.GetParametersForImportRequest(input)
            let params = try await kms.getParametersForImport(
                keyId: r.keyId, wrappingAlgorithm: r.wrappingAlgorithm.rawValue, wrappingKeySpec: r.wrappingKeySpec.rawValue,
                caller: caller)
            return KMSShapes.GetParametersForImportResponse(
                keyId: params.keyArn, importToken: params.importToken, publicKey: params.publicKey,
                parametersValidTo: params.validTo
            ).jsonValue
        case "ImportKeyMaterial":
            let r = KMSShapes.ImportKeyMaterialRequest(input)
            let materialId = try await kms.importKeyMaterial(
                keyId: r.keyId, importToken: r.importToken, encryptedKeyMaterial: r.encryptedKeyMaterial,
                expirationModel: r.expirationModel?.rawValue, validTo: r.validTo, importType: r.importType?.rawValue,
                keyMaterialId: r.keyMaterialId, description: r.keyMaterialDescription, caller: caller)
            let key = try kms.describeKey(keyId: r.keyId, caller: caller)
            return KMSShapes.ImportKeyMaterialResponse(keyId: key.arn, keyMaterialId: materialId).jsonValue
        case "DeleteImportedKeyMaterial":
            let r = KMSShapes.DeleteImportedKeyMaterialRequest(input)
            let materialId = try await kms.deleteImportedKeyMaterial(
                keyId: r.keyId, keyMaterialId: r.keyMaterialId, caller: caller)
            return KMSShapes.DeleteImportedKeyMaterialResponse(
                keyId: try kms.describeKey(keyId: r.keyId, caller: caller).arn, keyMaterialId: materialId
            ).jsonValue
        case "CreateGrant":
            let r = KMSShapes.CreateGrantRequest(input)
            let constraints = r.constraints.map {
                GrantConstraints(
                    encryptionContextSubset: $0.encryptionContextSubset, encryptionContextEquals: $0.encryptionContextEquals)
            }
            let (grant, token) = try await kms.createGrant(
                CreateGrantRequest(
                    keyId: r.keyId, granteePrincipal: r.granteePrincipal, retiringPrincipal: r.retiringPrincipal,
                    operations: r.operations.map(\.rawValue), constraints: constraints, name: r.name,
                    dryRun: r.dryRun ?? false),
                caller: caller)
            return KMSShapes.CreateGrantResponse(grantToken: token, grantId: grant.grantId).jsonValue
        case "ListGrants":
            let r = KMSShapes.ListGrantsRequest(input)
            let page = try kms.listGrants(
                keyId: r.keyId, grantId: r.grantId, granteePrincipal: r.granteePrincipal, limit: r.limit, marker: r.marker,
                caller: caller)
            return KMSShapes.ListGrantsResponse(
                grants: page.items.map(Self.grant), nextMarker: page.nextMarker, truncated: page.truncated
            ).jsonValue
        case "ListRetirableGrants":
            let r = KMSShapes.ListRetirableGrantsRequest(input)
            let page = try kms.listRetirableGrants(
                retiringPrincipal: r.retiringPrincipal, limit: r.limit, marker: r.marker, caller: caller)
            return KMSShapes.ListGrantsResponse(
                grants: page.items.map(Self.grant), nextMarker: page.nextMarker, truncated: page.truncated
            ).jsonValue
        case "RevokeGrant":
            let r = KMSShapes.RevokeGrantRequest(input)
            try await kms.revokeGrant(keyId: r.keyId, grantId: r.grantId, dryRun: r.dryRun ?? false, caller: caller)
            return [:]
        case "RetireGrant":
            let r = KMSShapes.RetireGrantRequest(input)
            try await kms.retireGrant(
                grantToken: r.grantToken, keyId: r.keyId, grantId: r.grantId, dryRun: r.dryRun ?? false, caller: caller)
            return [:]
        default:
            throw .unsupportedOperation("\(operation) is not supported by this Rampart build yet.")
        }
    }

    private func generateDataKey(
        keyId: String, keySpec: KMSShapes.DataKeySpec?, numberOfBytes: Int?, context: [String: String]?,
        includePlaintext: Bool, dryRun: Bool?, caller: Caller, requestId: String
    ) throws(AWSError) -> JSONValue {
        var result = try kms.generateDataKey(
            keyId: keyId, keySpec: keySpec?.rawValue, numberOfBytes: numberOfBytes, context: EncryptionContext(context ?? [:]),
            includePlaintext: includePlaintext, dryRun: dryRun ?? false, caller: caller, requestId: requestId)
        return KMSHotAnswers.generateDataKey(
            ciphertextBlob: result.ciphertextBlob, plaintext: &result.plaintext, keyArn: result.keyArn,
            keyMaterialId: result.keyMaterialId)
    }

    private func generateDataKeyPair(
        keyId: String, keyPairSpec: KMSShapes.DataKeyPairSpec, context: [String: String]?, includePlaintext: Bool,
        recipient: Bool, dryRun: Bool?, caller: Caller, requestId: String
    ) throws(AWSError) -> JSONValue {
        var result = try kms.generateDataKeyPair(
            keyId: keyId, keyPairSpec: keyPairSpec.rawValue, context: EncryptionContext(context ?? [:]),
            includePlaintext: includePlaintext, recipient: recipient, dryRun: dryRun ?? false, caller: caller,
            requestId: requestId)
        // GenerateDataKeyPairWithoutPlaintext's output has the same members, less the private key.
        var out = KMSShapes.GenerateDataKeyPairResponse(
            privateKeyCiphertextBlob: result.privateKeyCiphertextBlob,
            privateKeyPlaintext: Self.moved(&result.privateKeyPlaintext), publicKey: result.publicKey,
            keyId: result.keyArn, keyPairSpec: result.keyPairSpec, keyMaterialId: result.keyMaterialId)
        defer { Zeroize.optional(&out.privateKeyPlaintext) }
        return out.jsonValue
    }

    // MARK: Encoding

    static func metadata(_ key: KMSKey) -> KMSShapes.KeyMetadata {
        let multiRegion = key.multiRegion.map { configuration in
            func entry(_ region: String) -> KMSShapes.MultiRegionKey {
                KMSShapes.MultiRegionKey(
                    arn: KMSKey.arn(region: region, accountId: key.accountId, keyId: key.keyId), region: region)
            }
            return KMSShapes.MultiRegionConfiguration(
                multiRegionKeyType: configuration.keyType.rawValue, primaryKey: entry(configuration.primaryRegion),
                replicaKeys: configuration.replicaRegions.map(entry))
        }
        let algorithms = algorithms(key)
        let external = key.origin == .external
        return KMSShapes.KeyMetadata(
            awsAccountId: key.accountId, keyId: key.keyId, arn: key.arn, creationDate: key.creationDate,
            enabled: key.isEnabled, description: key.description, keyUsage: key.keyUsage.rawValue,
            keyState: key.keyState.rawValue, deletionDate: key.deletionDate, validTo: external ? key.validTo : nil,
            origin: key.origin.rawValue, expirationModel: external ? key.expirationModel : nil,
            keyManager: key.keyManager.rawValue, customerMasterKeySpec: key.keySpec.rawValue, keySpec: key.keySpec.rawValue,
            encryptionAlgorithms: algorithms.encryption, signingAlgorithms: algorithms.signing,
            keyAgreementAlgorithms: algorithms.keyAgreement, multiRegion: key.multiRegion != nil,
            multiRegionConfiguration: multiRegion, pendingDeletionWindowInDays: key.pendingDeletionWindowInDays,
            macAlgorithms: algorithms.mac, currentKeyMaterialId: key.currentMaterial?.materialId)
    }

    /// The algorithm lists DescribeKey and GetPublicKey show: only those that apply to the key
    /// (nil, and so absent, when none does).
    static func algorithms(
        _ key: KMSKey
    ) -> (
        encryption: [String]?, signing: [String]?, mac: [String]?, keyAgreement: [String]?
    ) {
        let spec = key.keySpec
        func nonEmpty(_ list: [String]) -> [String]? { list.isEmpty ? nil : list }
        return (
            nonEmpty(spec.encryptionAlgorithms(usage: key.keyUsage)),
            nonEmpty(spec.signingAlgorithms(usage: key.keyUsage).map(\.rawValue)), nonEmpty(spec.macAlgorithms.map(\.rawValue)),
            nonEmpty(spec.keyAgreementAlgorithms(usage: key.keyUsage))
        )
    }

    static func grant(_ grant: KMSGrant) -> KMSShapes.GrantListEntry {
        KMSShapes.GrantListEntry(
            keyId: grant.keyArn, grantId: grant.grantId, name: grant.name, creationDate: grant.creationDate,
            granteePrincipal: grant.granteePrincipal, retiringPrincipal: grant.retiringPrincipal,
            issuingAccount: "arn:aws:iam::\(grant.accountId):root", operations: grant.operations,
            constraints: grant.constraints.map {
                KMSShapes.GrantConstraints(
                    encryptionContextSubset: $0.encryptionContextSubset, encryptionContextEquals: $0.encryptionContextEquals)
            })
    }

    static func rotation(_ rotation: KeyRotation) -> KMSShapes.RotationsListEntry {
        let material = rotation.material
        let state = material.pendingRotation == true ? "PENDING_ROTATION" : rotation.isCurrent ? "CURRENT" : "NON_CURRENT"
        return KMSShapes.RotationsListEntry(
            keyId: rotation.keyId, keyMaterialId: material.materialId, keyMaterialDescription: material.description,
            importState: material.importState?.rawValue, keyMaterialState: state, expirationModel: material.expirationModel,
            validTo: material.validTo, rotationDate: material.rotationType != nil ? material.createdAt : nil,
            rotationType: material.rotationType?.rawValue)
    }

    // MARK: Decoding

    static func tags(_ tags: [KMSShapes.Tag]?) -> [Tag] {
        (tags ?? []).map { Tag(key: $0.tagKey, value: $0.tagValue) }
    }

    /// A secret moved out of `secret` (left empty) into a response, so that the response holds
    /// the buffer's only reference and scrubbing the response's member scrubs the buffer itself.
    static func moved(_ secret: inout [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        swap(&out, &secret)
        return out
    }

    static func moved(_ secret: inout [UInt8]?) -> [UInt8]? {
        var out: [UInt8]? = nil
        swap(&out, &secret)
        return out
    }

    /// A secret response member (a data key, a private key) as base64; the secret's own buffer
    /// is scrubbed in place once encoded.
    static func secretMember(_ secret: inout [UInt8]?) -> JSONValue? {
        // No binding of the bytes: a second reference alive at the scrub would make it zero a copy.
        guard secret != nil else { return nil }
        let member = JSONValue.string(Base64.encode(secret!))
        Zeroize.optional(&secret)
        return member
    }
}
