/// How Principal elements are matched (used by the KMS combination to tell apart a key policy that
/// names the caller from one that delegates to the caller's account).
enum PrincipalMatchMode {
    /// Any form: `*`, account (id or root ARN, matched by `principalAccount`) or exact identifier.
    case any
    /// Only `*` and exact identifiers (the principal is named itself).
    case direct
    /// Only `*` and account principals (the account is named: "Enable IAM User Permissions").
    case account
    /// Only the caller's exact identifiers, not `*` nor its account: whether the policy names the
    /// caller itself (which a permissions boundary's implicit deny does not limit).
    case named
}

extension Statement {
    /// A label for results: the Sid, or the index when there is none.
    func label(index: Int) -> String {
        if let sid, !sid.isEmpty { return sid }
        return String(index)
    }

    /// Whether this statement applies to the request.
    func applies(to env: EvaluationEnvironment, mode: PrincipalMatchMode, variablesEnabled: Bool) -> Bool {
        if let principal, !Self.principal(principal, matches: env, mode: mode) { return false }
        if let notPrincipal, Self.principal(notPrincipal, matches: env, mode: .any) { return false }

        let action = env.context.action
        if let actions, !actions.contains(where: { Wildcard.matchesAction($0, action) }) { return false }
        if let notActions, notActions.contains(where: { Wildcard.matchesAction($0, action) }) { return false }

        let resource = env.context.resource
        let resourceMatches: (String) -> Bool = { template in
            if template == "*" { return true }
            // No variable to substitute: match the text itself, without building a pattern.
            if !variablesEnabled || !template.utf8.contains(UInt8(ascii: "$")) { return Wildcard.matches(template, resource) }
            guard let pattern = PolicyVariables.pattern(template, enabled: variablesEnabled, lookup: env.variable)
            else { return false }
            return pattern.matches(resource)
        }
        if let resources, !resources.contains(where: resourceMatches) { return false }
        if let notResources, notResources.contains(where: resourceMatches) { return false }

        return conditions.allSatisfy { $0.evaluate(in: env, variablesEnabled: variablesEnabled) }
    }

    /// Whether a Principal element names the caller. `*` (or `{"AWS": "*"}`) names everyone; an account
    /// id or account root ARN names every principal of that account; other values must equal one of the
    /// caller's identifiers exactly.
    static func principal(_ element: PrincipalElement, matches env: EvaluationEnvironment, mode: PrincipalMatchMode) -> Bool {
        switch element {
        case .any:
            return mode != .named
        case .principals(let principals):
            return principals.contains { principal in
                if principal.kind == .aws && principal.value == "*" { return mode != .named }
                if let account = principal.accountId {
                    switch mode {
                    case .direct: return env.isIdentifier(principal.value)
                    case .named: return principal.value == env.context.principalArn
                    case .any, .account: return account == env.context.principalAccount
                    }
                }
                switch mode {
                case .account: return false
                // The caller's own ARN only: a role session is not named by its role's ARN here.
                case .named: return principal.value == env.context.principalArn
                case .any, .direct: return env.isIdentifier(principal.value)
                }
            }
        }
    }
}

extension PolicyDocument {
    /// Evaluates one policy on its own: an explicit Deny if any applicable statement denies, `.allow` if
    /// any applicable statement allows, otherwise an implicit deny. For resource policies a statement
    /// applies only when its Principal names the caller (NotPrincipal: when it does not).
    public func evaluate(_ context: RequestContext) -> EvaluationResult {
        evaluate(EvaluationEnvironment(context), mode: .any)
    }

    func evaluate(_ env: EvaluationEnvironment, mode: PrincipalMatchMode) -> EvaluationResult {
        var allowing: String?
        for (index, statement) in statements.enumerated()
        where statement.applies(to: env, mode: mode, variablesEnabled: usesPolicyVariables) {
            let label = statement.label(index: index)
            if statement.effect == .deny {
                return EvaluationResult(
                    decision: .explicitDeny, matchedStatement: label,
                    reason: "explicitly denied by statement \(label)")
            }
            if allowing == nil { allowing = label }
        }
        if let allowing {
            return EvaluationResult(decision: .allow, matchedStatement: allowing, reason: "allowed by statement \(allowing)")
        }
        return EvaluationResult(decision: .implicitDeny, reason: "no statement allows \(env.context.action)")
    }
}
