public import Foundation

/// An IAM entity kept as one document per account and name: groups, roles, managed policies and
/// STS sessions. (Users predate this and keep a table of their own.)
public protocol IAMEntity: Codable, Sendable {
    /// The kind of entity, as the store files it.
    static var kind: String { get }
    var accountId: String { get }
    /// The entity's name within its kind and account.
    var entityName: String { get }
}

/// An IAM group: users share its policies.
public struct IAMGroup: IAMEntity, Hashable {
    public static let kind = "group"
    public var accountId: String
    public var groupName: String
    /// `AGPA` and 17 characters.
    public var groupId: String
    public var path: String
    public var createDate: Date
    /// Member user names.
    public var members: [String]
    /// ARNs of the managed policies attached.
    public var attachedPolicies: [String]

    public var entityName: String { groupName }
    public var arn: String { "arn:aws:iam::\(accountId):group\(path)\(groupName)" }
}

/// An IAM role: a trust policy says who may assume it; its policies say what a session may do.
public struct IAMRole: IAMEntity, Hashable {
    public static let kind = "role"
    public var accountId: String
    public var roleName: String
    /// `AROA` and 17 characters.
    public var roleId: String
    public var path: String
    public var createDate: Date
    /// The trust policy, as given.
    public var assumeRolePolicy: String
    public var description: String?
    /// Longest session AssumeRole may grant, in seconds (3600 to 43200).
    public var maxSessionDuration: Int
    public var tags: [IAMTag]
    public var attachedPolicies: [String]
    /// The ARN of the managed policy that bounds what the role's policies can grant (nil: none).
    public var permissionsBoundary: String?
    /// For a service-linked role: the service it belongs to (`config.amazonaws.com`); only AWS
    /// may change or delete such a role.
    public var awsServiceName: String?

    public var entityName: String { roleName }
    public var arn: String { "arn:aws:iam::\(accountId):role\(path)\(roleName)" }
}

/// An instance profile: the container EC2 passes a role to an instance in. It holds at most one
/// role (AWS's quota InstanceSessionsPerInstanceProfile, which cannot be raised).
public struct IAMInstanceProfile: IAMEntity, Hashable {
    public static let kind = "instance-profile"
    public var accountId: String
    public var instanceProfileName: String
    /// `AIPA` and 17 characters.
    public var instanceProfileId: String
    public var path: String
    public var createDate: Date
    /// Names of the roles in the profile (zero or one).
    public var roles: [String]
    public var tags: [IAMTag]

    public var entityName: String { instanceProfileName }
    public var arn: String { "arn:aws:iam::\(accountId):instance-profile\(path)\(instanceProfileName)" }
}

/// A customer managed policy and its versions.
public struct ManagedPolicy: IAMEntity, Hashable {
    public static let kind = "policy"
    public var accountId: String
    public var policyName: String
    /// `ANPA` and 17 characters.
    public var policyId: String
    public var path: String
    public var description: String?
    public var createDate: Date
    public var updateDate: Date
    public var defaultVersionId: String
    public var versions: [PolicyVersion]
    /// The number the next version gets (`v<N>`); versions are never renumbered.
    public var nextVersion: Int
    public var tags: [IAMTag]

    public var entityName: String { policyName }
    public var arn: String { ManagedPolicy.arn(accountId: accountId, path: path, name: policyName) }

    public static func arn(accountId: String, path: String, name: String) -> String {
        "arn:aws:iam::\(accountId):policy\(path)\(name)"
    }

    public var defaultDocument: String? { versions.first { $0.versionId == defaultVersionId }?.document }
}

/// One version of a managed policy.
public struct PolicyVersion: Sendable, Codable, Hashable {
    public var versionId: String
    public var document: String
    public var createDate: Date
}

/// Temporary credentials from STS: a role session (AssumeRole) or a user's or root's session
/// (GetSessionToken). The secret is sealed; the session token is kept only as its SHA-256.
public struct STSSession: IAMEntity, Hashable {
    public static let kind = "sts-session"
    /// The account whose principal the session acts as.
    public var account: String
    /// `ASIA` and 16 characters.
    public var accessKeyId: String
    public var sealedSecret: [UInt8]
    public var tokenHash: String
    public var createDate: Date
    public var expiration: Date
    /// For role sessions: the role and session names, the role's id, and the session policy.
    public var roleName: String?
    public var roleId: String?
    public var rolePath: String?
    public var sessionName: String?
    public var sessionPolicy: String?
    /// For GetSessionToken and GetFederationToken: the user (nil for the account's root).
    public var userName: String?
    /// For GetFederationToken: the federated user's name (`Name`), and the unique id and ARN of
    /// the user (or root) that called it, for CloudTrail's `sessionIssuer`.
    public var federatedUserName: String?
    public var issuerPrincipalId: String?
    public var issuerArn: String?
    /// Session tags (passed and inherited) and the lower-cased keys of the transitive ones; nil
    /// in documents from before session tags.
    public var sessionTags: [IAMTag]?
    public var transitiveTagKeys: [String]?

    public var entityName: String { accessKeyId }
    /// Sessions are filed under one pseudo-account, so that an access key id alone finds them.
    public var accountId: String { "sts" }

    public init(
        account: String, accessKeyId: String, sealedSecret: [UInt8], tokenHash: String, createDate: Date, expiration: Date
    ) {
        self.account = account
        self.accessKeyId = accessKeyId
        self.sealedSecret = sealedSecret
        self.tokenHash = tokenHash
        self.createDate = createDate
        self.expiration = expiration
    }

    public static func vaultContext(accessKeyId: String) -> String { "sts:session:\(accessKeyId)" }
}

/// What DeleteServiceLinkedRole started, for GetServiceLinkedRoleDeletionStatus. Rampart deletes
/// the role at once (no service holds resources on it), so a task is always done.
public struct ServiceLinkedRoleDeletionTask: IAMEntity, Hashable {
    public static let kind = "slr-deletion-task"
    public var accountId: String
    /// `task/aws-service-role/<service>/<role>/<uuid>`.
    public var deletionTaskId: String
    /// `SUCCEEDED` (AWS's other states, `IN_PROGRESS`, `FAILED` and `NOT_STARTED`, do not arise).
    public var status: String

    public var entityName: String { deletionTaskId }
}
