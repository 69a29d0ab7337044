import AWSProtocol
import Identity
import ServiceKit

/// What KMS's CloudTrail records carry beyond the request and response, as AWS writes them:
/// the keys a call acted on (resolved from aliases, grant tokens and ARNs), the algorithm of
/// every Encrypt and Decrypt, the key a Decrypt used, and the key material a call used.
struct KMSAuditing: CallAuditing {
    let kms: KeyManagementService

    /// Changes whose records carry the key's ARN as `responseElements.keyId` though the
    /// response holds none (AWS's records since December 2022).
    static let keyIdInResponseElements: Set<String> = [
        "CreateAlias", "UpdateAlias", "DeleteAlias", "RetireGrant", "UpdatePrimaryRegion",
    ]

    /// The keys (and alias) a KMS change names, resolved in the caller's account.
    func resourcesBefore(operation: String, input: JSONValue?, caller: Caller) -> [String] {
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

    func resources(_ call: AuditContext) -> [(type: String, name: String)] {
        let response = call.response
        var arns: [String] = []
        for candidate in [
            response?["KeyMetadata"]?["Arn"]?.stringValue, response?["SourceKeyId"]?.stringValue,
            response?["KeyId"]?.stringValue,
        ] {
            if let arn = candidate, arn.hasPrefix("arn:aws:kms:"), !arns.contains(arn) { arns.append(arn) }
        }
        let touched = call.noted.isEmpty ? call.touched : call.noted + call.touched.filter { !$0.contains(":key/") }
        for arn in touched where !arns.contains(arn) { arns.append(arn) }
        if arns.isEmpty, let keyId = call.input?["KeyId"]?.stringValue ?? call.input?["TargetKeyId"]?.stringValue,
            let arn = keyArn(named: keyId, caller: call.caller)
        {
            arns.append(arn)
        }
        return arns.map { (type: "AWS::KMS::Key", name: $0) }
    }

    func responseElements(_ call: AuditContext) -> JSONValue? {
        guard !call.failed, Self.keyIdInResponseElements.contains(call.operation),
            let key = call.noted.first ?? call.touched.first(where: { $0.contains(":key/") })
        else { return nil }
        return ["keyId": .string(key)]
    }

    /// AWS's KMS records name the algorithm of every Encrypt and Decrypt, and the key a Decrypt
    /// used even when the request named none.
    func requestParameters(_ parameters: inout [String: JSONValue], _ call: AuditContext) {
        guard call.operation == "Encrypt" || call.operation == "Decrypt" else { return }
        if parameters["encryptionAlgorithm"] == nil { parameters["encryptionAlgorithm"] = "SYMMETRIC_DEFAULT" }
        if call.operation == "Decrypt", parameters["keyId"] == nil, let arn = call.response?["KeyId"]?.stringValue {
            parameters["keyId"] = .string(arn)
        }
    }

    /// ReplicateKey is also a CreateKey in the replica's region, and UpdatePrimaryRegion is
    /// recorded in the new primary's region too, as AWS's "Logging AWS KMS API calls" shows them.
    func otherRegionRecords(_ call: AuditContext) -> [RegionalRecord] {
        guard !call.failed else { return [] }
        switch call.operation {
        case "ReplicateKey":
            guard let arn = call.response?["ReplicaKeyMetadata"]?["Arn"]?.stringValue,
                let region = call.input?["ReplicaRegion"]?.stringValue
            else { return [] }
            return [RegionalRecord(region: region, eventName: "CreateKey", resources: [("AWS::KMS::Key", arn)])]
        case "UpdatePrimaryRegion":
            guard let region = call.input?["PrimaryRegion"]?.stringValue, region != call.caller.region,
                let key = call.noted.first, let keyId = key.split(separator: "/").last
            else { return [] }
            let arn = KMSKey.arn(region: region, accountId: call.caller.accountId, keyId: String(keyId))
            return [
                RegionalRecord(
                    region: region, eventName: "UpdatePrimaryRegion", resources: [("AWS::KMS::Key", arn)],
                    responseElements: ["keyId": .string(arn)])
            ]
        default:
            return []
        }
    }

    /// ... and the key material a cryptographic call used.
    func additionalEventData(_ call: AuditContext) -> JSONValue? {
        guard !call.failed, let material = call.response?["KeyMaterialId"]?.stringValue else { return nil }
        return ["keyMaterialId": .string(material)]
    }
}
