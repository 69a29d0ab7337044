import AWSProtocol
import Foundation
import Identity
import KMS
import Policy
import Synchronization

/// The server's authorization decisions, made by the Policy module: key policies and identity
/// policies for KMS (grants are checked by the key service when these refuse), identity
/// policies for IAM. Parsed policies are cached by their text.
enum Authorization {
    static let kms: any KMSAuthorizer = PolicyKMSAuthorizer()

    static let iam: @Sendable (Caller, String, String, [String: [String]]) -> AWSError? = { caller, action, resource, extra in
        if caller.principal.kind == .root && caller.sessionPolicy == nil { return nil }
        let context = PolicyContext.make(action: action, resource: resource, caller: caller, extra: extra)
        let result = identityOnly(caller, context)
        if result.isAllowed { return nil }
        let why =
            result.decision == .explicitDeny
            ? "with an explicit deny in an identity-based policy" : "because no identity-based policy allows the \(action) action"
        return .iamAccessDenied(
            "User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \(resource) \(why)")
    }

    /// Identity policies alone (no resource policy in play): an explicit Deny in any wins,
    /// otherwise an Allow in any allows (an account's root needs none); a session policy must
    /// allow too.
    static func identityOnly(_ caller: Caller, _ context: RequestContext) -> EvaluationResult {
        let documents = PolicyCache.shared.documents(caller.identityPolicies, kind: .identity)
        let results = documents.map { $0.evaluate(context) }
        if let deny = results.first(where: { $0.decision == .explicitDeny }) { return deny }
        let session = sessionPolicy(caller).map { $0.evaluate(context) }
        if let session, !session.isAllowed {
            return session.decision == .explicitDeny
                ? session
                : EvaluationResult(decision: .implicitDeny, reason: "the session policy does not allow \(context.action)")
        }
        if caller.principal.kind == .root {
            return EvaluationResult(decision: .allow, reason: "the account's root")
        }
        if let allow = results.first(where: { $0.decision == .allow }) { return allow }
        return EvaluationResult(decision: .implicitDeny, reason: "no identity-based policy allows \(context.action)")
    }

    static func sessionPolicy(_ caller: Caller) -> PolicyDocument? {
        caller.sessionPolicy.flatMap { PolicyCache.shared.document($0, kind: .identity) }
    }

    /// May `caller` assume `role`? Its trust policy is the resource policy, combined with the
    /// caller's identity policies as AWS combines them (cross-account needs both).
    static func assumeRole(_ caller: Caller, _ role: IAMRole?, roleArn: String) -> AWSError? {
        let denied = AWSError.iamAccessDenied(
            "User: \(caller.principal.arn) is not authorized to perform: sts:AssumeRole on resource: \(roleArn)")
        guard let role, let trust = PolicyCache.shared.document(role.assumeRolePolicy, kind: .resource) else { return denied }
        let context = PolicyContext.make(action: "sts:AssumeRole", resource: role.arn, caller: caller, extra: [:])
        let result = PolicyEvaluation.evaluate(
            identityPolicies: PolicyCache.shared.documents(caller.identityPolicies, kind: .identity), resourcePolicy: trust,
            sessionPolicy: sessionPolicy(caller), context: context, resourceAccount: role.accountId,
            isRootPrincipal: caller.principal.kind == .root)
        return result.isAllowed ? nil : denied
    }

    static let validateTrustPolicy: IAMService.PolicyValidator = { document in
        validate(document, kind: .resource)
    }

    static func validate(_ document: String, kind: PolicyKind) -> String? {
        do {
            _ = try PolicyDocument.parse(document, kind: kind)
            return nil
        } catch {
            return error.message
        }
    }

    static let validateIdentityPolicy: IAMService.PolicyValidator = { document in
        validate(document, kind: .identity)
    }
}

