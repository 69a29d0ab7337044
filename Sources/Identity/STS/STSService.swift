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
    /// (its trust policy and the caller's identity policies); a role that does not exist is
    /// refused the same way, as STS does not reveal which roles exist.
    public func assumeRole(
        caller: Caller, roleArn: String, sessionName: String, durationSeconds: Int?, sessionPolicy: String?,
        validatePolicy: IAMService.PolicyValidator, authorize: (IAMRole?) -> AWSError?
    ) async throws(AWSError) -> (TemporaryCredentials, Principal, packedPolicySize: Int?) {
        guard let (accountId, name) = Self.roleName(arn: roleArn) else {
            throw AWSError(code: "ValidationError", message: "\(roleArn) is invalid")
        }
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
        var packed: Int?
        if let sessionPolicy {
            if let problem = validatePolicy(sessionPolicy) {
                throw AWSError(code: "MalformedPolicyDocument", message: problem)
            }
            let size = sessionPolicy.utf8.filter { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }.count
            guard size <= Self.maxSessionPolicySize else {
                throw AWSError(
                    code: "PackedPolicyTooLarge", message: "Packed size of the session policy exceeds the limit of 100%.")
            }
            packed = size * 100 / Self.maxSessionPolicySize
        }
        let now = clock.now
        var session = STSSession(
            account: accountId, accessKeyId: IdentityIdentifiers.accessKeyId(prefix: "ASIA"), sealedSecret: [], tokenHash: "",
            createDate: now, expiration: now.addingTimeInterval(TimeInterval(duration)))
        session.roleName = role.roleName
        session.roleId = role.roleId
        session.rolePath = role.path
        session.sessionName = sessionName
        session.sessionPolicy = sessionPolicy
        let credentials = try await start(&session)
        return (credentials, Self.principal(of: session), packed)
    }

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
        if let roleName = session.roleName, let sessionName = session.sessionName, let roleId = session.roleId {
            return Principal(
                kind: .assumedRole, accountId: session.account,
                arn: "arn:aws:sts::\(session.account):assumed-role/\(roleName)/\(sessionName)",
                userId: "\(roleId):\(sessionName)", roleName: roleName,
                roleArn: "arn:aws:iam::\(session.account):role\(session.rolePath ?? "/")\(roleName)",
                sessionCreated: session.createDate)
        }
        return .root(accountId: session.account)
    }

    /// The credential behind temporary access key `accessKeyId`, or nil when there is none.
    public func credential(accessKeyId: String) async throws -> Credential? {
        guard let session = try await store.entity(STSSession.self, accountId: Self.sessionAccount, name: accessKeyId)
        else { return nil }
        let secret = try vault.open(session.sealedSecret, context: STSSession.vaultContext(accessKeyId: accessKeyId))
        var principal = Self.principal(of: session)
        if session.roleName == nil, let userName = session.userName {
            guard let user = try await store.user(accountId: session.account, userName: userName) else { return nil }
            principal = user.principal
        }
        return Credential(
            accessKeyId: accessKeyId, secretAccessKey: secret.withUnsafeBytes { String(decoding: $0, as: UTF8.self) },
            principal: principal, sessionTokenHash: session.tokenHash, expiration: session.expiration,
            sessionPolicy: session.sessionPolicy)
    }
}
