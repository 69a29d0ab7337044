/// How a service's resource policy combines with identity policies.
public enum ResourcePolicyRule: Sendable {
    /// The resource policy must allow (KMS key policies): `PolicyEvaluation.evaluate`.
    case required
    /// The resource policy may allow (Lambda, SNS, SQS, Secrets Manager, EventBridge buses): within
    /// the resource's account the identity policies **or** the resource policy allow; across
    /// accounts both must; a service principal needs the resource policy.
    case optional
}

extension PolicyEvaluation {
    /// Decides a request under `rule`. For `.required` this is `evaluate`; for `.optional`:
    ///
    /// 1. An explicit Deny in any policy (identity, resource, session) wins.
    /// 2. A service principal (`events.amazonaws.com`, no account) is allowed only by a resource
    ///    policy statement that names it (or `*`); its conditions see `aws:SourceArn` and
    ///    `aws:SourceAccount`.
    /// 3. Same account: an identity policy allows (the account's root always does), **or** the
    ///    resource policy names the caller itself (its ARN, its role's ARN, or `*`). A statement
    ///    naming only the account delegates to identity policies, as AWS does.
    /// 4. Cross account: the resource policy allows the caller (named, by its account, or `*`)
    ///    **and** an identity policy in the caller's account allows (its root counts as allowing).
    /// 5. A session policy, when present, must also allow.
    /// 6. A permissions boundary limits what identity policies grant (and denies explicitly); a
    ///    resource policy naming the caller's own ARN is not limited by its implicit deny.
    public static func evaluate(
        rule: ResourcePolicyRule, identityPolicies: [PolicyDocument], resourcePolicy: PolicyDocument?,
        sessionPolicy: PolicyDocument?, context: RequestContext, resourceAccount: String, isRootPrincipal: Bool,
        isServicePrincipal: Bool = false, permissionsBoundary: PolicyDocument? = nil
    ) -> EvaluationResult {
        if rule == .required {
            return evaluate(
                identityPolicies: identityPolicies, resourcePolicy: resourcePolicy, sessionPolicy: sessionPolicy,
                context: context, resourceAccount: resourceAccount, isRootPrincipal: isRootPrincipal,
                permissionsBoundary: permissionsBoundary)
        }
        let env = EvaluationEnvironment(context)
        let subject = "\(context.principalArn) to perform \(context.action) on \(context.resource)"

        // 1. Explicit denies.
        var identityAllow: EvaluationResult?
        for policy in identityPolicies {
            let result = policy.evaluate(env, mode: .any)
            if result.decision == .explicitDeny {
                return EvaluationResult(
                    decision: .explicitDeny, matchedStatement: result.matchedStatement,
                    reason: "an explicit deny in an identity policy refuses \(subject)")
            }
            if result.isAllowed, identityAllow == nil { identityAllow = result }
        }
        let resourceAny = resourcePolicy?.evaluate(env, mode: .any)
        if let resourceAny, resourceAny.decision == .explicitDeny {
            return EvaluationResult(
                decision: .explicitDeny, matchedStatement: resourceAny.matchedStatement,
                reason: "an explicit deny in the resource policy refuses \(subject)")
        }
        let session = sessionPolicy?.evaluate(env, mode: .any)
        if let session, session.decision == .explicitDeny {
            return EvaluationResult(
                decision: .explicitDeny, matchedStatement: session.matchedStatement,
                reason: "an explicit deny in the session policy refuses \(subject)")
        }

        let boundary = permissionsBoundary?.evaluate(env, mode: .any)
        if let boundary, boundary.decision == .explicitDeny {
            return EvaluationResult(
                decision: .explicitDeny, matchedStatement: boundary.matchedStatement,
                reason: "an explicit deny in the permissions boundary refuses \(subject)")
        }
        if boundary?.isAllowed == false, !isRootPrincipal {
            // What identity policies grant no longer counts; only a resource policy naming the
            // caller's own ARN, in its own account, still may.
            identityAllow = nil
            if context.principalAccount != resourceAccount || resourcePolicy?.evaluate(env, mode: .named).isAllowed != true {
                return EvaluationResult(decision: .implicitDeny, reason: "the permissions boundary does not allow \(subject)")
            }
        }

        var granted: EvaluationResult?
        if isServicePrincipal {
            // 2. A service acts only on the resource policy's word.
            if let direct = resourcePolicy?.evaluate(env, mode: .direct), direct.isAllowed {
                granted = EvaluationResult(
                    decision: .allow, matchedStatement: direct.matchedStatement,
                    reason: "the resource policy (statement \(direct.matchedStatement ?? "?")) allows \(subject)")
            } else {
                return EvaluationResult(decision: .implicitDeny, reason: "no resource policy statement allows \(subject)")
            }
        } else if context.principalAccount == resourceAccount {
            // 3. Same account: either allows.
            if isRootPrincipal || identityAllow != nil {
                granted = EvaluationResult(
                    decision: .allow, matchedStatement: identityAllow?.matchedStatement,
                    reason: isRootPrincipal ? "the account root may \(subject)" : "an identity policy allows \(subject)")
            } else if let direct = resourcePolicy?.evaluate(env, mode: .direct), direct.isAllowed {
                granted = EvaluationResult(
                    decision: .allow, matchedStatement: direct.matchedStatement,
                    reason: "the resource policy (statement \(direct.matchedStatement ?? "?")) allows \(subject)")
            } else {
                return EvaluationResult(
                    decision: .implicitDeny, reason: "no identity-based or resource-based policy allows \(subject)")
            }
        } else {
            // 4. Cross account: both.
            guard let resourceAny, resourceAny.isAllowed else {
                return EvaluationResult(
                    decision: .implicitDeny,
                    reason: "the resource policy of account \(resourceAccount) does not allow \(subject)")
            }
            guard isRootPrincipal || identityAllow != nil else {
                return EvaluationResult(
                    decision: .implicitDeny, matchedStatement: resourceAny.matchedStatement,
                    reason:
                        "the resource policy allows it but no identity policy in account \(context.principalAccount) allows \(subject)"
                )
            }
            granted = EvaluationResult(
                decision: .allow, matchedStatement: resourceAny.matchedStatement,
                reason: "the resource policy and an identity policy of account \(context.principalAccount) allow \(subject)")
        }

        // 5. Session policy intersection.
        if let session, !session.isAllowed {
            return EvaluationResult(decision: .implicitDeny, reason: "the session policy does not allow \(subject)")
        }
        return granted ?? EvaluationResult(decision: .implicitDeny, reason: "nothing allows \(subject)")
    }
}
