/// What a caller asks for, described for policy evaluation.
public struct RequestContext: Sendable, Hashable {
    /// The action, e.g. `kms:Encrypt`.
    public var action: String
    /// The resource ARN.
    public var resource: String
    /// The caller's ARN, e.g. `arn:aws:iam::111122223333:user/alice`, or for a role session
    /// `arn:aws:sts::111122223333:assumed-role/Role/Session`.
    public var principalArn: String
    /// The caller's account id.
    public var principalAccount: String
    /// Every ARN form the principal matches in a Principal element (user ARN; for a session both
    /// the session and the role ARN). `principalArn` always counts too. The account root ARN need not be
    /// listed: account principals are matched against `principalAccount`.
    public var principalIdentifiers: [String]
    /// Request condition keys (case-insensitive names) with their values; multi-valued keys have several.
    /// `aws:PrincipalArn` and `aws:PrincipalAccount` are supplied from the fields above when absent.
    public var conditionKeys: [String: [String]]
    /// Values for `${...}` policy variables (case-insensitive names), e.g. `aws:username`.
    /// Single-valued condition keys and `aws:PrincipalAccount`/`aws:PrincipalArn` are also available.
    public var policyVariables: [String: String]

    /// Creates a request context.
    public init(
        action: String, resource: String, principalArn: String, principalAccount: String,
        principalIdentifiers: [String] = [], conditionKeys: [String: [String]] = [:],
        policyVariables: [String: String] = [:]
    ) {
        self.action = action
        self.resource = resource
        self.principalArn = principalArn
        self.principalAccount = principalAccount
        self.principalIdentifiers = principalIdentifiers
        self.conditionKeys = conditionKeys
        self.policyVariables = policyVariables
    }
}

/// A request context prepared for lookups: lowercased key maps, defaults filled in.
struct EvaluationEnvironment {
    let context: RequestContext
    private let keys: [String: [String]]
    private let variables: [String: String]
    let identifiers: Set<String>

    init(_ context: RequestContext) {
        self.context = context
        var keys: [String: [String]] = [:]
        for (name, values) in context.conditionKeys {
            keys[name.lowercased(), default: []] += values
        }
        if keys["aws:principalarn"] == nil, !context.principalArn.isEmpty {
            keys["aws:principalarn"] = [context.principalArn]
        }
        if keys["aws:principalaccount"] == nil, !context.principalAccount.isEmpty {
            keys["aws:principalaccount"] = [context.principalAccount]
        }
        self.keys = keys
        var variables: [String: String] = [:]
        for (name, values) in keys where values.count == 1 {
            variables[name] = values[0]
        }
        for (name, value) in context.policyVariables {
            variables[name.lowercased()] = value
        }
        self.variables = variables
        var identifiers = Set(context.principalIdentifiers)
        if !context.principalArn.isEmpty { identifiers.insert(context.principalArn) }
        self.identifiers = identifiers
    }

    /// The request values of a condition key; `nil` when absent (or present with no values).
    func values(forKey key: String) -> [String]? {
        guard let values = keys[key.lowercased()], !values.isEmpty else { return nil }
        return values
    }

    /// The value of a policy variable, `nil` when unknown.
    func variable(_ name: String) -> String? {
        variables[name.lowercased()]
    }
}
