import AWSProtocol
import Foundation
import Identity
import KeyVault
import ServiceKit

/// KMS on the wire: AWS JSON 1.1 under `TrentService`, adapted to `KeyManagementService`.
struct KMSAPI: OperationHandler {
    let kms: KeyManagementService

    func handle(_ call: Invocation) async throws(AWSError) -> Reply {
        .json(try await handle(operation: call.operation, input: call.input, caller: call.caller, requestId: call.requestId))
    }

    func handle(operation: String, input: RequestInput, caller: Caller, requestId: String) async throws(AWSError) -> JSONValue {
        let keyId = input.string("KeyId") ?? ""
        if let tokens = input.stringList("GrantTokens") { try kms.checkGrantTokens(tokens) }
        switch operation {
        case "CreateKey":
            if input.string("CustomerMasterKeySpec") != nil, input.string("KeySpec") != nil {
                throw .validation(message: "You cannot specify KeySpec and CustomerMasterKeySpec in the same request.")
            }
            let request = CreateKeyRequest(
                description: input.string("Description"), policy: input.string("Policy"), keyUsage: input.string("KeyUsage"),
                keySpec: input.string("KeySpec") ?? input.string("CustomerMasterKeySpec"), origin: input.string("Origin"),
                tags: Self.tags(input), multiRegion: input.bool("MultiRegion") ?? false,
                customKeyStoreId: input.string("CustomKeyStoreId"),
                bypassPolicyLockoutSafetyCheck: input.bool("BypassPolicyLockoutSafetyCheck") ?? false)
            return ["KeyMetadata": Self.metadata(try await kms.createKey(request, caller: caller))]
        case "DescribeKey":
            return ["KeyMetadata": Self.metadata(try kms.describeKey(keyId: keyId, caller: caller))]
        case "ListKeys":
            let page = try kms.listKeys(limit: input.int("Limit"), marker: input.string("Marker"), caller: caller)
            return Self.page(page, member: "Keys") { ["KeyId": .string($0.keyId), "KeyArn": .string($0.arn)] }
        case "EnableKey":
            try await kms.enableKey(keyId: keyId, caller: caller)
            return [:]
        case "DisableKey":
            try await kms.disableKey(keyId: keyId, caller: caller)
            return [:]
        case "UpdateKeyDescription":
            try await kms.updateKeyDescription(keyId: keyId, description: input.string("Description") ?? "", caller: caller)
            return [:]
        case "ScheduleKeyDeletion":
            let key = try await kms.scheduleKeyDeletion(
                keyId: keyId, pendingWindowInDays: input.int("PendingWindowInDays"), caller: caller)
            var out: [String: JSONValue] = ["KeyId": .string(key.arn), "KeyState": .string(key.keyState.rawValue)]
            if let date = key.deletionDate { out["DeletionDate"] = Timestamp.epochSeconds(date) }
            if let days = key.pendingDeletionWindowInDays { out["PendingWindowInDays"] = .int(Int64(days)) }
            return .object(out)
        case "CancelKeyDeletion":
            return ["KeyId": .string(try await kms.cancelKeyDeletion(keyId: keyId, caller: caller).arn)]
        case "CreateAlias":
            try await kms.createAlias(
                aliasName: input.string("AliasName") ?? "", targetKeyId: input.string("TargetKeyId") ?? "", caller: caller)
            return [:]
        case "UpdateAlias":
            try await kms.updateAlias(
                aliasName: input.string("AliasName") ?? "", targetKeyId: input.string("TargetKeyId") ?? "", caller: caller)
            return [:]
        case "DeleteAlias":
            try await kms.deleteAlias(aliasName: input.string("AliasName") ?? "", caller: caller)
            return [:]
        case "ListAliases":
            let page = try kms.listAliases(
                keyId: input.string("KeyId"), limit: input.int("Limit"), marker: input.string("Marker"), caller: caller)
            return Self.page(page, member: "Aliases") { alias in
                [
                    "AliasName": .string(alias.aliasName), "AliasArn": .string(alias.arn),
                    "TargetKeyId": .string(alias.targetKeyId), "CreationDate": Timestamp.epochSeconds(alias.creationDate),
                    "LastUpdatedDate": Timestamp.epochSeconds(alias.lastUpdatedDate),
                ]
            }
        case "TagResource":
            try await kms.tagResource(keyId: keyId, tags: Self.tags(input), caller: caller)
            return [:]
        case "UntagResource":
            try await kms.untagResource(keyId: keyId, tagKeys: input.stringList("TagKeys") ?? [], caller: caller)
            return [:]
        case "ListResourceTags":
            let page = try kms.listResourceTags(
                keyId: keyId, limit: input.int("Limit"), marker: input.string("Marker"), caller: caller)
            return Self.page(page, member: "Tags") { ["TagKey": .string($0.key), "TagValue": .string($0.value)] }
        case "GetKeyPolicy":
            let policy = try kms.getKeyPolicy(keyId: keyId, policyName: input.string("PolicyName"), caller: caller)
            return ["Policy": .string(policy), "PolicyName": .string(KeyPolicyRules.policyName)]
        case "PutKeyPolicy":
            try await kms.putKeyPolicy(
                keyId: keyId, policyName: input.string("PolicyName"), policy: input.string("Policy") ?? "",
                bypassLockoutCheck: input.bool("BypassPolicyLockoutSafetyCheck") ?? false, caller: caller)
            return [:]
        case "ListKeyPolicies":
            let names = try kms.listKeyPolicies(keyId: keyId, caller: caller)
            return ["PolicyNames": .array(names.map(JSONValue.string)), "Truncated": false]
        case "Encrypt":
            var plaintext = input.blob("Plaintext") ?? []
            defer { Zeroize.array(&plaintext) }
            let result = try kms.encrypt(
                keyId: keyId, plaintext: plaintext, context: Self.context(input, "EncryptionContext"),
                algorithm: input.string("EncryptionAlgorithm"), dryRun: input.bool("DryRun") ?? false, caller: caller,
                requestId: requestId)
            return [
                "CiphertextBlob": .string(Base64.encode(result.ciphertextBlob)), "KeyId": .string(result.keyArn),
                "EncryptionAlgorithm": .string(result.algorithm),
            ]
        case "Decrypt":
            var result = try kms.decrypt(
                ciphertext: input.blob("CiphertextBlob") ?? [], context: Self.context(input, "EncryptionContext"),
                keyId: input.string("KeyId"), algorithm: input.string("EncryptionAlgorithm"),
                dryRun: input.bool("DryRun") ?? false, caller: caller, requestId: requestId)
            defer { Zeroize.array(&result.plaintext) }
            var out: [String: JSONValue] = [
                "Plaintext": .string(Base64.encode(result.plaintext)), "KeyId": .string(result.keyArn),
                "EncryptionAlgorithm": .string(result.algorithm),
            ]
            if let id = result.keyMaterialId { out["KeyMaterialId"] = .string(id) }
            return .object(out)
        case "ReEncrypt":
            let result = try kms.reEncrypt(
                ciphertext: input.blob("CiphertextBlob") ?? [], sourceContext: Self.context(input, "SourceEncryptionContext"),
                sourceKeyId: input.string("SourceKeyId"), sourceAlgorithm: input.string("SourceEncryptionAlgorithm"),
                destinationKeyId: input.string("DestinationKeyId") ?? "",
                destinationContext: Self.context(input, "DestinationEncryptionContext"),
                destinationAlgorithm: input.string("DestinationEncryptionAlgorithm"), dryRun: input.bool("DryRun") ?? false,
                caller: caller, requestId: requestId)
            var out: [String: JSONValue] = [
                "CiphertextBlob": .string(Base64.encode(result.ciphertextBlob)), "SourceKeyId": .string(result.sourceKeyArn),
                "KeyId": .string(result.destinationKeyArn), "SourceEncryptionAlgorithm": .string(result.sourceAlgorithm),
                "DestinationEncryptionAlgorithm": .string(result.destinationAlgorithm),
            ]
            if let id = result.sourceKeyMaterialId { out["SourceKeyMaterialId"] = .string(id) }
            if let id = result.destinationKeyMaterialId { out["DestinationKeyMaterialId"] = .string(id) }
            return .object(out)
        case "GenerateDataKey", "GenerateDataKeyWithoutPlaintext":
            let withPlaintext = operation == "GenerateDataKey"
            var result = try kms.generateDataKey(
                keyId: keyId, keySpec: input.string("KeySpec"), numberOfBytes: input.int("NumberOfBytes"),
                context: Self.context(input, "EncryptionContext"), includePlaintext: withPlaintext,
                dryRun: input.bool("DryRun") ?? false, caller: caller, requestId: requestId)
            var out: [String: JSONValue] = [
                "CiphertextBlob": .string(Base64.encode(result.ciphertextBlob)), "KeyId": .string(result.keyArn),
            ]
            if let id = result.keyMaterialId { out["KeyMaterialId"] = .string(id) }
            if let member = Self.secretMember(&result.plaintext) { out["Plaintext"] = member }
            return .object(out)
        case "GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext":
            var result = try kms.generateDataKeyPair(
                keyId: keyId, keyPairSpec: input.string("KeyPairSpec") ?? "", context: Self.context(input, "EncryptionContext"),
                includePlaintext: operation == "GenerateDataKeyPair", recipient: input.members["Recipient"] != nil,
                dryRun: input.bool("DryRun") ?? false, caller: caller, requestId: requestId)
            var out: [String: JSONValue] = [
                "PrivateKeyCiphertextBlob": .string(Base64.encode(result.privateKeyCiphertextBlob)),
                "PublicKey": .string(Base64.encode(result.publicKey)), "KeyId": .string(result.keyArn),
                "KeyPairSpec": .string(result.keyPairSpec), "KeyMaterialId": .string(result.keyMaterialId),
            ]
            if let member = Self.secretMember(&result.privateKeyPlaintext) { out["PrivateKeyPlaintext"] = member }
            return .object(out)
        case "Sign":
            let result = try kms.sign(
                keyId: keyId, message: input.blob("Message") ?? [], messageType: input.string("MessageType"),
                algorithm: input.string("SigningAlgorithm") ?? "", dryRun: input.bool("DryRun") ?? false, caller: caller,
                requestId: requestId)
            return [
                "KeyId": .string(result.keyArn), "Signature": .string(Base64.encode(result.signature)),
                "SigningAlgorithm": .string(result.algorithm),
            ]
        case "Verify":
            let algorithm = input.string("SigningAlgorithm") ?? ""
            let arn = try kms.verify(
                keyId: keyId, message: input.blob("Message") ?? [], messageType: input.string("MessageType"),
                signature: input.blob("Signature") ?? [], algorithm: algorithm, dryRun: input.bool("DryRun") ?? false,
                caller: caller, requestId: requestId)
            return ["KeyId": .string(arn), "SignatureValid": true, "SigningAlgorithm": .string(algorithm)]
        case "GetPublicKey":
            let result = try kms.getPublicKey(keyId: keyId, caller: caller, requestId: requestId)
            var out = Self.algorithms(result.key)
            out["KeyId"] = .string(result.key.arn)
            out["PublicKey"] = .string(Base64.encode(result.publicKey))
            out["KeySpec"] = .string(result.key.keySpec.rawValue)
            out["CustomerMasterKeySpec"] = .string(result.key.keySpec.rawValue)
            out["KeyUsage"] = .string(result.key.keyUsage.rawValue)
            return .object(out)
        case "GenerateMac":
            let result = try kms.generateMac(
                keyId: keyId, message: input.blob("Message") ?? [], algorithm: input.string("MacAlgorithm") ?? "",
                dryRun: input.bool("DryRun") ?? false, caller: caller, requestId: requestId)
            return [
                "Mac": .string(Base64.encode(result.mac)), "MacAlgorithm": .string(result.algorithm),
                "KeyId": .string(result.keyArn),
            ]
        case "VerifyMac":
            let algorithm = input.string("MacAlgorithm") ?? ""
            let arn = try kms.verifyMac(
                keyId: keyId, message: input.blob("Message") ?? [], mac: input.blob("Mac") ?? [], algorithm: algorithm,
                dryRun: input.bool("DryRun") ?? false, caller: caller, requestId: requestId)
            return ["KeyId": .string(arn), "MacValid": true, "MacAlgorithm": .string(algorithm)]
        case "DeriveSharedSecret":
            let algorithm = input.string("KeyAgreementAlgorithm") ?? ""
            var result = try kms.deriveSharedSecret(
                keyId: keyId, algorithm: algorithm, peerPublicKey: input.blob("PublicKey") ?? [],
                recipient: input.members["Recipient"] != nil, dryRun: input.bool("DryRun") ?? false, caller: caller,
                requestId: requestId)
            defer { Zeroize.array(&result.sharedSecret) }
            return [
                "KeyId": .string(result.key.arn), "SharedSecret": .string(Base64.encode(result.sharedSecret)),
                "KeyAgreementAlgorithm": .string(algorithm), "KeyOrigin": .string(result.key.origin.rawValue),
            ]
        case "GenerateRandom":
            if input.string("CustomKeyStoreId") != nil {
                throw AWSError(code: "CustomKeyStoreNotFoundException", message: "Custom key stores are not supported.")
            }
            var bytes = try kms.generateRandom(numberOfBytes: input.int("NumberOfBytes"), caller: caller)
            defer { Zeroize.array(&bytes) }
            return ["Plaintext": .string(Base64.encode(bytes))]
        case "EnableKeyRotation":
            try await kms.enableKeyRotation(keyId: keyId, rotationPeriodInDays: input.int("RotationPeriodInDays"), caller: caller)
            return [:]
        case "DisableKeyRotation":
            try await kms.disableKeyRotation(keyId: keyId, caller: caller)
            return [:]
        case "GetKeyRotationStatus":
            let key = try kms.getKeyRotationStatus(keyId: keyId, caller: caller)
            var out: [String: JSONValue] = ["KeyRotationEnabled": .bool(key.rotation != nil), "KeyId": .string(key.arn)]
            if let rotation = key.rotation {
                out["RotationPeriodInDays"] = .int(Int64(rotation.periodInDays))
                out["NextRotationDate"] = Timestamp.epochSeconds(rotation.nextRotationDate)
            }
            if let started = key.onDemandRotationStartDate { out["OnDemandRotationStartDate"] = Timestamp.epochSeconds(started) }
            return .object(out)
        case "RotateKeyOnDemand":
            return ["KeyId": .string(try await kms.rotateKeyOnDemand(keyId: keyId, caller: caller).arn)]
        case "ListKeyRotations":
            let page = try kms.listKeyRotations(
                keyId: keyId, includeInitial: input.string("IncludeKeyMaterial") == "ALL_KEY_MATERIAL",
                limit: input.int("Limit"), marker: input.string("Marker"), caller: caller)
            return Self.page(page, member: "Rotations") { rotation in
                let material = rotation.material
                let state =
                    material.pendingRotation == true ? "PENDING_ROTATION" : rotation.isCurrent ? "CURRENT" : "NON_CURRENT"
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
        case "GetKeyLastUsage":
            let (key, usage) = try kms.getKeyLastUsage(keyId: keyId, caller: caller)
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
            let params = try await kms.getParametersForImport(
                keyId: keyId, wrappingAlgorithm: input.string("WrappingAlgorithm") ?? "",
                wrappingKeySpec: input.string("WrappingKeySpec") ?? "", caller: caller)
            return [
                "KeyId": .string(params.keyArn), "ImportToken": .string(Base64.encode(params.importToken)),
                "PublicKey": .string(Base64.encode(params.publicKey)),
                "ParametersValidTo": Timestamp.epochSeconds(params.validTo),
            ]
        case "ImportKeyMaterial":
            if let type = input.string("ImportType"), type != "EXISTING_KEY_MATERIAL", type != "NEW_KEY_MATERIAL" {
                throw .validation(message: "Unknown ImportType \(type).")
            }
            let materialId = try await kms.importKeyMaterial(
                keyId: keyId, importToken: input.blob("ImportToken") ?? [],
                encryptedKeyMaterial: input.blob("EncryptedKeyMaterial") ?? [],
                expirationModel: input.string("ExpirationModel"), validTo: input.date("ValidTo"),
                importType: input.string("ImportType"), keyMaterialId: input.string("KeyMaterialId"),
                description: input.string("KeyMaterialDescription"), caller: caller)
            let key = try kms.describeKey(keyId: keyId, caller: caller)
            return ["KeyId": .string(key.arn), "KeyMaterialId": .string(materialId)]
        case "DeleteImportedKeyMaterial":
            let materialId = try await kms.deleteImportedKeyMaterial(
                keyId: keyId, keyMaterialId: input.string("KeyMaterialId"), caller: caller)
            var out: [String: JSONValue] = ["KeyId": .string(try kms.describeKey(keyId: keyId, caller: caller).arn)]
            if let materialId { out["KeyMaterialId"] = .string(materialId) }
            return .object(out)
        case "CreateGrant":
            let constraints = input.members["Constraints"].map { c in
                GrantConstraints(
                    encryptionContextSubset: c["EncryptionContextSubset"]?.objectValue?.compactMapValues(\.stringValue),
                    encryptionContextEquals: c["EncryptionContextEquals"]?.objectValue?.compactMapValues(\.stringValue))
            }
            let (grant, token) = try await kms.createGrant(
                CreateGrantRequest(
                    keyId: keyId, granteePrincipal: input.string("GranteePrincipal") ?? "",
                    retiringPrincipal: input.string("RetiringPrincipal"), operations: input.stringList("Operations") ?? [],
                    constraints: constraints, name: input.string("Name"), dryRun: input.bool("DryRun") ?? false),
                caller: caller)
            return ["GrantId": .string(grant.grantId), "GrantToken": .string(token)]
        case "ListGrants":
            let page = try kms.listGrants(
                keyId: keyId, grantId: input.string("GrantId"), granteePrincipal: input.string("GranteePrincipal"),
                limit: input.int("Limit"), marker: input.string("Marker"), caller: caller)
            return Self.page(page, member: "Grants", Self.grant)
        case "ListRetirableGrants":
            let page = try kms.listRetirableGrants(
                retiringPrincipal: input.string("RetiringPrincipal") ?? "", limit: input.int("Limit"),
                marker: input.string("Marker"), caller: caller)
            return Self.page(page, member: "Grants", Self.grant)
        case "RevokeGrant":
            try await kms.revokeGrant(
                keyId: keyId, grantId: input.string("GrantId") ?? "", dryRun: input.bool("DryRun") ?? false, caller: caller)
            return [:]
        case "RetireGrant":
            try await kms.retireGrant(
                grantToken: input.string("GrantToken"), keyId: input.string("KeyId"), grantId: input.string("GrantId"),
                dryRun: input.bool("DryRun") ?? false, caller: caller)
            return [:]
        default:
            throw .unsupportedOperation("\(operation) is not supported by this Rampart build yet.")
        }
    }

    // MARK: Encoding

    static func metadata(_ key: KMSKey) -> JSONValue {
        var m: [String: JSONValue] = [
            "AWSAccountId": .string(key.accountId), "KeyId": .string(key.keyId), "Arn": .string(key.arn),
            "CreationDate": Timestamp.epochSeconds(key.creationDate), "Enabled": .bool(key.isEnabled),
            "Description": .string(key.description), "KeyUsage": .string(key.keyUsage.rawValue),
            "KeyState": .string(key.keyState.rawValue), "Origin": .string(key.origin.rawValue),
            "KeyManager": .string(key.keyManager.rawValue), "CustomerMasterKeySpec": .string(key.keySpec.rawValue),
            "KeySpec": .string(key.keySpec.rawValue), "MultiRegion": false,
        ]
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

    static func page<T>(_ page: Page<T>, member: String, _ encode: (T) -> JSONValue) -> JSONValue {
        var out: [String: JSONValue] = [member: .array(page.items.map(encode)), "Truncated": .bool(page.truncated)]
        if let next = page.nextMarker { out["NextMarker"] = .string(next) }
        return .object(out)
    }

    // MARK: Decoding

    static func tags(_ input: RequestInput) -> [Tag] {
        (input.structureList("Tags") ?? []).map {
            Tag(key: $0["TagKey"]?.stringValue ?? "", value: $0["TagValue"]?.stringValue ?? "")
        }
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

    static func context(_ input: RequestInput, _ name: String) -> EncryptionContext {
        EncryptionContext(input.stringMap(name) ?? [:])
    }
}
