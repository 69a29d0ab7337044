public import AWSProtocol
import Crypto
public import Foundation
public import KeyVault
public import RampartCore

/// Temporary credentials as STS hands them out.
public struct TemporaryCredentials: Sendable {
    public var accessKeyId: String
    public var secretAccessKey: String
    public var sessionToken: String
    public var expiration: Date
}

/// STS: role sessions (AssumeRole) and session tokens (GetSessionToken). Sessions are kept in the
/// store with their secret sealed and their token as a SHA-256, so that they outlive a restart
/// and expire on the service clock.
public final class STSService: Sendable {
    let store: any IdentityStore
    let vault: KeyVault
    let clock: any ServiceClock
    let iam: IAMService

    /// The store files all sessions under this pseudo-account: an access key id alone finds them.
    static let sessionAccount = "sts"
    public static let assumeRoleDurations = 900...43_200
    public static let sessionTokenDurations = 900...129_600
    /// AWS's limit on a session policy, packed; PackedPolicySize is the share of it used.
    public static let maxSessionPolicySize = 2048

    public init(store: any IdentityStore, vault: KeyVault, clock: any ServiceClock, iam: IAMService) {
        self.store = store
        self.vault = vault
        self.clock = clock
        self.iam = iam
    }

    /// The role an ARN names: `arn:aws:iam::ACCOUNT:role[/path]/NAME`.
    static func roleName(arn text: String) -> (accountId: String, name: String)? {
        guard let arn = ARN(text), arn.service == "iam", arn.region.isEmpty,
            IdentityService.isValidAccountId(arn.accountId), arn.resourcePath.count >= 2, arn.resourcePath[0] == "role",
            let name = arn.resourcePath.last, !name.isEmpty
        else { return nil }
        return (arn.accountId, String(name))
    }

