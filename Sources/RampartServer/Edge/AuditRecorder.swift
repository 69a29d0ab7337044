import AWSProtocol
import Audit
import Foundation
import Identity
import KMS
import RampartCore

/// Turns each authenticated call into a CloudTrail record: who, what, from where, the request's
/// non-secret parameters, the key it touched, and how it ended.
final class AuditRecorder: Sendable {
    let trail: AuditTrail
    let clock: any ServiceClock
    let kms: KeyManagementService

    init(trail: AuditTrail, clock: any ServiceClock, kms: KeyManagementService) {
        self.trail = trail
        self.clock = clock
        self.kms = kms
    }

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

    /// One call being recorded: what it was, before it ran.
    struct Call: Sendable {
        var service: String
        var operation: String
        var caller: Caller
        var requestId: String
        var input: JSONValue?
        var model: ServiceModel
        var eventId = EventID.make()
        var time: Date
        /// Whether the operation only reads (`isReadOnly`), decided once.
        var readOnly: Bool
        var tls: AuditTLSDetails?
        /// For KMS changes: the ARNs of what the call acts on, read before it runs (an alias
        /// being deleted still names its key).
        var touched: [String] = []
        /// What the key service noted the call acted on; overrides `touched` for keys.
        var notes: KMSCallNotes?
        /// For calls that may change state: the record that commits with the change.
        var pending: PendingAuditRecord?
    }

    /// Starts recording a call. A call that may change state gets its record now, for the
    /// change's transaction to carry.
    func begin(
        service: String, operation: String, caller: Caller, requestId: String, input: JSONValue?, model: ServiceModel,
        tls: AuditTLSDetails?
    ) -> Call {
        var call = Call(
            service: service, operation: operation, caller: caller, requestId: requestId, input: input, model: model,
            time: clock.now, readOnly: Self.isReadOnly(operation), tls: tls)
        if !call.readOnly {
            if service == "kms" {
                call.touched = touchedBefore(operation: operation, input: input, caller: caller)
                call.notes = KMSCallNotes()
            }
            call.pending = PendingAuditRecord(event(call, response: nil, error: nil))
        }
        return call
    }

    /// The keys (and alias) a KMS change names, resolved in the caller's account.
    func touchedBefore(operation: String, input: JSONValue?, caller: Caller) -> [String] {
        var arns: [String] = []
        func add(_ arn: String?) {
            if let arn, !arns.contains(arn) { arns.append(arn) }
        }
        for member in ["KeyId", "TargetKeyId"] {
            if let reference = input?[member]?.stringValue { add(keyArn(named: reference, caller: caller)) }
        }
        let alias = input?["AliasName"]?.stringValue
        if operation == "DeleteAlias", let alias { add(kms.keyArn(for: alias, caller: caller)) }
        if let token = input?["GrantToken"]?.stringValue { add(kms.keyArn(forGrantToken: token)) }
        if let alias, alias.hasPrefix("alias/") { add("arn:aws:kms:\(caller.region):\(caller.accountId):\(alias)") }
        return arns
    }

    /// The ARN of the key a request names: resolved in the caller's account, or as written when
    /// it is a key ARN that resolves nowhere (another account's, a deleted key).
    func keyArn(named reference: String, caller: Caller) -> String? {
        kms.keyArn(for: reference, caller: caller) ?? (reference.hasPrefix("arn:aws:kms:") ? reference : nil)
    }

    /// Changes whose records carry the key's ARN as `responseElements.keyId` though the
    /// response holds none (AWS's records since December 2022).
    static let keyIdInResponseElements: Set<String> = ["CreateAlias", "UpdateAlias", "DeleteAlias", "RetireGrant"]

    /// Records how the call ended. Changes' records are committed before this returns.
    func finish(_ call: Call, response: JSONValue?, error: AWSError?) async {
        let audited = audited(call, response: response, error: error)
        if let pending = call.pending {
            await trail.finish(pending, as: CloudTrailEvent(audited, eventId: call.eventId))
        } else {
            await trail.record(audited, eventId: call.eventId)
        }
        // A call that used another account's key is in that account's trail too, as AWS records it.
        guard error == nil else { return }
        for owner in Self.otherOwners(of: audited.resources, caller: call.caller.accountId) {
            var copy = audited
            copy.accountId = owner
            // The owner sees the calling account, not its credentials (CloudTrail's AWSAccount).
            copy.identity = audited.identity.map {
                AuditIdentity(
                    type: "AWSAccount", principalId: $0.principalId, arn: "", accountId: $0.accountId, accessKeyId: nil,
                    userName: nil)
            }
            await trail.record(CloudTrailEvent(copy), durable: !copy.readOnly)
        }
    }

