public import Foundation

/// Who a request runs as, once its signature checked out.
public struct Principal: Sendable, Hashable {
    public enum Kind: String, Sendable {
        /// An account's root user.
        case root = "Root"
        /// An IAM user.
        case iamUser = "IAMUser"
        /// A role session from STS AssumeRole.
        case assumedRole = "AssumedRole"
        /// An AWS service acting by itself on a resource policy's word (`events.amazonaws.com`
        /// delivering to a queue, `config.amazonaws.com` invoking a function).
        case awsService = "AWSService"
        /// A federated user from STS GetFederationToken.
        case federatedUser = "FederatedUser"
    }

    public var kind: Kind
    public var accountId: String
    /// The principal's ARN: `arn:aws:iam::ACCOUNT:root`, `...:user/NAME`, `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    public var arn: String
    /// AWS's unique id: the account id for root, `AIDA...` for users, `AROA...:session` for role sessions.
    public var userId: String
    /// The user name for IAM users; nil otherwise.
    public var userName: String?
    /// For role sessions: the role's name and ARN, and when the session began.
    public var roleName: String?
    public var roleArn: String?
    public var sessionCreated: Date?
    /// Tags passed to AssumeRole or GetFederationToken, with the transitive tags a chained
    /// session inherited: `aws:PrincipalTag/*` values that take the place of the role's own tags
    /// of the same key (compared case-insensitively).
    public var sessionTags: [String: String] = [:]
    /// The lower-cased keys of the session tags that pass on to sessions this one starts.
    public var transitiveTagKeys: [String] = []
    /// For federated users: the IAM user whose GetFederationToken call made the session, whose
    /// policies bound it; nil when the account's root made it.
    public var federatingUserName: String?
    /// For federated users: the unique id and ARN of whoever called GetFederationToken (the
    /// IAM user's `AIDA…` id, or the account id for its root), CloudTrail's `sessionIssuer`.
    /// Nil for sessions made before they were kept.
    public var federatingPrincipalId: String?
    public var federatingArn: String?

    public init(
        kind: Kind, accountId: String, arn: String, userId: String, userName: String? = nil, roleName: String? = nil,
        roleArn: String? = nil, sessionCreated: Date? = nil
    ) {
        self.kind = kind
        self.accountId = accountId
        self.arn = arn
        self.userId = userId
        self.userName = userName
        self.roleName = roleName
        self.roleArn = roleArn
        self.sessionCreated = sessionCreated
    }

    /// An account's root user.
    public static func root(accountId: String) -> Principal {
        Principal(kind: .root, accountId: accountId, arn: "arn:aws:iam::\(accountId):root", userId: accountId)
    }

    /// An AWS service principal, e.g. `events.amazonaws.com`: it belongs to no account, and a
    /// resource policy must name it.
    public static func service(_ name: String) -> Principal {
        Principal(kind: .awsService, accountId: "", arn: name, userId: name)
    }
}

/// An authenticated caller: the principal and how it signed.
public struct Caller: Sendable {
    public var principal: Principal
    public var accessKeyId: String
    /// The region from the request's SigV4 scope.
    public var region: String
    public var sourceIPAddress: String
    public var userAgent: String?
    public var secureTransport: Bool
    /// The identity-based policy documents that apply to the principal (IAM users and roles);
    /// empty for an account's root, which its own account allows everything.
    public var identityPolicies: [String] = []
    /// Tags of the IAM user or of a session's role (aws:PrincipalTag/*).
    public var principalTags: [String: String] = [:]
    /// The document of the user's or role's permissions boundary: what identity policies grant is
    /// limited to what it allows too. Nil when there is none.
    public var permissionsBoundary: String?
    /// Set when an integrated service of Rampart's calls on the caller's behalf: its name, such as
    /// `secretsmanager` (kms:ViaService is then `secretsmanager.<region>.amazonaws.com`).
    public var viaService: String?
    /// The session policy a role session was created with, which narrows what its role allows.
    public var sessionPolicy: String?
    /// For a service principal: the resource it acts for (`aws:SourceArn`, e.g. the rule that
    /// matched) and that resource's account (`aws:SourceAccount`).
    public var sourceArn: String?
    public var sourceAccount: String?

    public init(
        principal: Principal, accessKeyId: String, region: String, sourceIPAddress: String = "127.0.0.1",
        userAgent: String? = nil, secureTransport: Bool = false
    ) {
        self.principal = principal
        self.accessKeyId = accessKeyId
        self.region = region
        self.sourceIPAddress = sourceIPAddress
        self.userAgent = userAgent
        self.secureTransport = secureTransport
    }

    public var accountId: String { principal.accountId }

    /// An AWS service calling by itself, for the resource `sourceArn` of `sourceAccount` (an
    /// EventBridge rule delivering to a queue, say), in `region`.
    public static func service(_ name: String, region: String, sourceArn: String?, sourceAccount: String?) -> Caller {
        var caller = Caller(principal: .service(name), accessKeyId: "", region: region)
        caller.sourceArn = sourceArn
        caller.sourceAccount = sourceAccount
        return caller
    }

    /// This caller, as an integrated service sees it when it calls another on the caller's
    /// behalf (Secrets Manager calling KMS): `kms:ViaService` and `aws:CalledVia` name `service`.
    public func onBehalf(via service: String) -> Caller {
        var caller = self
        caller.viaService = service
        return caller
    }
}
