import Foundation

/// A policy value after variable substitution, ready for its operator.
private enum PreparedValue {
    case string(String)
    case pattern(WildcardPattern)
}

extension Condition {
    /// Evaluates the condition against a request, following AWS's rules:
    /// - `Null`: `true` requires the key absent, `false` requires it present.
    /// - absent key: `…IfExists` → true; `ForAllValues:` → true; `ForAnyValue:` → false;
    ///   negated operators (StringNotEquals, NotIpAddress, ArnNotLike, …) → true; others → false.
    /// - several policy values are ORed (for negated operators: the request value must match none).
    /// - a multi-valued key without a set prefix is true when any request value matches
    ///   (negated: when none does); `ForAnyValue:` needs one request value to satisfy the operator,
    ///   `ForAllValues:` needs all of them to.
    /// - a value whose policy variable is unknown matches nothing.
    func evaluate(in env: EvaluationEnvironment, variablesEnabled: Bool) -> Bool {
        let op = conditionOperator
        let requestValues = env.values(forKey: key)

        if op.base == .null {
            let absent = requestValues == nil
            return values.contains { value in
                switch value.lowercased() {
                case "true": return absent
                case "false": return !absent
                default: return false
                }
            }
        }

        guard let requestValues else {
            if op.ifExists { return true }
            switch op.qualifier {
            case .forAllValues?: return true
            case .forAnyValue?: return false
            case nil: return op.base.isNegated
            }
        }

        let prepared = values.compactMap { prepare($0, env: env, variablesEnabled: variablesEnabled) }
        let matchesSome: (String) -> Bool = { request in
            prepared.contains { Self.positiveMatch(op.base, request: request, policy: $0) }
        }
        let negated = op.base.isNegated
        switch op.qualifier {
        case nil:
            let any = requestValues.contains(where: matchesSome)
            return negated ? !any : any
        case .forAnyValue?:
            return negated ? requestValues.contains { !matchesSome($0) } : requestValues.contains(where: matchesSome)
        case .forAllValues?:
            return negated ? requestValues.allSatisfy { !matchesSome($0) } : requestValues.allSatisfy(matchesSome)
        }
    }

    private func prepare(_ value: String, env: EvaluationEnvironment, variablesEnabled: Bool) -> PreparedValue? {
        switch conditionOperator.base {
        case .stringLike, .stringNotLike, .arnEquals, .arnLike, .arnNotEquals, .arnNotLike:
            return PolicyVariables.pattern(value, enabled: variablesEnabled, lookup: env.variable).map { .pattern($0) }
        default:
            return PolicyVariables.substitute(value, enabled: variablesEnabled, lookup: env.variable).map { .string($0) }
        }
    }

    /// The non-negated sense of `base` for one request value and one policy value.
    private static func positiveMatch(_ base: ConditionOperator.Base, request: String, policy: PreparedValue) -> Bool {
        switch policy {
        case .pattern(let pattern):
            switch base {
            case .stringLike, .stringNotLike: return pattern.matches(request)
            default: return ARNPattern.matches(pattern, request)
            }
        case .string(let value):
            switch base {
            case .stringEquals, .stringNotEquals:
                return request == value
            case .stringEqualsIgnoreCase, .stringNotEqualsIgnoreCase:
                return request.lowercased() == value.lowercased()
            case .numericEquals, .numericNotEquals:
                return compare(request, value, PolicyNumber.parse) { $0 == $1 }
            case .numericLessThan: return compare(request, value, PolicyNumber.parse) { $0 < $1 }
            case .numericLessThanEquals: return compare(request, value, PolicyNumber.parse) { $0 <= $1 }
            case .numericGreaterThan: return compare(request, value, PolicyNumber.parse) { $0 > $1 }
            case .numericGreaterThanEquals: return compare(request, value, PolicyNumber.parse) { $0 >= $1 }
            case .dateEquals, .dateNotEquals: return compare(request, value, PolicyDate.parse) { $0 == $1 }
            case .dateLessThan: return compare(request, value, PolicyDate.parse) { $0 < $1 }
            case .dateLessThanEquals: return compare(request, value, PolicyDate.parse) { $0 <= $1 }
            case .dateGreaterThan: return compare(request, value, PolicyDate.parse) { $0 > $1 }
            case .dateGreaterThanEquals: return compare(request, value, PolicyDate.parse) { $0 >= $1 }
            case .bool:
                let p = value.lowercased()
                return (p == "true" || p == "false") && request.lowercased() == p
            case .binaryEquals:
                guard let p = Data(base64Encoded: value), let r = Data(base64Encoded: request) else { return false }
                return p == r
            case .ipAddress, .notIpAddress:
                guard let range = IPAddressRange(value) else { return false }
                return range.contains(request)
            case .stringLike, .stringNotLike, .arnEquals, .arnLike, .arnNotEquals, .arnNotLike, .null:
                return false
            }
        }
    }

    private static func compare(
        _ request: String, _ policy: String, _ parse: (String) -> Double?, _ predicate: (Double, Double) -> Bool
    ) -> Bool {
        guard let r = parse(request), let p = parse(policy) else { return false }
        return predicate(r, p)
    }
}