    /// The accounts, other than the caller's, that own the resources.
    static func otherOwners(of resources: [(type: String, name: String)], caller: String) -> [String] {
        var owners: [String] = []
        for resource in resources {
            guard let owner = ARN.accountId(in: resource.name), owner != caller, !owners.contains(where: { $0 == owner })
            else { continue }
            owners.append(String(owner))
        }
        return owners
    }

    func event(_ call: Call, response: JSONValue?, error: AWSError?) -> CloudTrailEvent {
        CloudTrailEvent(audited(call, response: response, error: error), eventId: call.eventId)
    }

    func audited(_ call: Call, response: JSONValue?, error: AWSError?) -> AuditedCall {
        let (service, operation, caller, input, model) = (call.service, call.operation, call.caller, call.input, call.model)
        var resources: [(type: String, name: String)] = []
        if service == "kms" {
            var arns: [String] = []
            for candidate in [
                response?["KeyMetadata"]?["Arn"]?.stringValue, response?["SourceKeyId"]?.stringValue,
                response?["KeyId"]?.stringValue,
            ] {
                if let arn = candidate, arn.hasPrefix("arn:aws:kms:"), !arns.contains(arn) { arns.append(arn) }
            }
            let noted = call.notes?.keyArns ?? []
            let touched = noted.isEmpty ? call.touched : noted + call.touched.filter { !$0.contains(":key/") }
            for arn in touched where !arns.contains(arn) { arns.append(arn) }
            if arns.isEmpty, let keyId = input?["KeyId"]?.stringValue ?? input?["TargetKeyId"]?.stringValue,
                let arn = keyArn(named: keyId, caller: caller)
            {
                arns.append(arn)
            }
            resources = arns.map { (type: "AWS::KMS::Key", name: $0) }
        }
        var responseElements: JSONValue?
        if error == nil, !call.readOnly, case .object(let members)? = response {
            let kept = members.filter { Self.recordableResponse.contains($0.key) }
            if !kept.isEmpty {
                responseElements = .object(
                    Dictionary(
                        uniqueKeysWithValues: kept.map { (String($0.key.prefix(1).lowercased() + $0.key.dropFirst()), $0.value) })
                )
            }
            if Self.keyIdInResponseElements.contains(operation),
                let key = call.notes?.keyArns.first ?? call.touched.first(where: { $0.contains(":key/") })
            {
                responseElements = ["keyId": .string(key)]
            }
        }
        var parameters = input.map {
            RequestParameters.redactedMembers($0, shapeName: model.operations[operation] ?? nil, model: model)
        }
        // AWS's KMS records name the algorithm of every Encrypt and Decrypt, and the key a Decrypt
        // used even when the request named none.
        if service == "kms", operation == "Encrypt" || operation == "Decrypt" {
            var members = parameters ?? [:]
            parameters = nil  // `members` is the only reference: changed in place
            if members["encryptionAlgorithm"] == nil { members["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT" }
            if operation == "Decrypt", members["keyId"] == nil, let arn = response?["KeyId"]?.stringValue {
                members["keyId"] = .string(arn)
            }
            parameters = members
        }
        // ... and the key material a cryptographic call used.
        var additional: JSONValue?
        if service == "kms", error == nil, let material = response?["KeyMaterialId"]?.stringValue {
            additional = ["keyMaterialId": .string(material)]
        }
        var audited = AuditedCall(
            service: service, eventName: operation, identity: Self.identity(caller), accountId: caller.accountId,
            region: caller.region, sourceIPAddress: caller.sourceIPAddress, userAgent: caller.userAgent,
            requestId: call.requestId, eventTime: call.time, readOnly: call.readOnly,
            requestParameters: parameters.flatMap { $0.isEmpty ? nil : .object($0) },
            responseElements: responseElements, errorCode: error?.code, errorMessage: error?.message, resources: resources,
            tlsDetails: call.tls)
        audited.additionalEventData = additional
        return audited
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
