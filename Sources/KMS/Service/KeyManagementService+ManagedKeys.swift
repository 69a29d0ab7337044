public import AWSProtocol
import Foundation
public import KMSCiphertext
import RampartCore
import Synchronization

extension KeyManagementService {
    /// The ARN of the account's AWS managed key for `service` (`alias/aws/lambda`), made on first
    /// use as AWS makes it: a symmetric key managed by AWS, usable by every principal of the
    /// account through that service only (`kms:ViaService`), readable by the account.
    public func awsManagedKey(service: String, accountId: String, region: String) async throws(AWSError) -> String {
        let id = AliasID(accountId: accountId, region: region, name: "alias/aws/\(service)")
        if let alias = state.withLock({ $0.aliases[id] }) {
            return KMSKey.arn(region: region, accountId: accountId, keyId: alias.targetKeyId)
        }
        return try await change { () async throws(AWSError) -> String in
            if let alias = state.withLock({ $0.aliases[id] }) {
                return KMSKey.arn(region: region, accountId: accountId, keyId: alias.targetKeyId)
            }
            let keyId = UUIDText.random()
            let slot = KMSKey.slot(keyId: keyId, region: region)
            let (material, sealed, materialId) = try newMaterial(keyId: keyId, slot: slot)
            let now = now()
            let key = KMSKey(
                keyId: keyId, accountId: accountId, region: region, creationDate: now,
                description: "Default key that protects my \(Self.managedKeyOwner(service)) when no other key is defined",
                keyUsage: .encryptDecrypt, keySpec: .symmetricDefault, origin: .awsKMS, keyManager: .aws,
                keyState: .enabled, deletionDate: nil, pendingDeletionWindowInDays: nil,
                policy: Self.managedKeyPolicy(service: service, accountId: accountId, region: region), tags: [],
                rotation: nil, materials: [KeyMaterialInfo(materialId: materialId, createdAt: now, rotationType: nil)],
                onDemandRotationStartDate: nil, lastUsage: nil, multiRegion: nil)
            let alias = KMSAlias(
                accountId: accountId, region: region, aliasName: id.name, targetKeyId: keyId, creationDate: now,
                lastUpdatedDate: now)
            var batch = KeyStoreBatch()
            batch.putKeys = [key]
            batch.putMaterials = [sealed]
            batch.putAliases = [alias]
            try await persist(batch)
            state.withLock {
                $0.keys[slot] = LiveKey(key: key, materials: [materialId: material])
                $0.aliases[id] = alias
            }
            return key.arn
        }
    }

    /// The plaintext of a data key a service made under a key of `accountId`, for that service
    /// itself (a function's environment opened at its cold start): what the grant AWS's services
    /// hold on a key allows. No caller's policy is consulted, but the key's state still decides:
    /// a disabled key refuses with `DisabledException`, a deleted one with `NotFoundException`.
    public func decryptForService(
        ciphertext: [UInt8], context: EncryptionContext, accountId: String, region: String
    ) throws(AWSError) -> [UInt8] {
        guard let blob = SymmetricCiphertext.parse(ciphertext), blob.accountId == accountId, blob.region == region else {
            throw .invalidCiphertext
        }
        guard let live = live(slot: KMSKey.slot(keyId: blob.keyId, region: region)), live.key.accountId == accountId else {
            throw .keyNotFound(KMSKey.arn(region: region, accountId: accountId, keyId: blob.keyId))
        }
        try checkState(.cryptographic, live.key)
        guard let material = live.materials[blob.materialId]?.symmetricKey else { throw .invalidCiphertext }
        do {
            return try blob.open(material: material, context: context)
        } catch {
            throw .invalidCiphertext
        }
    }

    static func managedKeyOwner(_ service: String) -> String {
        switch service {
        case "lambda": "Lambda functions"
        case "secretsmanager": "Secrets Manager secrets"
        case "ebs": "EBS volumes"
        case "sns": "SNS topics"
        default: "\(service) resources"
        }
    }

    /// The policy AWS gives its managed keys: the service may use the key for any principal of
    /// the account, and the account may read the key's metadata.
    static func managedKeyPolicy(service: String, accountId: String, region: String) -> String {
        let policy: JSONValue = [
            "Version": "2012-10-17",
            "Id": .string("auto-\(service)-1"),
            "Statement": [
                [
                    "Sid": .string(
                        "Allow access through \(service) for all principals in the account that are authorized to use it"),
                    "Effect": "Allow",
                    "Principal": ["AWS": "*"],
                    "Action": [
                        "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant",
                        "kms:DescribeKey",
                    ],
                    "Resource": "*",
                    "Condition": [
                        "StringEquals": [
                            "kms:ViaService": .string("\(service).\(region).amazonaws.com"),
                            "kms:CallerAccount": .string(accountId),
                        ]
                    ],
                ],
                [
                    "Sid": "Allow direct access to key metadata to the account",
                    "Effect": "Allow",
                    "Principal": ["AWS": .string("arn:aws:iam::\(accountId):root")],
                    "Action": ["kms:Describe*", "kms:Get*", "kms:List*"],
                    "Resource": "*",
                ],
            ],
        ]
        return String(decoding: policy.serialized(), as: UTF8.self)
    }
}
