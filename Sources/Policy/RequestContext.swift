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
    /// The service clock's time of the request in seconds since 1970, for `aws:CurrentTime` and
    /// `aws:EpochTime`, which are written from it only when a condition reads them (a value in
    /// `conditionKeys` wins).
    public var currentTime: Int?

    /// Creates a request context.
    public init(
        action: String, resource: String, principalArn: String, principalAccount: String,
        principalIdentifiers: [String] = [], conditionKeys: [String: [String]] = [:],
        policyVariables: [String: String] = [:], currentTime: Int? = nil
    ) {
        self.action = action
        self.resource = resource
        self.principalArn = principalArn
        self.principalAccount = principalAccount
        self.principalIdentifiers = principalIdentifiers
        self.conditionKeys = conditionKeys
        self.policyVariables = policyVariables
        self.currentTime = currentTime
    }
}

/// A request context as statements read it: condition keys and policy variables looked up by
/// case-insensitive name, the principal's identifiers, `aws:CurrentTime` and `aws:EpochTime`
/// written from `currentTime` only when a condition asks.
///
/// Nothing is prepared up front: most policies a call meets (a key's default policy, an
/// identity policy without conditions) read no key at all, and a lookup scans the handful of
/// keys a request has.
struct EvaluationEnvironment {
    let context: RequestContext

    init(_ context: RequestContext) {
        self.context = context
    }

    /// The request values of a condition key; `nil` when absent (or present with no values).
    func values(forKey key: String) -> [String]? {
        let folded = Self.folded(key)
        var found: [String]?
        for (name, values) in context.conditionKeys where !values.isEmpty && Self.folded(name) == folded {
            found = (found ?? []) + values
        }
        if let found { return found }
        switch folded {
        case "aws:principalarn" where !context.principalArn.isEmpty: return [context.principalArn]
        case "aws:principalaccount" where !context.principalAccount.isEmpty: return [context.principalAccount]
        case "aws:currenttime": return context.currentTime.map { [PolicyDate.iso8601(epochSeconds: $0)] }
        case "aws:epochtime": return context.currentTime.map { [String($0)] }
        default: return nil
        }
    }

    /// The value of a policy variable, `nil` when unknown: an explicit variable, else a condition
    /// key with exactly one value.
    func variable(_ name: String) -> String? {
        let folded = Self.folded(name)
        for (variable, value) in context.policyVariables where Self.folded(variable) == folded { return value }
        if let values = values(forKey: folded), values.count == 1 { return values[0] }
        return nil
    }

    /// Whether a Principal element's value names the caller itself.
    func isIdentifier(_ value: String) -> Bool {
        value == context.principalArn || context.principalIdentifiers.contains(value)
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
