public import AWSProtocol
import Foundation
public import Identity
public import Policy
public import RampartCore
import Synchronization

/// Authorization decisions, made by the Policy module for every service: identity policies,
/// resource policies (required, as KMS key policies are, or optional, as the other services'
/// are), session policies and trust policies. Parsed policies are cached by their text.
public enum Authorization {
    /// The service clock that `aws:CurrentTime` and `aws:EpochTime` read (the machine's clock
    /// until the server names its own, so `rampart dev advance-clock` moves policy time too).
    private static let clock = Mutex<any ServiceClock>(SystemClock())

    public static func use(clock: any ServiceClock) {
        self.clock.withLock { $0 = clock }
    }

    static var now: Date { clock.withLock { $0.now } }

    public static let iam: @Sendable (Caller, String, String, [String: [String]]) -> AWSError? = {
        caller, action, resource, extra in
        if caller.principal.kind == .root && caller.sessionPolicy == nil { return nil }
        let context = PolicyContext.make(action: action, resource: resource, caller: caller, extra: extra)
        let result = identityOnly(caller, context)
        if result.isAllowed { return nil }
        let boundary = result.reason.contains("permissions boundary")
        let why =
            result.decision == .explicitDeny
            ? "with an explicit deny in \(boundary ? "a permissions boundary" : "an identity-based policy")"
            : "because no \(boundary ? "permissions boundary" : "identity-based policy") allows the \(action) action"
        return .iamAccessDenied(
            "User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \(resource) \(why)")
    }

