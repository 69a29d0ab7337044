/// A condition operator such as `StringEquals`, `ForAnyValue:StringLike` or `IpAddressIfExists`.
public struct ConditionOperator: Sendable, Hashable, CustomStringConvertible {
    /// The underlying comparison.
    public enum Base: String, Sendable, Hashable, CaseIterable {
        case stringEquals = "StringEquals"
        case stringNotEquals = "StringNotEquals"
        case stringEqualsIgnoreCase = "StringEqualsIgnoreCase"
        case stringNotEqualsIgnoreCase = "StringNotEqualsIgnoreCase"
        case stringLike = "StringLike"
        case stringNotLike = "StringNotLike"
        case numericEquals = "NumericEquals"
        case numericNotEquals = "NumericNotEquals"
        case numericLessThan = "NumericLessThan"
        case numericLessThanEquals = "NumericLessThanEquals"
        case numericGreaterThan = "NumericGreaterThan"
        case numericGreaterThanEquals = "NumericGreaterThanEquals"
        case dateEquals = "DateEquals"
        case dateNotEquals = "DateNotEquals"
        case dateLessThan = "DateLessThan"
        case dateLessThanEquals = "DateLessThanEquals"
        case dateGreaterThan = "DateGreaterThan"
        case dateGreaterThanEquals = "DateGreaterThanEquals"
        case bool = "Bool"
        case binaryEquals = "BinaryEquals"
        case ipAddress = "IpAddress"
        case notIpAddress = "NotIpAddress"
        case arnEquals = "ArnEquals"
        case arnLike = "ArnLike"
        case arnNotEquals = "ArnNotEquals"
        case arnNotLike = "ArnNotLike"
        case null = "Null"

        /// Negated operators: true when the request value matches none of the policy values,
        /// and true when the key is absent.
        public var isNegated: Bool {
            switch self {
            case .stringNotEquals, .stringNotEqualsIgnoreCase, .stringNotLike, .numericNotEquals,
                .dateNotEquals, .notIpAddress, .arnNotEquals, .arnNotLike:
                return true
            default:
                return false
            }
        }
    }

    /// The `ForAllValues:` / `ForAnyValue:` set prefix.
    public enum SetQualifier: String, Sendable, Hashable, CaseIterable {
        /// Every request value must match; true when the key is absent or empty.
        case forAllValues = "ForAllValues"
        /// Some request value must match; false when the key is absent.
        case forAnyValue = "ForAnyValue"
    }

    /// The comparison.
    public var base: Base
    /// The set prefix, if any.
    public var qualifier: SetQualifier?
    /// The `IfExists` suffix: an absent key satisfies the condition.
    public var ifExists: Bool

    /// Creates an operator from parts.
    public init(base: Base, qualifier: SetQualifier? = nil, ifExists: Bool = false) {
        self.base = base
        self.qualifier = qualifier
        self.ifExists = ifExists
    }

    /// Parses an operator name as written in a policy (case-sensitive, like AWS); `nil` if unknown.
    public init?(rawValue: String) {
        var name = Substring(rawValue)
        var qualifier: SetQualifier?
        for candidate in SetQualifier.allCases where name.hasPrefix(candidate.rawValue + ":") {
            qualifier = candidate
            name = name.dropFirst(candidate.rawValue.count + 1)
        }
        var ifExists = false
        if name.hasSuffix("IfExists") {
            ifExists = true
            name = name.dropLast("IfExists".count)
        }
        guard let base = Base(rawValue: String(name)) else { return nil }
        if base == .null && (ifExists || qualifier != nil) { return nil }
        self.init(base: base, qualifier: qualifier, ifExists: ifExists)
    }

    /// The operator name as written in a policy.
    public var rawValue: String {
        (qualifier.map { $0.rawValue + ":" } ?? "") + base.rawValue + (ifExists ? "IfExists" : "")
    }

    public var description: String { rawValue }
}