/// Key policies and identity policies, combined as AWS combines them for KMS.
struct PolicyKMSAuthorizer: KMSAuthorizer {
    func authorize(_ request: KMSAccessRequest) -> AWSError? {
        let caller = request.caller
        let isRoot = caller.principal.kind == .root
        guard let key = request.key else {
            // CreateKey, ListKeys, ListAliases, GenerateRandom: identity policies only.
            if isRoot && caller.sessionPolicy == nil { return nil }
            let context = PolicyContext.make(
                action: request.action, resource: request.resource ?? "*", caller: caller, extra: request.conditionKeys)
            let result = Authorization.identityOnly(caller, context)
            return result.isAllowed
                ? nil : .accessDenied(AccessDeniedMessage.text(request, because: Self.because(result, request)))
        }
        var extra = request.conditionKeys
        extra["kms:CallerAccount"] = [caller.accountId]
        extra["kms:KeySpec"] = [key.keySpec.rawValue]
        extra["kms:KeyUsage"] = [key.keyUsage.rawValue]
        extra["kms:KeyOrigin"] = [key.origin.rawValue]
        for tag in key.tags { extra["aws:ResourceTag/\(tag.key)"] = [tag.value] }
        let context = PolicyContext.make(action: request.action, resource: key.arn, caller: caller, extra: extra)
        let keyPolicy = PolicyCache.shared.document(key.policy, kind: .keyPolicy)
        let result = PolicyEvaluation.evaluate(
            identityPolicies: PolicyCache.shared.documents(caller.identityPolicies, kind: .identity), resourcePolicy: keyPolicy,
            sessionPolicy: Authorization.sessionPolicy(caller), context: context, resourceAccount: key.accountId,
            isRootPrincipal: isRoot)
        return result.isAllowed ? nil : .accessDenied(AccessDeniedMessage.text(request, because: Self.because(result, request)))
    }

    static func because(_ result: EvaluationResult, _ request: KMSAccessRequest) -> String {
        if result.decision == .explicitDeny { return "with an explicit deny" }
        if let key = request.key, key.accountId != request.caller.accountId {
            return "no resource-based policy allows the \(request.action) action"
        }
        return "no identity-based policy allows the \(request.action) action"
    }
}

/// The request context policies are evaluated against: the action, the resource, who asks,
/// and the global condition keys (`aws:SourceIp`, `aws:PrincipalArn`, ...).
enum PolicyContext {
    static func make(action: String, resource: String, caller: Caller, extra: [String: [String]]) -> RequestContext {
        let p = caller.principal
        var keys = extra
        keys["aws:SourceIp"] = [caller.sourceIPAddress]
        // A role session is known to policies by its role's ARN as well as its own.
        keys["aws:PrincipalArn"] = [p.roleArn ?? p.arn]
        keys["aws:PrincipalAccount"] = [p.accountId]
        keys["aws:PrincipalType"] = [p.kind == .root ? "Account" : p.kind == .iamUser ? "User" : "AssumedRole"]
        keys["aws:userid"] = [p.userId]
        if let name = p.userName { keys["aws:username"] = [name] }
        keys["aws:SecureTransport"] = [caller.secureTransport ? "true" : "false"]
        for (key, value) in caller.principalTags { keys["aws:PrincipalTag/\(key)"] = [value] }
        if let service = caller.viaService {
            keys["kms:ViaService"] = ["\(service).\(caller.region).amazonaws.com"]
            keys["aws:CalledVia"] = ["\(service).amazonaws.com"]
        }
        let now = Date()
        keys["aws:CurrentTime"] = [Timestamp.iso8601(now, fractional: false)]
        keys["aws:EpochTime"] = [String(Int(now.timeIntervalSince1970))]
        var variables: [String: String] = ["aws:userid": p.userId, "aws:PrincipalAccount": p.accountId]
        if let name = p.userName { variables["aws:username"] = name }
        return RequestContext(
            action: action, resource: resource, principalArn: p.arn, principalAccount: p.accountId,
            principalIdentifiers: [p.arn] + (p.roleArn.map { [$0] } ?? []), conditionKeys: keys, policyVariables: variables)
    }
}

/// Parsed policies by text: parsing happens once per distinct document, not per request.
final class PolicyCache: Sendable {
    static let shared = PolicyCache()
    /// By kind, then text (no key string is built per request).
    private let cache = Mutex<[PolicyKind: [String: PolicyDocument]]>([:])

    func document(_ text: String, kind: PolicyKind) -> PolicyDocument? {
        if let hit = cache.withLock({ $0[kind]?[text] }) { return hit }
        guard let parsed = try? PolicyDocument.parse(text, kind: kind) else { return nil }
        cache.withLock { c in
            if c[kind, default: [:]].count > 10_000 { c[kind] = [:] }
            c[kind, default: [:]][text] = parsed
        }
        return parsed
    }

    func documents(_ texts: [String], kind: PolicyKind) -> [PolicyDocument] {
        texts.compactMap { document($0, kind: kind) }
    }
}
