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
    /// Condition keys by lowercased name.
    private let keys: [String: [String]]
    /// Explicit policy variables by lowercased name; single-valued condition keys serve too.
    private let variables: [String: String]
    let identifiers: Set<String>

    init(_ context: RequestContext) {
        self.context = context
        var keys: [String: [String]] = Dictionary(minimumCapacity: context.conditionKeys.count + 2)
        for (name, values) in context.conditionKeys {
            keys[Self.folded(name), default: []] += values
        }
        if keys["aws:principalarn"] == nil, !context.principalArn.isEmpty {
            keys["aws:principalarn"] = [context.principalArn]
        }
        if keys["aws:principalaccount"] == nil, !context.principalAccount.isEmpty {
            keys["aws:principalaccount"] = [context.principalAccount]
        }
        self.keys = keys
        var variables: [String: String] = [:]
        for (name, value) in context.policyVariables {
            variables[Self.folded(name)] = value
        }
        self.variables = variables
        var identifiers = Set(context.principalIdentifiers)
        if !context.principalArn.isEmpty { identifiers.insert(context.principalArn) }
        self.identifiers = identifiers
    }

    /// The request values of a condition key; `nil` when absent (or present with no values).
    func values(forKey key: String) -> [String]? {
        guard let values = keys[Self.folded(key)], !values.isEmpty else { return nil }
        return values
    }

    /// The value of a policy variable, `nil` when unknown: an explicit variable, else a condition
    /// key with exactly one value.
    func variable(_ name: String) -> String? {
        let folded = Self.folded(name)
        if let value = variables[folded] { return value }
        if let values = keys[folded], values.count == 1 { return values[0] }
        return nil
    }

    /// Key names compare case-insensitively. Most arrive lowercase already or ASCII: only those
    /// with an ASCII capital are copied, and non-ASCII names take the full Unicode lowering.
    static func folded(_ name: String) -> String {
        var needsWork = false
        for byte in name.utf8 {
            if byte >= 0x80 { return name.lowercased() }
            if byte >= 0x41 && byte <= 0x5A { needsWork = true }
        }
        guard needsWork else { return name }
        return String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
