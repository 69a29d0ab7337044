/// Whether a statement grants or refuses.
public enum Effect: String, Sendable, Hashable {
    /// Grants.
    case allow = "Allow"
    /// Refuses explicitly; beats any Allow.
    case deny = "Deny"
}

/// One principal named in a Principal/NotPrincipal element.
public struct PolicyPrincipal: Sendable, Hashable {
    /// The principal type key of the JSON object.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// IAM principals: `*`, account ids, account root ARNs, user/role/session ARNs.
        case aws = "AWS"
        /// AWS service principals such as `kms.amazonaws.com`.
        case service = "Service"
        /// Web-identity / SAML providers.
        case federated = "Federated"
        /// S3 canonical user ids.
        case canonicalUser = "CanonicalUser"
    }

    /// The principal type.
    public var kind: Kind
    /// The value as written (`"*"`, `"111122223333"`, an ARN, a service name...).
    public var value: String

    /// Creates a principal.
    public init(kind: Kind, value: String) {
        self.kind = kind
        self.value = value
    }

    /// The account this principal stands for when it names a whole account
    /// (`"111122223333"` or `"arn:aws:iam::111122223333:root"`), else `nil`.
    public var accountId: String? {
        guard kind == .aws else { return nil }
        if PolicyPrincipal.isAccountId(value) { return value }
        // `arn:<partition>:iam::<account>:root`, read without splitting (this runs per statement
        // per request).
        guard value.hasPrefix("arn:"), value.hasSuffix(":root") else { return nil }
        let utf8 = value.utf8
        let end = utf8.index(utf8.endIndex, offsetBy: -5)
        guard let start = utf8.index(end, offsetBy: -12, limitedBy: utf8.startIndex) else { return nil }
        let account = String(value[start..<end])
        let head = value[..<start]
        guard PolicyPrincipal.isAccountId(account), head.hasSuffix(":iam::") else { return nil }
        let partition = head.dropFirst(4).dropLast(6)
        guard !partition.isEmpty, !partition.contains(":") else { return nil }
        return account
    }

    /// Whether `value` is a 12-digit account id.
    static func isAccountId(_ value: String) -> Bool {
        value.utf8.count == 12 && value.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

/// The value of a Principal or NotPrincipal element.
public enum PrincipalElement: Sendable, Hashable {
    /// `"Principal": "*"`: everyone.
    case any
    /// `"Principal": {"AWS": [...], "Service": ...}`. `{"AWS": "*"}` is `.principals([AWS *])`.
    case principals([PolicyPrincipal])
}

/// One condition: an operator applied to one key with one or more values
/// (a key's values are ORed; conditions of a statement are ANDed).
public struct Condition: Sendable, Hashable {
    /// The operator, with its qualifiers.
    public var conditionOperator: ConditionOperator
    /// The condition key as written (matched case-insensitively).
    public var key: String
    /// The policy values, as strings (JSON numbers and booleans keep their literal text).
    public var values: [String]

    /// Creates a condition.
    public init(conditionOperator: ConditionOperator, key: String, values: [String]) {
        self.conditionOperator = conditionOperator
        self.key = key
        self.values = values
    }
}

/// One statement of a policy document. Exactly one of `actions`/`notActions` is set; at most one of
/// `resources`/`notResources` (neither means "the resource the policy is attached to"), and of
/// `principal`/`notPrincipal`.
public struct Statement: Sendable, Hashable {
    /// The optional statement id.
    public var sid: String?
    /// Allow or Deny.
    public var effect: Effect
    /// The `Principal` element.
    public var principal: PrincipalElement?
    /// The `NotPrincipal` element.
    public var notPrincipal: PrincipalElement?
    /// `Action` patterns (`service:Action`, wildcards, matched case-insensitively).
    public var actions: [String]?
    /// `NotAction` patterns.
    public var notActions: [String]?
    /// `Resource` patterns (case-sensitive, may hold policy variables).
    public var resources: [String]?
    /// `NotResource` patterns.
    public var notResources: [String]?
    /// The conditions, all of which must hold.
    public var conditions: [Condition]

    /// Creates a statement.
    public init(
        sid: String? = nil, effect: Effect,
        principal: PrincipalElement? = nil, notPrincipal: PrincipalElement? = nil,
        actions: [String]? = nil, notActions: [String]? = nil,
        resources: [String]? = nil, notResources: [String]? = nil,
        conditions: [Condition] = []
    ) {
        self.sid = sid
        self.effect = effect
        self.principal = principal
        self.notPrincipal = notPrincipal
        self.actions = actions
        self.notActions = notActions
        self.resources = resources
        self.notResources = notResources
        self.conditions = conditions
    }
}