    /// Identity policies alone (no resource policy in play): an explicit Deny in any wins,
    /// otherwise an Allow in any allows (an account's root needs none); a session policy and the
    /// caller's permissions boundary must allow too.
    public static func identityOnly(_ caller: Caller, _ context: RequestContext) -> EvaluationResult {
        let documents = PolicyCache.shared.documents(caller.identityPolicies, kind: .identity)
        let results = documents.map { $0.evaluate(context) }
        if let deny = results.first(where: { $0.decision == .explicitDeny }) { return deny }
        if let boundary = permissionsBoundary(caller)?.evaluate(context), !boundary.isAllowed {
            return boundary.decision == .explicitDeny
                ? EvaluationResult(
                    decision: .explicitDeny, matchedStatement: boundary.matchedStatement,
                    reason: "an explicit deny in the permissions boundary refuses \(context.action)")
                : EvaluationResult(
                    decision: .implicitDeny, reason: "the permissions boundary does not allow \(context.action)")
        }
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

    public static func sessionPolicy(_ caller: Caller) -> PolicyDocument? {
        caller.sessionPolicy.flatMap { PolicyCache.shared.document($0, kind: .identity) }
    }

    /// The caller's permissions boundary, parsed; one that does not parse denies everything.
    public static func permissionsBoundary(_ caller: Caller) -> PolicyDocument? {
        guard let text = caller.permissionsBoundary else { return nil }
        return PolicyCache.shared.document(text, kind: .identity)
            ?? PolicyCache.shared.document(deniesEverything, kind: .identity)
    }

    private static let deniesEverything =
        #"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#

    /// May `caller` assume `role`? Its trust policy is the resource policy, combined with the
    /// caller's identity policies as AWS combines them (cross-account needs both). When session
    /// tags are passed, `sts:TagSession` must be allowed as well; `aws:RequestTag/*`,
    /// `aws:TagKeys` and `sts:TransitiveTagKeys` describe them to both decisions.
    public static func assumeRole(
        _ caller: Caller, _ role: IAMRole?, roleArn: String, tags: [IAMTag] = [], transitiveTagKeys: [String] = []
    ) -> AWSError? {
        let denied = { (action: String) in
            AWSError.iamAccessDenied(
                "User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \(roleArn)")
        }
        guard let role, let trust = PolicyCache.shared.document(role.assumeRolePolicy, kind: .resource) else {
            return denied("sts:AssumeRole")
        }
        var extra = RequestTags.conditionKeys(tags: tags.map { ($0.key, $0.value) }, removing: [])
        if !transitiveTagKeys.isEmpty { extra["sts:TransitiveTagKeys"] = transitiveTagKeys }
        let actions = tags.isEmpty ? ["sts:AssumeRole"] : ["sts:AssumeRole", "sts:TagSession"]
        for action in actions {
            let context = PolicyContext.make(action: action, resource: role.arn, caller: caller, extra: extra)
            let result = PolicyEvaluation.evaluate(
                identityPolicies: PolicyCache.shared.documents(caller.identityPolicies, kind: .identity),
                resourcePolicy: trust, sessionPolicy: sessionPolicy(caller), context: context,
                resourceAccount: role.accountId, isRootPrincipal: caller.principal.kind == .root,
                permissionsBoundary: permissionsBoundary(caller))
            if !result.isAllowed { return denied(action) }
        }
        return nil
    }

    /// May `caller` call GetFederationToken for the federated user `name` (and tag its session)?
    /// The caller's identity policies decide, as for IAM's own actions.
    public static func getFederationToken(_ caller: Caller, name: String, tags: [IAMTag]) -> AWSError? {
        let resource = "arn:aws:sts::\(caller.accountId):federated-user/\(name)"
        let extra = RequestTags.conditionKeys(tags: tags.map { ($0.key, $0.value) }, removing: [])
        let actions = tags.isEmpty ? ["sts:GetFederationToken"] : ["sts:GetFederationToken", "sts:TagSession"]
        for action in actions {
            if let denial = iam(caller, action, resource, extra) { return denial }
        }
        return nil
    }

    public static let validateTrustPolicy: IAMService.PolicyValidator = { document in
        validate(document, kind: .resource)
    }

    public static func validate(_ document: String, kind: PolicyKind) -> String? {
        do {
            _ = try PolicyDocument.parse(document, kind: kind)
            return nil
        } catch {
            return error.message
        }
    }

    public static let validateIdentityPolicy: IAMService.PolicyValidator = { document in
        validate(document, kind: .identity)
    }
}

/// The request context policies are evaluated against: the action, the resource, who asks,
/// and the global condition keys (`aws:SourceIp`, `aws:PrincipalArn`, ...).
public enum PolicyContext {
    public static func make(action: String, resource: String, caller: Caller, extra: [String: [String]]) -> RequestContext {
        let p = caller.principal
        if p.kind == .awsService { return service(action: action, resource: resource, caller: caller, extra: extra) }
        var keys = extra
        keys["aws:SourceIp"] = [caller.sourceIPAddress]
        // A role session is known to policies by its role's ARN as well as its own.
        keys["aws:PrincipalArn"] = [p.roleArn ?? p.arn]
        keys["aws:PrincipalAccount"] = [p.accountId]
        keys["aws:PrincipalType"] = [
            p.kind == .root ? "Account" : p.kind == .iamUser ? "User" : p.kind == .federatedUser ? "FederatedUser" : "AssumedRole"
        ]
        keys["aws:userid"] = [p.userId]
        if let name = p.userName { keys["aws:username"] = [name] }
        keys["aws:SecureTransport"] = [caller.secureTransport ? "true" : "false"]
        for (key, value) in caller.principalTags { keys["aws:PrincipalTag/\(key)"] = [value] }
        if let service = caller.viaService {
            keys["kms:ViaService"] = ["\(service).\(caller.region).amazonaws.com"]
            keys["aws:CalledVia"] = ["\(service).amazonaws.com"]
        }
        var variables: [String: String] = ["aws:userid": p.userId, "aws:PrincipalAccount": p.accountId]
        if let name = p.userName { variables["aws:username"] = name }
        return RequestContext(
            action: action, resource: resource, principalArn: p.arn, principalAccount: p.accountId,
            principalIdentifiers: [p.arn] + (p.roleArn.map { [$0] } ?? []), conditionKeys: keys, policyVariables: variables,
            currentTime: Int(Authorization.now.timeIntervalSince1970.rounded(.down)))
    }
}

extension PolicyContext {
    /// A service principal's context: it has no account, user or tags; `aws:PrincipalServiceName`,
    /// `aws:SourceArn` and `aws:SourceAccount` say which service acts and for what.
    static func service(action: String, resource: String, caller: Caller, extra: [String: [String]]) -> RequestContext {
        let name = caller.principal.arn
        var keys = extra
        keys["aws:PrincipalServiceName"] = [name]
        keys["aws:PrincipalIsAWSService"] = ["true"]
        if let sourceArn = caller.sourceArn { keys["aws:SourceArn"] = [sourceArn] }
        if let sourceAccount = caller.sourceAccount { keys["aws:SourceAccount"] = [sourceAccount] }
        keys["aws:SecureTransport"] = ["true"]
        return RequestContext(
            action: action, resource: resource, principalArn: name, principalAccount: "", principalIdentifiers: [name],
            conditionKeys: keys, policyVariables: [:], currentTime: Int(Authorization.now.timeIntervalSince1970.rounded(.down)))
    }
}

extension Authorization {
    /// Decides a call on a resource with a resource policy of its own, under AWS's rule for the
    /// service (`.required` for KMS key policies, `.optional` for the others), with the caller's
    /// identity and session policies. Service principals are allowed by the resource policy alone.
    public static func evaluate(
        _ caller: Caller, action: String, resource: String, resourceAccount: String, resourcePolicy: String?,
        rule: ResourcePolicyRule, extra: [String: [String]] = [:]
    ) -> EvaluationResult {
        let context = PolicyContext.make(action: action, resource: resource, caller: caller, extra: extra)
        let policy = resourcePolicy.flatMap { PolicyCache.shared.document($0, kind: .resource) }
        return PolicyEvaluation.evaluate(
            rule: rule, identityPolicies: PolicyCache.shared.documents(caller.identityPolicies, kind: .identity),
            resourcePolicy: policy, sessionPolicy: sessionPolicy(caller), context: context,
            resourceAccount: resourceAccount, isRootPrincipal: caller.principal.kind == .root,
            isServicePrincipal: caller.principal.kind == .awsService, permissionsBoundary: permissionsBoundary(caller))
    }

