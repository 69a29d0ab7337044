import AWSProtocol
import Audit
import Foundation
import Identity
import KMS
import RampartCore

/// Turns each authenticated call into a CloudTrail record: who, what, from where, the request's
/// non-secret parameters, the key it touched, and how it ended.
struct AuditRecorder: Sendable {
    let trail: AuditTrail
    let clock: any ServiceClock
    let kms: KeyManagementService

    static let readOnlyKMS: Set<String> = [
        "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateRandom", "Sign", "Verify", "GenerateMac", "VerifyMac",
        "DeriveSharedSecret",
    ]

    /// Response members safe to record, by name.
    static let recordableResponse: Set<String> = [
        "KeyId", "KeyState", "DeletionDate", "PendingWindowInDays", "GrantId", "KeyMetadata", "EncryptionAlgorithm",
    ]

    static func isReadOnly(_ operation: String) -> Bool {
        readOnlyKMS.contains(operation) || ["Describe", "List", "Get", "Lookup"].contains { operation.hasPrefix($0) }
    }

    static func identity(_ caller: Caller) -> AuditIdentity {
        let p = caller.principal
        var session: AuditSession?
        if let roleArn = p.roleArn {
            session = AuditSession(
                issuerType: "Role", issuerPrincipalId: String(p.userId.split(separator: ":").first ?? ""), issuerArn: roleArn,
                issuerUserName: p.roleName, creationDate: p.sessionCreated)
        } else if caller.accessKeyId.hasPrefix("ASIA") {
            session = AuditSession(
                issuerType: nil, issuerPrincipalId: nil, issuerArn: nil, issuerUserName: nil, creationDate: p.sessionCreated)
        }
        return AuditIdentity(
            type: p.kind.rawValue, principalId: p.userId, arn: p.arn, accountId: caller.accountId,
            accessKeyId: caller.accessKeyId, userName: p.userName, session: session)
    }

    func record(
        service: String, operation: String, caller: Caller, requestId: String, input: JSONValue?, model: ServiceModel,
        response: JSONValue?, error: AWSError?
    ) async {
        var resources: [(type: String, name: String)] = []
        if service == "kms" {
            var arns: [String] = []
            for candidate in [
                response?["KeyMetadata"]?["Arn"]?.stringValue, response?["SourceKeyId"]?.stringValue,
                response?["KeyId"]?.stringValue,
            ] {
                if let arn = candidate, arn.hasPrefix("arn:aws:kms:"), !arns.contains(arn) { arns.append(arn) }
            }
            if arns.isEmpty, let keyId = input?["KeyId"]?.stringValue ?? input?["TargetKeyId"]?.stringValue {
                if let arn = kms.keyArn(for: keyId, caller: caller) {
                    arns.append(arn)
                } else if keyId.hasPrefix("arn:aws:kms:") {
                    arns.append(keyId)
                }
            }
            resources = arns.map { (type: "AWS::KMS::Key", name: $0) }
        }
        var responseElements: JSONValue?
        if error == nil, !Self.isReadOnly(operation), case .object(let members)? = response {
            let kept = members.filter { Self.recordableResponse.contains($0.key) }
            if !kept.isEmpty {
                responseElements = .object(
                    Dictionary(
                        uniqueKeysWithValues: kept.map { (String($0.key.prefix(1).lowercased() + $0.key.dropFirst()), $0.value) })
                )
            }
        }
        var parameters = input.flatMap {
            RequestParameters.redacted($0, shapeName: model.operations[operation] ?? nil, model: model)
        }
        // AWS's KMS records name the algorithm of every Encrypt and Decrypt, and the key a Decrypt
        // used even when the request named none.
        if service == "kms", operation == "Encrypt" || operation == "Decrypt",
            case .object(var members) = parameters ?? .object([:])
        {
            if members["encryptionAlgorithm"] == nil { members["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT" }
            if operation == "Decrypt", members["keyId"] == nil, let arn = response?["KeyId"]?.stringValue {
                members["keyId"] = .string(arn)
            }
            parameters = .object(members)
        }
        // ... and the key material a cryptographic call used.
        var additional: JSONValue?
        if service == "kms", error == nil, let material = response?["KeyMaterialId"]?.stringValue {
            additional = ["keyMaterialId": .string(material)]
        }
        var call = AuditedCall(
            service: service, eventName: operation, identity: Self.identity(caller), accountId: caller.accountId,
            region: caller.region, sourceIPAddress: caller.sourceIPAddress, userAgent: caller.userAgent, requestId: requestId,
            eventTime: clock.now, readOnly: Self.isReadOnly(operation),
            requestParameters: parameters,
            responseElements: responseElements, errorCode: error?.code, errorMessage: error?.message, resources: resources,
            tlsDetails: caller.secureTransport)
        call.additionalEventData = additional
        let event = CloudTrailEvent(call)
        await trail.record(event, durable: !event.readOnly)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
