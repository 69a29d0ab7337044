/// Component-wise ARN matching as done by the `Arn*` condition operators: the six colon-separated
/// parts (`arn:partition:service:region:account:resource`) are matched separately, each with wildcards.
enum ARNPattern {
    /// Splits a value into its six ARN parts (the resource part keeps its colons); `nil` if fewer.
    static func components(_ value: String) -> [Substring]? {
        let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        return parts.count == 6 ? parts : nil
    }

    /// Splits pattern tokens on literal colons the same way.
    static func components(_ pattern: WildcardPattern) -> [WildcardPattern]? {
        var parts: [WildcardPattern] = [WildcardPattern(tokens: [])]
        for token in pattern.tokens {
            if token == .literal(":") && parts.count < 6 {
                parts.append(WildcardPattern(tokens: []))
            } else {
                parts[parts.count - 1].tokens.append(token)
            }
        }
        return parts.count == 6 ? parts : nil
    }

    /// Whether `value` matches `pattern` component by component. A pattern of just `*` matches any ARN.
    static func matches(_ pattern: WildcardPattern, _ value: String) -> Bool {
        guard let valueParts = components(value) else { return false }
        if pattern.tokens == [.anyRun] { return true }
        guard let patternParts = components(pattern) else { return false }
        return zip(patternParts, valueParts).allSatisfy { $0.matches(String($1)) }
    }
}