    /// `evaluate`, as AWS's AccessDenied error when refused.
    public static func authorize(
        _ caller: Caller, action: String, resource: String, resourceAccount: String, resourcePolicy: String?,
        rule: ResourcePolicyRule, extra: [String: [String]] = [:]
    ) -> AWSError? {
        let result = evaluate(
            caller, action: action, resource: resource, resourceAccount: resourceAccount, resourcePolicy: resourcePolicy,
            rule: rule, extra: extra)
        if result.isAllowed { return nil }
        let why =
            result.decision == .explicitDeny
            ? "with an explicit deny" : "because no identity-based or resource-based policy allows the \(action) action"
        return .accessDenied(
            "User: \(caller.principal.arn) is not authorized to perform: \(action) on resource: \(resource) \(why)")
    }
}

/// Parsed policies by text: parsing happens once per distinct document, not per request.
public final class PolicyCache: Sendable {
    public static let shared = PolicyCache()
    /// By kind, then text (no key string is built per request).
    private let cache = Mutex<[PolicyKind: [String: PolicyDocument]]>([:])

    public func document(_ text: String, kind: PolicyKind) -> PolicyDocument? {
        if let hit = cache.withLock({ $0[kind]?[text] }) { return hit }
        guard let parsed = try? PolicyDocument.parse(text, kind: kind) else { return nil }
        cache.withLock { c in
            if c[kind, default: [:]].count > 10_000 { c[kind] = [:] }
            c[kind, default: [:]][text] = parsed
        }
        return parsed
    }

    public func documents(_ texts: [String], kind: PolicyKind) -> [PolicyDocument] {
        texts.compactMap { document($0, kind: kind) }
    }
}
