import Foundation

/// One AWS managed policy as the catalog keeps it: AWS's default version and its document.
struct AWSManagedPolicy: Sendable {
    var name: String
    var path: String
    var policyId: String
    var version: String
    var created: String
    var updated: String
    var document: String

    var arn: String { AWSManagedPolicies.arnPrefix + String(path.dropFirst()) + name }

    var policy: ManagedPolicy {
        let created = AWSManagedPolicies.date(created)
        let updated = AWSManagedPolicies.date(updated)
        return ManagedPolicy(
            accountId: AWSManagedPolicies.accountId, policyName: name, policyId: policyId, path: path, description: nil,
            createDate: created, updateDate: updated, defaultVersionId: version,
            versions: [PolicyVersion(versionId: version, document: document, createDate: updated)], nextVersion: 0,
            tags: [])
    }
}

/// AWS managed policies (`arn:aws:iam::aws:policy/…`): the same in every account, attachable to
/// users, groups and roles (and usable as permissions boundaries and session policies), never
/// changed or deleted by an account. Only their default version is kept.
public enum AWSManagedPolicies {
    /// The account part of their ARNs.
    public static let accountId = "aws"
    public static let arnPrefix = "arn:aws:iam::aws:policy/"

    static let byArn: [String: ManagedPolicy] = Dictionary(
        catalog.map { ($0.arn, $0.policy) }, uniquingKeysWith: { first, _ in first })

    /// Every AWS managed policy Rampart knows, by name.
    public static var all: [ManagedPolicy] { byArn.values.sorted { $0.policyName < $1.policyName } }

    /// Whether an ARN names an AWS managed policy (one Rampart may not know).
    public static func isAWSManaged(_ arn: String) -> Bool { arn.hasPrefix(arnPrefix) }

    /// The AWS managed policy `arn` names; nil for one Rampart does not know.
    public static func policy(arn: String) -> ManagedPolicy? { byArn[arn] }

    static func date(_ text: String) -> Date {
        ISO8601DateFormatter().date(from: text) ?? Date(timeIntervalSince1970: 0)
    }
}
