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
        if let tokens = input.stringList("GrantTokens") { try kms.checkGrantTokens(tokens) }
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
            return ["KeyMetadata": Self.metadata(try await kms.createKey(request, caller: caller))]
        case "DescribeKey":
            let r = KMSShapes.DescribeKeyRequest(input)
            return ["KeyMetadata": Self.metadata(try kms.describeKey(keyId: r.keyId, caller: caller))]
        case "ListKeys":
            let r = KMSShapes.ListKeysRequest(input)
            let page = try kms.listKeys(limit: r.limit, marker: r.marker, caller: caller)
            return Self.page(page, member: "Keys") { ["KeyId": .string($0.keyId), "KeyArn": .string($0.arn)] }
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
            var out: [String: JSONValue] = ["KeyId": .string(key.arn), "KeyState": .string(key.keyState.rawValue)]
            if let date = key.deletionDate { out["DeletionDate"] = Timestamp.epochSeconds(date) }
            if let days = key.pendingDeletionWindowInDays { out["PendingWindowInDays"] = .int(Int64(days)) }
            return .object(out)
        case "ReplicateKey":
            let r = KMSShapes.ReplicateKeyRequest(input)
            let replica = try await kms.replicateKey(
                ReplicateKeyRequest(
                    keyId: r.keyId, replicaRegion: r.replicaRegion, policy: r.policy,
                    bypassPolicyLockoutSafetyCheck: r.bypassPolicyLockoutSafetyCheck ?? false, description: r.description,
                    tags: Self.tags(r.tags)), caller: caller)
            return [
                "ReplicaKeyMetadata": Self.metadata(replica), "ReplicaPolicy": .string(replica.policy),
                "ReplicaTags": .array(
                    replica.tags.map { tag -> JSONValue in ["TagKey": .string(tag.key), "TagValue": .string(tag.value)] }),
            ]
        case "UpdatePrimaryRegion":
            let r = KMSShapes.UpdatePrimaryRegionRequest(input)
            try await kms.updatePrimaryRegion(keyId: r.keyId, primaryRegion: r.primaryRegion, caller: caller)
            return [:]
        case "CancelKeyDeletion":
            let r = KMSShapes.CancelKeyDeletionRequest(input)
            return ["KeyId": .string(try await kms.cancelKeyDeletion(keyId: r.keyId, caller: caller).arn)]
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
            return Self.page(page, member: "Aliases") { alias in
                [
                    "AliasName": .string(alias.aliasName), "AliasArn": .string(alias.arn),
                    "TargetKeyId": .string(alias.targetKeyId), "CreationDate": Timestamp.epochSeconds(alias.creationDate),
                    "LastUpdatedDate": Timestamp.epochSeconds(alias.lastUpdatedDate),
                ]
            }
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
            return Self.page(page, member: "Tags") { ["TagKey": .string($0.key), "TagValue": .string($0.value)] }
        case "GetKeyPolicy":
            let r = KMSShapes.GetKeyPolicyRequest(input)
            let policy = try kms.getKeyPolicy(keyId: r.keyId, policyName: r.policyName, caller: caller)
            return ["Policy": .string(policy), "PolicyName": .string(KeyPolicyRules.policyName)]
        case "PutKeyPolicy":
            let r = KMSShapes.PutKeyPolicyRequest(input)
            try await kms.putKeyPolicy(
                keyId: r.keyId, policyName: r.policyName, policy: r.policy,
                bypassLockoutCheck: r.bypassPolicyLockoutSafetyCheck ?? false, caller: caller)
            return [:]
        case "ListKeyPolicies":
            let names = try kms.listKeyPolicies(keyId: KMSShapes.ListKeyPoliciesRequest(input).keyId, caller: caller)
            return ["PolicyNames": .array(names.map(JSONValue.string)), "Truncated": false]
        case "Encrypt":
            var r = KMSShapes.EncryptRequest(input)
            defer { Zeroize.array(&r.plaintext) }
            let result = try kms.encrypt(
                keyId: r.keyId, plaintext: r.plaintext, context: EncryptionContext(r.encryptionContext ?? [:]),
                algorithm: r.encryptionAlgorithm?.rawValue, dryRun: r.dryRun ?? false, caller: caller,
                requestId: requestId)
            return [
                "CiphertextBlob": .string(Base64.encode(result.ciphertextBlob)), "KeyId": .string(result.keyArn),
                "EncryptionAlgorithm": .string(result.algorithm),
            ]
        case "Decrypt":
            let r = KMSShapes.DecryptRequest(input)
            var result = try kms.decrypt(
                ciphertext: r.ciphertextBlob ?? [], context: EncryptionContext(r.encryptionContext ?? [:]),
                keyId: r.keyId, algorithm: r.encryptionAlgorithm?.rawValue, dryRun: r.dryRun ?? false, caller: caller,
                requestId: requestId)
            defer { Zeroize.array(&result.plaintext) }
            var out: [String: JSONValue] = [
                "Plaintext": .string(Base64.encode(result.plaintext)), "KeyId": .string(result.keyArn),
                "EncryptionAlgorithm": .string(result.algorithm),
            ]
            if let id = result.keyMaterialId { out["KeyMaterialId"] = .string(id) }
            return .object(out)
        case "ReEncrypt":
            let r = KMSShapes.ReEncryptRequest(input)
            let result = try kms.reEncrypt(
                ciphertext: r.ciphertextBlob ?? [], sourceContext: EncryptionContext(r.sourceEncryptionContext ?? [:]),
                sourceKeyId: r.sourceKeyId, sourceAlgorithm: r.sourceEncryptionAlgorithm?.rawValue,
                destinationKeyId: r.destinationKeyId,
                destinationContext: EncryptionContext(r.destinationEncryptionContext ?? [:]),
                destinationAlgorithm: r.destinationEncryptionAlgorithm?.rawValue, dryRun: r.dryRun ?? false,
                caller: caller, requestId: requestId)
            var out: [String: JSONValue] = [
                "CiphertextBlob": .string(Base64.encode(result.ciphertextBlob)), "SourceKeyId": .string(result.sourceKeyArn),
                "KeyId": .string(result.destinationKeyArn), "SourceEncryptionAlgorithm": .string(result.sourceAlgorithm),
                "DestinationEncryptionAlgorithm": .string(result.destinationAlgorithm),
            ]
            if let id = result.sourceKeyMaterialId { out["SourceKeyMaterialId"] = .string(id) }
            if let id = result.destinationKeyMaterialId { out["DestinationKeyMaterialId"] = .string(id) }
            return .object(out)
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
            return [
                "KeyId": .string(result.keyArn), "Signature": .string(Base64.encode(result.signature)),
                "SigningAlgorithm": .string(result.algorithm),
            ]
        case "Verify":
            let r = KMSShapes.VerifyRequest(input)
            let arn = try kms.verify(
                keyId: r.keyId, message: r.message, messageType: r.messageType?.rawValue, signature: r.signature,
                algorithm: r.signingAlgorithm.rawValue, dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            return ["KeyId": .string(arn), "SignatureValid": true, "SigningAlgorithm": .string(r.signingAlgorithm.rawValue)]
        case "GetPublicKey":
            let r = KMSShapes.GetPublicKeyRequest(input)
            let result = try kms.getPublicKey(keyId: r.keyId, caller: caller, requestId: requestId)
            var out = Self.algorithms(result.key)
            out["KeyId"] = .string(result.key.arn)
            out["PublicKey"] = .string(Base64.encode(result.publicKey))
            out["KeySpec"] = .string(result.key.keySpec.rawValue)
            out["CustomerMasterKeySpec"] = .string(result.key.keySpec.rawValue)
            out["KeyUsage"] = .string(result.key.keyUsage.rawValue)
            return .object(out)
        case "GenerateMac":
            let r = KMSShapes.GenerateMacRequest(input)
            let result = try kms.generateMac(
                keyId: r.keyId, message: r.message, algorithm: r.macAlgorithm.rawValue, dryRun: r.dryRun ?? false,
                caller: caller, requestId: requestId)
            return [
                "Mac": .string(Base64.encode(result.mac)), "MacAlgorithm": .string(result.algorithm),
                "KeyId": .string(result.keyArn),
            ]
        case "VerifyMac":
            let r = KMSShapes.VerifyMacRequest(input)
            let arn = try kms.verifyMac(
                keyId: r.keyId, message: r.message, mac: r.mac, algorithm: r.macAlgorithm.rawValue,
                dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            return ["KeyId": .string(arn), "MacValid": true, "MacAlgorithm": .string(r.macAlgorithm.rawValue)]
        case "DeriveSharedSecret":
            let r = KMSShapes.DeriveSharedSecretRequest(input)
            let algorithm = r.keyAgreementAlgorithm.rawValue
            var result = try kms.deriveSharedSecret(
                keyId: r.keyId, algorithm: algorithm, peerPublicKey: r.publicKey, recipient: r.recipient != nil,
                dryRun: r.dryRun ?? false, caller: caller, requestId: requestId)
            defer { Zeroize.array(&result.sharedSecret) }
            return [
                "KeyId": .string(result.key.arn), "SharedSecret": .string(Base64.encode(result.sharedSecret)),
                "KeyAgreementAlgorithm": .string(algorithm), "KeyOrigin": .string(result.key.origin.rawValue),
            ]
        case "GenerateRandom":
            let r = KMSShapes.GenerateRandomRequest(input)
            if r.customKeyStoreId != nil {
                throw AWSError(
                    KMSShapes.ErrorCode.customKeyStoreNotFoundException, message: "Custom key stores are not supported.")
            }
            var bytes = try kms.generateRandom(numberOfBytes: r.numberOfBytes, caller: caller)
            defer { Zeroize.array(&bytes) }
            return ["Plaintext": .string(Base64.encode(bytes))]
        case "EnableKeyRotation":
            let r = KMSShapes.EnableKeyRotationRequest(input)
            try await kms.enableKeyRotation(keyId: r.keyId, rotationPeriodInDays: r.rotationPeriodInDays, caller: caller)
            return [:]
        case "DisableKeyRotation":
            try await kms.disableKeyRotation(keyId: KMSShapes.DisableKeyRotationRequest(input).keyId, caller: caller)
            return [:]
        case "GetKeyRotationStatus":
            let key = try kms.getKeyRotationStatus(keyId: KMSShapes.GetKeyRotationStatusRequest(input).keyId, caller: caller)
            var out: [String: JSONValue] = ["KeyRotationEnabled": .bool(key.rotation != nil), "KeyId": .string(key.arn)]
            if let rotation = key.rotation {
                out["RotationPeriodInDays"] = .int(Int64(rotation.periodInDays))
                out["NextRotationDate"] = Timestamp.epochSeconds(rotation.nextRotationDate)
            }
            if let started = key.onDemandRotationStartDate { out["OnDemandRotationStartDate"] = Timestamp.epochSeconds(started) }
            return .object(out)
        case "RotateKeyOnDemand":
            let r = KMSShapes.RotateKeyOnDemandRequest(input)
            return ["KeyId": .string(try await kms.rotateKeyOnDemand(keyId: r.keyId, caller: caller).arn)]
        case "ListKeyRotations":
            let r = KMSShapes.ListKeyRotationsRequest(input)
            let page = try kms.listKeyRotations(
                keyId: r.keyId, includeInitial: r.includeKeyMaterial == .allKeyMaterial, limit: r.limit, marker: r.marker,
                caller: caller)
            return Self.page(page, member: "Rotations", Self.rotation)
        case "GetKeyLastUsage":
            let (key, usage) = try kms.getKeyLastUsage(keyId: KMSShapes.GetKeyLastUsageRequest(input).keyId, caller: caller)
            var out: [String: JSONValue] = [
                "KeyId": .string(key.arn), "KeyCreationDate": Timestamp.epochSeconds(key.creationDate),
                "TrackingStartDate": Timestamp.epochSeconds(key.creationDate),
            ]
            if let usage {
                out["KeyLastUsage"] = [
                    "Operation": .string(usage.operation), "Timestamp": Timestamp.epochSeconds(usage.timestamp),
                    "KmsRequestId": .string(usage.requestId),
                ]
            }
            return .object(out)
        case "GetParametersForImport":
            let r = KMSShapes.GetParametersForImportRequest(input)
            let params = try await kms.getParametersForImport(
                keyId: r.keyId, wrappingAlgorithm: r.wrappingAlgorithm.rawValue, wrappingKeySpec: r.wrappingKeySpec.rawValue,
                caller: caller)
            return [
                "KeyId": .string(params.keyArn), "ImportToken": .string(Base64.encode(params.importToken)),
                "PublicKey": .string(Base64.encode(params.publicKey)),
                "ParametersValidTo": Timestamp.epochSeconds(params.validTo),
            ]
        case "ImportKeyMaterial":
            let r = KMSShapes.ImportKeyMaterialRequest(input)
            let materialId = try await kms.importKeyMaterial(
                keyId: r.keyId, importToken: r.importToken, encryptedKeyMaterial: r.encryptedKeyMaterial,
                expirationModel: r.expirationModel?.rawValue, validTo: r.validTo, importType: r.importType?.rawValue,
                keyMaterialId: r.keyMaterialId, description: r.keyMaterialDescription, caller: caller)
            let key = try kms.describeKey(keyId: r.keyId, caller: caller)
            return ["KeyId": .string(key.arn), "KeyMaterialId": .string(materialId)]
        case "DeleteImportedKeyMaterial":
            let r = KMSShapes.DeleteImportedKeyMaterialRequest(input)
            let materialId = try await kms.deleteImportedKeyMaterial(
                keyId: r.keyId, keyMaterialId: r.keyMaterialId, caller: caller)
            var out: [String: JSONValue] = ["KeyId": .string(try kms.describeKey(keyId: r.keyId, caller: caller).arn)]
            if let materialId { out["KeyMaterialId"] = .string(materialId) }
            return .object(out)
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
            return ["GrantId": .string(grant.grantId), "GrantToken": .string(token)]
        case "ListGrants":
            let r = KMSShapes.ListGrantsRequest(input)
            let page = try kms.listGrants(
                keyId: r.keyId, grantId: r.grantId, granteePrincipal: r.granteePrincipal, limit: r.limit, marker: r.marker,
                caller: caller)
            return Self.page(page, member: "Grants", Self.grant)
        case "ListRetirableGrants":
            let r = KMSShapes.ListRetirableGrantsRequest(input)
            let page = try kms.listRetirableGrants(
                retiringPrincipal: r.retiringPrincipal, limit: r.limit, marker: r.marker, caller: caller)
            return Self.page(page, member: "Grants", Self.grant)
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
        var out: [String: JSONValue] = [
            "CiphertextBlob": .string(Base64.encode(result.ciphertextBlob)), "KeyId": .string(result.keyArn),
        ]
        if let id = result.keyMaterialId { out["KeyMaterialId"] = .string(id) }
        if let member = Self.secretMember(&result.plaintext) { out["Plaintext"] = member }
        return .object(out)
    }

    private func generateDataKeyPair(
        keyId: String, keyPairSpec: KMSShapes.DataKeyPairSpec, context: [String: String]?, includePlaintext: Bool,
        recipient: Bool, dryRun: Bool?, caller: Caller, requestId: String
    ) throws(AWSError) -> JSONValue {
        var result = try kms.generateDataKeyPair(
            keyId: keyId, keyPairSpec: keyPairSpec.rawValue, context: EncryptionContext(context ?? [:]),
            includePlaintext: includePlaintext, recipient: recipient, dryRun: dryRun ?? false, caller: caller,
            requestId: requestId)
        var out: [String: JSONValue] = [
            "PrivateKeyCiphertextBlob": .string(Base64.encode(result.privateKeyCiphertextBlob)),
            "PublicKey": .string(Base64.encode(result.publicKey)), "KeyId": .string(result.keyArn),
            "KeyPairSpec": .string(result.keyPairSpec), "KeyMaterialId": .string(result.keyMaterialId),
        ]
        if let member = Self.secretMember(&result.privateKeyPlaintext) { out["PrivateKeyPlaintext"] = member }
        return .object(out)
    }

    // MARK: Encoding

    static func metadata(_ key: KMSKey) -> JSONValue {
        var m: [String: JSONValue] = [
            "AWSAccountId": .string(key.accountId), "KeyId": .string(key.keyId), "Arn": .string(key.arn),
            "CreationDate": Timestamp.epochSeconds(key.creationDate), "Enabled": .bool(key.isEnabled),
            "Description": .string(key.description), "KeyUsage": .string(key.keyUsage.rawValue),
            "KeyState": .string(key.keyState.rawValue), "Origin": .string(key.origin.rawValue),
            "KeyManager": .string(key.keyManager.rawValue), "CustomerMasterKeySpec": .string(key.keySpec.rawValue),
            "KeySpec": .string(key.keySpec.rawValue), "MultiRegion": .bool(key.multiRegion != nil),
        ]
        if let configuration = key.multiRegion {
            func entry(_ region: String) -> JSONValue {
                [
                    "Arn": .string(KMSKey.arn(region: region, accountId: key.accountId, keyId: key.keyId)),
                    "Region": .string(region),
                ]
            }
            m["MultiRegionConfiguration"] = [
                "MultiRegionKeyType": .string(configuration.keyType.rawValue), "PrimaryKey": entry(configuration.primaryRegion),
                "ReplicaKeys": .array(configuration.replicaRegions.map(entry)),
            ]
        }
        m.merge(algorithms(key)) { a, _ in a }
        if let date = key.deletionDate { m["DeletionDate"] = Timestamp.epochSeconds(date) }
        if let days = key.pendingDeletionWindowInDays { m["PendingDeletionWindowInDays"] = .int(Int64(days)) }
        if let material = key.currentMaterial { m["CurrentKeyMaterialId"] = .string(material.materialId) }
        if key.origin == .external {
            if let model = key.expirationModel { m["ExpirationModel"] = .string(model) }
            if let validTo = key.validTo { m["ValidTo"] = Timestamp.epochSeconds(validTo) }
        }
        return .object(m)
    }

    /// The algorithm lists DescribeKey and GetPublicKey show: only those that apply to the key.
    static func algorithms(_ key: KMSKey) -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        let spec = key.keySpec
        let lists: [(String, [String])] = [
            ("EncryptionAlgorithms", spec.encryptionAlgorithms(usage: key.keyUsage)),
            ("SigningAlgorithms", spec.signingAlgorithms(usage: key.keyUsage).map(\.rawValue)),
            ("MacAlgorithms", spec.macAlgorithms.map(\.rawValue)),
            ("KeyAgreementAlgorithms", spec.keyAgreementAlgorithms(usage: key.keyUsage)),
        ]
        for (name, list) in lists where !list.isEmpty { out[name] = .array(list.map(JSONValue.string)) }
        return out
    }

    static func grant(_ grant: KMSGrant) -> JSONValue {
        var out: [String: JSONValue] = [
            "KeyId": .string(grant.keyArn), "GrantId": .string(grant.grantId),
            "CreationDate": Timestamp.epochSeconds(grant.creationDate), "GranteePrincipal": .string(grant.granteePrincipal),
            "IssuingAccount": .string("arn:aws:iam::\(grant.accountId):root"),
            "Operations": .array(grant.operations.map(JSONValue.string)),
        ]
        if let name = grant.name { out["Name"] = .string(name) }
        if let retiring = grant.retiringPrincipal { out["RetiringPrincipal"] = .string(retiring) }
        if let c = grant.constraints {
            var constraints: [String: JSONValue] = [:]
            if let subset = c.encryptionContextSubset {
                constraints["EncryptionContextSubset"] = .object(subset.mapValues(JSONValue.string))
            }
            if let equals = c.encryptionContextEquals {
                constraints["EncryptionContextEquals"] = .object(equals.mapValues(JSONValue.string))
            }
            out["Constraints"] = .object(constraints)
        }
        return .object(out)
    }

    static func rotation(_ rotation: KeyRotation) -> JSONValue {
        let material = rotation.material
        let state = material.pendingRotation == true ? "PENDING_ROTATION" : rotation.isCurrent ? "CURRENT" : "NON_CURRENT"
        var entry: [String: JSONValue] = [
            "KeyId": .string(rotation.keyId), "KeyMaterialId": .string(material.materialId),
            "KeyMaterialState": .string(state),
        ]
        if let type = material.rotationType {
            entry["RotationType"] = .string(type.rawValue)
            entry["RotationDate"] = Timestamp.epochSeconds(material.createdAt)
        }
        if let importState = material.importState { entry["ImportState"] = .string(importState.rawValue) }
        if let model = material.expirationModel { entry["ExpirationModel"] = .string(model) }
        if let validTo = material.validTo { entry["ValidTo"] = Timestamp.epochSeconds(validTo) }
        if let description = material.description { entry["KeyMaterialDescription"] = .string(description) }
        return .object(entry)
    }

    static func page<T>(_ page: Page<T>, member: String, _ encode: (T) -> JSONValue) -> JSONValue {
        var out: [String: JSONValue] = [member: .array(page.items.map(encode)), "Truncated": .bool(page.truncated)]
        if let next = page.nextMarker { out["NextMarker"] = .string(next) }
        return .object(out)
    }

    // MARK: Decoding

    static func tags(_ tags: [KMSShapes.Tag]?) -> [Tag] {
        (tags ?? []).map { Tag(key: $0.tagKey, value: $0.tagValue) }
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
