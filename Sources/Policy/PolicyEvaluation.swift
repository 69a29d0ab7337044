/// Combines a KMS key policy with the caller's identity policies and session policy.
public enum PolicyEvaluation {
    /// Decides a KMS request the way AWS KMS does:
    ///
    /// 1. An explicit Deny in any policy (identity, key, session) wins.
    /// 2. A key policy is required: without one nothing is allowed.
    /// 3. Same account (`context.principalAccount == resourceAccount`): allowed when the key policy
    ///    names the caller itself (its ARN, or `*`), or when the key policy names the caller's
    ///    account (account id / root ARN, "Enable IAM User Permissions") **and** an identity policy
    ///    allows. The account's root principal (`isRootPrincipal`) counts as allowed by identity
    ///    policy, so it needs only the key policy to name the account or root.
    /// 4. Cross account: the key policy must allow the caller (named, by its account, or `*`) **and**
    ///    an identity policy in the caller's account must allow (the other account's root counts as
    ///    allowed by identity policy).
    /// 5. A session policy, when present, must also allow (the permissions are the intersection).
    /// 6. A permissions boundary, when present, denies explicitly like any other policy, and what
    ///    identity policies grant (the delegation of 3, and 4) must be allowed by it too. A key
    ///    policy that names the caller's own ARN (a user's, or a role session's) is not limited by
    ///    the boundary's implicit deny, as AWS's evaluation logic has it for same-account
    ///    resource-based policies; one that names the role behind a session, or `*`, is.
    ///
    /// - Returns: the decision, the deciding key-policy statement for allows (or the denying
    ///   statement), and a reason suitable for audit and error messages.
    public static func evaluate(
        identityPolicies: [PolicyDocument], resourcePolicy: PolicyDocument?, sessionPolicy: PolicyDocument?,
        context: RequestContext, resourceAccount: String, isRootPrincipal: Bool,
        permissionsBoundary: PolicyDocument? = nil
    ) -> EvaluationResult {
        let env = EvaluationEnvironment(context)
        let subject = "\(context.principalArn) to perform \(context.action) on \(context.resource)"

        // 1. Explicit denies.
        var identityAllow: EvaluationResult?
        for (index, policy) in identityPolicies.enumerated() {
            let result = policy.evaluate(env, mode: .any)
            switch result.decision {
            case .explicitDeny:
                return deny(
                    result,
                    "an explicit deny in identity policy \(index) (statement \(result.matchedStatement ?? "?")) refuses \(subject)"
                )
            case .allow where identityAllow == nil:
                identityAllow = result
            default:
                break
            }
        }
        let keyAny = resourcePolicy?.evaluate(env, mode: .any)
        if let keyAny, keyAny.decision == .explicitDeny {
            return deny(
                keyAny, "an explicit deny in the key policy (statement \(keyAny.matchedStatement ?? "?")) refuses \(subject)")
        }
        let session = sessionPolicy?.evaluate(env, mode: .any)
        if let session, session.decision == .explicitDeny {
            return deny(
                session,
                "an explicit deny in the session policy (statement \(session.matchedStatement ?? "?")) refuses \(subject)")
        }

        let boundary = permissionsBoundary?.evaluate(env, mode: .any)
        if let boundary, boundary.decision == .explicitDeny {
            return deny(
                boundary,
                "an explicit deny in the permissions boundary (statement \(boundary.matchedStatement ?? "?")) refuses \(subject)")
        }
        let boundaryAllows = boundary?.isAllowed ?? true

        // 2. A key policy is required.
        guard let resourcePolicy, let keyAny else {
            return EvaluationResult(decision: .implicitDeny, reason: "no key policy allows \(subject)")
        }

        let identityAllows = isRootPrincipal || identityAllow != nil
        var granted: EvaluationResult?
        if context.principalAccount == resourceAccount {
            // 3. Same account.
            let direct = resourcePolicy.evaluate(env, mode: .direct)
            if direct.isAllowed, !boundaryAllows, !resourcePolicy.evaluate(env, mode: .named).isAllowed {
                return EvaluationResult(
                    decision: .implicitDeny, matchedStatement: direct.matchedStatement,
                    reason: "the permissions boundary does not allow \(subject)")
            }
            if direct.isAllowed {
                granted = EvaluationResult(
                    decision: .allow, matchedStatement: direct.matchedStatement,
                    reason: "the key policy (statement \(direct.matchedStatement ?? "?")) allows \(subject)")
            } else {
                let delegated = resourcePolicy.evaluate(env, mode: .account)
                if !delegated.isAllowed {
                    return EvaluationResult(
                        decision: .implicitDeny,
                        reason: "no statement in the key policy allows \(subject)")
                }
                guard identityAllows else {
                    return EvaluationResult(
                        decision: .implicitDeny, matchedStatement: delegated.matchedStatement,
                        reason: "the key policy delegates to account \(resourceAccount) but no identity policy allows \(subject)")
                }
                guard boundaryAllows else {
                    return EvaluationResult(
                        decision: .implicitDeny, matchedStatement: delegated.matchedStatement,
                        reason: "the permissions boundary does not allow \(subject)")
                }
                let via =
                    isRootPrincipal ? "the account root" : "identity policy statement \(identityAllow?.matchedStatement ?? "?")"
                granted = EvaluationResult(
                    decision: .allow, matchedStatement: delegated.matchedStatement,
                    reason:
                        "the key policy (statement \(delegated.matchedStatement ?? "?")) delegates to account \(resourceAccount) and \(via) allows \(subject)"
                )
            }
        } else {
            // 4. Cross account.
            guard keyAny.isAllowed else {
                return EvaluationResult(
                    decision: .implicitDeny,
                    reason: "the key policy of account \(resourceAccount) does not allow cross-account access for \(subject)")
            }
            guard identityAllows else {
                return EvaluationResult(
                    decision: .implicitDeny, matchedStatement: keyAny.matchedStatement,
                    reason:
                        "the key policy allows it but no identity policy in account \(context.principalAccount) allows \(subject)"
                )
            }
            guard boundaryAllows else {
                return EvaluationResult(
                    decision: .implicitDeny, matchedStatement: keyAny.matchedStatement,
                    reason: "the permissions boundary does not allow \(subject)")
            }
            granted = EvaluationResult(
                decision: .allow, matchedStatement: keyAny.matchedStatement,
                reason:
                    "the key policy (statement \(keyAny.matchedStatement ?? "?")) and \(isRootPrincipal ? "the account root" : "an identity policy") of account \(context.principalAccount) allow \(subject)"
            )
        }

        // 5. Session policy intersection.
        if let session, !session.isAllowed {
            return EvaluationResult(decision: .implicitDeny, reason: "the session policy does not allow \(subject)")
        }
        return granted ?? EvaluationResult(decision: .implicitDeny, reason: "nothing allows \(subject)")
    }

    private static func deny(_ result: EvaluationResult, _ reason: String) -> EvaluationResult {
        EvaluationResult(decision: .explicitDeny, matchedStatement: result.matchedStatement, reason: reason)
    }
}
