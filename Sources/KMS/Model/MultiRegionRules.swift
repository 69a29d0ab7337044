public import AWSProtocol
import KMSCiphertext

/// The rules of multi-Region keys, pure: what their key ids look like, which regions a replica
/// may go to, what ReplicateKey and UpdatePrimaryRegion refuse, and where related keys are.
public enum MultiRegionRules {
    /// `mrk-` and 32 hexadecimal digits, as AWS's multi-Region key ids (`MultiRegionKeyId`, which
    /// the ciphertext format shares).
    public static func isMultiRegionKeyId(_ text: String) -> Bool {
        MultiRegionKeyId.isValid(text)
    }

    /// A new multi-Region key id from 16 random bytes.
    public static func keyId(randomBytes: [UInt8]) -> String {
        MultiRegionKeyId.make(randomBytes: randomBytes)
    }

    /// A region name as the model's RegionType has it: `^([a-z]+-){2,3}\d+$`.
    public static func isValidRegionName(_ region: String) -> Bool {
        let parts = region.split(separator: "-", omittingEmptySubsequences: false)
        guard (3...4).contains(parts.count), let last = parts.last, !last.isEmpty,
            last.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else { return false }
        return parts.dropLast().allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7a } }
    }

    /// The AWS partition a region belongs to.
    public static func partition(of region: String) -> String {
        if region.hasPrefix("cn-") { return "aws-cn" }
        if region.hasPrefix("us-gov-") { return "aws-us-gov" }
        if region.hasPrefix("us-isob-") { return "aws-iso-b" }
        if region.hasPrefix("us-iso-") { return "aws-iso" }
        if region.hasPrefix("eu-isoe-") { return "aws-iso-e" }
        if region.hasPrefix("us-isof-") { return "aws-iso-f" }
        return "aws"
    }

    /// Why `key` cannot be replicated to `replicaRegion`; nil when it can. Key state is checked
    /// apart (`KeyStateRules`, operation `.replicateKey`).
    public static func replicationRefusal(of key: KMSKey, to replicaRegion: String) -> AWSError? {
        guard let configuration = key.multiRegion else {
            return .unsupportedOperation("\(key.arn) is not a multi-Region key.")
        }
        guard configuration.keyType == .primary else {
            return .unsupportedOperation("\(key.arn) is not a multi-Region primary key.")
        }
        guard isValidRegionName(replicaRegion), partition(of: replicaRegion) == partition(of: key.region) else {
            return .unsupportedOperation(
                "Region \(replicaRegion) is not a valid replica region for \(key.arn): it must be a Region of the same partition."
            )
        }
        guard replicaRegion != key.region else {
            return .unsupportedOperation("The replica region \(replicaRegion) must differ from the primary key's region.")
        }
        if configuration.replicaRegions.contains(replicaRegion) {
            return .alreadyExists(
                "\(KMSKey.arn(region: replicaRegion, accountId: key.accountId, keyId: key.keyId)) already exists.")
        }
        return nil
    }

    /// Why the primary key `key` cannot hand its role to the replica in `primaryRegion`; nil when
    /// it can (or when `primaryRegion` is already the primary's: nothing to do).
    public static func updatePrimaryRefusal(of key: KMSKey, to primaryRegion: String) -> AWSError? {
        guard let configuration = key.multiRegion else {
            return .unsupportedOperation("\(key.arn) is not a multi-Region key.")
        }
        guard configuration.keyType == .primary else {
            return .unsupportedOperation("\(key.arn) is not a multi-Region primary key.")
        }
        guard primaryRegion == key.region || configuration.replicaRegions.contains(primaryRegion) else {
            return .keyNotFound(KMSKey.arn(region: primaryRegion, accountId: key.accountId, keyId: key.keyId))
        }
        return nil
    }

    /// The configuration every related key carries, from the regions holding one.
    public static func configuration(
        of region: String, primaryRegion: String, regions: [String]
    ) -> MultiRegionConfiguration {
        MultiRegionConfiguration(
            keyType: region == primaryRegion ? .primary : .replica, primaryRegion: primaryRegion,
            replicaRegions: regions.filter { $0 != primaryRegion })
    }
}