    /// A role session for `caller`. `authorize` decides whether the caller may assume the role
    /// (its trust policy and the caller's identity policies, and `sts:TagSession` as well when
    /// tags are passed); a role that does not exist is refused the same way, as STS does not
    /// reveal which roles exist.
    ///
    /// `tags` become the session's principal tags; `transitiveTagKeys` (which must name some of
    /// them) pass on to the sessions this one starts, and a chained call cannot set a key the
    /// calling session passed on.
    public func assumeRole(
        caller: Caller, roleArn: String, sessionName: String, durationSeconds: Int?, sessionPolicy: String?,
        tags: [IAMTag] = [], transitiveTagKeys: [String] = [], policyArns: [String] = [],
        validatePolicy: IAMService.PolicyValidator, authorize: (IAMRole?) -> AWSError?
    ) async throws(AWSError) -> (TemporaryCredentials, Principal, packedPolicySize: Int?) {
        guard let (accountId, name) = Self.roleName(arn: roleArn) else {
            throw AWSError(code: "ValidationError", message: "\(roleArn) is invalid")
        }
        try Self.checkSessionTags(tags, transitiveTagKeys: transitiveTagKeys, caller: caller.principal)
        let role = try? await iam.getRole(accountId: accountId, roleName: name)
        if let denial = authorize(role) { throw denial }
        guard let role, role.arn == roleArn || roleArn.hasSuffix(":role/\(name)") else {
            throw .iamAccessDenied(
                "User: \(caller.principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(roleArn)")
        }
        let duration = durationSeconds ?? 3600
        if caller.principal.kind == .assumedRole && duration > 3600 {
            throw AWSError(
                code: "ValidationError",
                message: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
        }
        guard duration <= role.maxSessionDuration else {
            throw AWSError(
                code: "ValidationError",
                message: "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
        }
        let policy = try await sessionPolicies(
            inline: sessionPolicy, arns: policyArns, accountId: accountId, validatePolicy: validatePolicy)
        let packed = try Self.packedPolicySize(policy: sessionPolicy, arns: policyArns, tags: tags)
        let now = clock.now
        var session = STSSession(
            account: accountId, accessKeyId: IdentityIdentifiers.accessKeyId(prefix: "ASIA"), sealedSecret: [], tokenHash: "",
            createDate: now, expiration: now.addingTimeInterval(TimeInterval(duration)))
        session.roleName = role.roleName
        session.roleId = role.roleId
        session.rolePath = role.path
        session.sessionName = sessionName
        session.sessionPolicy = policy
        // A chained session keeps the transitive tags of the session that started it.
        var sessionTags = tags
        var transitive = transitiveTagKeys.map { $0.lowercased() }
        for key in caller.principal.transitiveTagKeys {
            guard let (original, value) = caller.principal.sessionTags.first(where: { $0.key.lowercased() == key }) else {
                continue
            }
            sessionTags.append(IAMTag(key: original, value: value))
            transitive.append(key)
        }
        if !sessionTags.isEmpty {
            session.sessionTags = sessionTags
            session.transitiveTagKeys = Array(Set(transitive)).sorted()
        }
        let credentials = try await start(&session)
        return (credentials, Self.principal(of: session), packed)
    }

    /// AWS's limits on session tags beyond the model's (50 tags, key and value lengths and
    /// characters): keys are unique case-insensitively, `aws:` is reserved, transitive keys must
    /// be among the tags, and a chained call cannot set a key its calling session passed on.
    /// STS answers InvalidParameterValue with the messages in LocalStack's AWS-validated STS
    /// provider; the `aws:` message is ours (AWS's wording was not found).
    static func checkSessionTags(_ tags: [IAMTag], transitiveTagKeys: [String], caller: Principal) throws(AWSError) {
        let keys = tags.map { $0.key.lowercased() }
        guard Set(keys).count == keys.count else {
            throw .invalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        }
        if keys.contains(where: { $0.hasPrefix("aws:") }) {
            throw .invalidParameterValue("Tag keys beginning with aws: are reserved for AWS use.")
        }
        if keys.contains(where: { caller.transitiveTagKeys.contains($0) }) {
            throw .invalidParameterValue(
                "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
            )
        }
        if transitiveTagKeys.contains(where: { !keys.contains($0.lowercased()) }) {
            throw .invalidParameterValue("The specified transitive tag key must be included in the requested tags.")
        }
    }

    /// The session policies of a request as one document: the inline policy and the default
    /// versions of the managed policies `arns` names (of `accountId`, or AWS managed). Nil when
    /// there are none. MalformedPolicyDocument for an inline policy that does not parse.
    func sessionPolicies(
        inline: String?, arns: [String], accountId: String, validatePolicy: IAMService.PolicyValidator
    ) async throws(AWSError) -> String? {
        if let inline, let problem = validatePolicy(inline) {
            throw AWSError(code: "MalformedPolicyDocument", message: problem)
        }
        var documents = inline.map { [$0] } ?? []
        for arn in arns {
            guard let document = try await iam.managedPolicyDocument(arn: arn, accountId: accountId) else {
                throw AWSError(
                    code: "InvalidParameterValue", message: "The policy \(arn) does not exist or is not attachable.",
                    httpStatus: 400)
            }
            documents.append(document)
        }
        return PolicyDocuments.combined(documents)
    }

    /// PackedPolicySize: the share (percent) of STS's packed limit that the inline session
    /// policy (white space aside), the managed policies' ARNs and the session tags take.
    /// PackedPolicyTooLarge past 100%. Nil when the request passed none of them. AWS's packing
    /// is its own; this measure only keeps the same limit in view.
    static func packedPolicySize(policy: String?, arns: [String], tags: [IAMTag]) throws(AWSError) -> Int? {
        guard policy != nil || !arns.isEmpty || !tags.isEmpty else { return nil }
        let policySize = (policy ?? "").utf8.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }.count
        let size =
            policySize + arns.reduce(0) { $0 + $1.utf8.count }
            + tags.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
        guard size <= Self.maxSessionPolicySize else {
            throw AWSError(
                code: "PackedPolicyTooLarge",
                message: tags.isEmpty
                    ? "Packed size of the session policy exceeds the limit of 100%."
                    : "Packed size of the session policy and session tags exceeds the limit of 100%.")
        }
        return tags.isEmpty
            ? size * 100 / Self.maxSessionPolicySize
            : max(1, (size * 100 + Self.maxSessionPolicySize - 1) / Self.maxSessionPolicySize)
    }

    /// Credentials for a federated user (GetFederationToken): IAM users with their long-term
    /// keys, and an account's root (at most an hour), may call it; session credentials may
    /// not. The federated user may do what both the calling user's policies and the session
    /// policies allow: without session policies, nothing.
    public func getFederationToken(
        caller: Caller, name: String, durationSeconds: Int?, sessionPolicy: String?, policyArns: [String], tags: [IAMTag],
        validatePolicy: IAMService.PolicyValidator
    ) async throws(AWSError) -> (TemporaryCredentials, Principal, packedPolicySize: Int?) {
        guard caller.principal.kind == .iamUser || caller.principal.kind == .root, !caller.accessKeyId.hasPrefix("ASIA")
        else {
            throw .iamAccessDenied("Cannot call GetFederationToken with session credentials")
        }
        try Self.checkSessionTags(tags, transitiveTagKeys: [], caller: caller.principal)
        let policy = try await sessionPolicies(
            inline: sessionPolicy, arns: policyArns, accountId: caller.accountId, validatePolicy: validatePolicy)
        let packed = try Self.packedPolicySize(policy: sessionPolicy, arns: policyArns, tags: tags)
        // Sessions of the root last an hour at most, longer requests are cut to an hour (as
        // AWS's API reference says of GetFederationToken).
        let limit = caller.principal.kind == .root ? 3600 : Self.sessionTokenDurations.upperBound
        let duration = min(durationSeconds ?? 43_200, limit)
        let now = clock.now
        var session = STSSession(
            account: caller.accountId, accessKeyId: IdentityIdentifiers.accessKeyId(prefix: "ASIA"), sealedSecret: [],
            tokenHash: "", createDate: now, expiration: now.addingTimeInterval(TimeInterval(duration)))
        session.userName = caller.principal.userName
        session.federatedUserName = name
        session.issuerPrincipalId = caller.principal.userId
        session.issuerArn = caller.principal.arn
        session.sessionPolicy = policy ?? Self.allowsNothing
        if !tags.isEmpty { session.sessionTags = tags }
        let credentials = try await start(&session)
        return (credentials, Self.principal(of: session), packed)
    }

    /// The session policy of a federated user given none: it allows nothing, so the user may do
    /// nothing (as AWS documents for GetFederationToken without session policies).
    static let allowsNothing = #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}"#

    /// Session credentials for an IAM user or an account's root, with the same permissions.
    public func getSessionToken(caller: Caller, durationSeconds: Int?) async throws(AWSError) -> TemporaryCredentials {
        guard caller.principal.kind != .assumedRole, !caller.accessKeyId.hasPrefix("ASIA") else {
            throw .iamAccessDenied("Cannot call GetSessionToken with session credentials")
        }
        let limit = caller.principal.kind == .root ? 3600 : Self.sessionTokenDurations.upperBound
        let duration = min(durationSeconds ?? 43_200, limit)
        let now = clock.now
        var session = STSSession(
            account: caller.accountId, accessKeyId: IdentityIdentifiers.accessKeyId(prefix: "ASIA"), sealedSecret: [],
            tokenHash: "", createDate: now, expiration: now.addingTimeInterval(TimeInterval(duration)))
        session.userName = caller.principal.userName
        return try await start(&session)
    }

    /// Makes the session's secret and token, stores it, and hands the credentials out.
    func start(_ session: inout STSSession) async throws(AWSError) -> TemporaryCredentials {
        let secret = IdentityIdentifiers.secretAccessKey()
        let token = IdentityIdentifiers.sessionToken()
        do {
            session.sealedSecret = try vault.seal(
                Array(secret.utf8), context: STSSession.vaultContext(accessKeyId: session.accessKeyId))
            session.tokenHash = Self.tokenHash(token)
            try await store.putEntity(session)
        } catch {
            throw AWSError.internalFailure("InternalFailure")
        }
        return TemporaryCredentials(
            accessKeyId: session.accessKeyId, secretAccessKey: secret, sessionToken: token, expiration: session.expiration)
    }

    public static func tokenHash(_ token: String) -> String { Hex.encode(SHA256.hash(data: Array(token.utf8))) }

    static func principal(of session: STSSession) -> Principal {
        var principal: Principal
        if let roleName = session.roleName, let sessionName = session.sessionName, let roleId = session.roleId {
            principal = Principal(
                kind: .assumedRole, accountId: session.account,
                arn: "arn:aws:sts::\(session.account):assumed-role/\(roleName)/\(sessionName)",
                userId: "\(roleId):\(sessionName)", roleName: roleName,
                roleArn: "arn:aws:iam::\(session.account):role\(session.rolePath ?? "/")\(roleName)",
                sessionCreated: session.createDate)
        } else if let name = session.federatedUserName {
            principal = Principal(
                kind: .federatedUser, accountId: session.account,
                arn: "arn:aws:sts::\(session.account):federated-user/\(name)", userId: "\(session.account):\(name)",
                sessionCreated: session.createDate)
            principal.federatingUserName = session.userName
            principal.federatingPrincipalId = session.issuerPrincipalId
            principal.federatingArn = session.issuerArn
        } else {
            return .root(accountId: session.account)
        }
        for tag in session.sessionTags ?? [] { principal.sessionTags[tag.key] = tag.value }
        principal.transitiveTagKeys = session.transitiveTagKeys ?? []
        return principal
    }

    /// The credential behind temporary access key `accessKeyId`, or nil when there is none.
    public func credential(accessKeyId: String) async throws -> Credential? {
        guard let session = try await store.entity(STSSession.self, accountId: Self.sessionAccount, name: accessKeyId)
        else { return nil }
        let secret = try vault.open(session.sealedSecret, context: STSSession.vaultContext(accessKeyId: accessKeyId))
        var principal = Self.principal(of: session)
        if session.roleName == nil, session.federatedUserName == nil, let userName = session.userName {
            guard let user = try await store.user(accountId: session.account, userName: userName) else { return nil }
            principal = user.principal
        }
        return Credential(
            accessKeyId: accessKeyId, secretAccessKey: secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) },
            principal: principal, sessionTokenHash: session.tokenHash, expiration: session.expiration,
            sessionPolicy: session.sessionPolicy)
    }
}
