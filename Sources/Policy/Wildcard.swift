/// A glob pattern of IAM's kind: `*` matches any run of characters (including none), `?` exactly one.
/// Patterns are built from tokens so that substituted policy variables and `${*}`/`${?}` escapes
/// stay literal.
public struct WildcardPattern: Sendable, Hashable {
    /// One element of a pattern.
    public enum Token: Sendable, Hashable {
        /// A character that must match itself.
        case literal(Character)
        /// `*`.
        case anyRun
        /// `?`.
        case anyOne
    }

    /// The tokens.
    public var tokens: [Token]

    /// Creates a pattern from tokens.
    public init(tokens: [Token]) {
        self.tokens = tokens
    }

    /// Parses `text`, treating every `*` and `?` as a wildcard.
    public init(_ text: String) {
        tokens = text.map { ch in
            switch ch {
            case "*": .anyRun
            case "?": .anyOne
            default: .literal(ch)
            }
        }
    }

    /// A pattern matching `text` exactly.
    public static func literal(_ text: String) -> WildcardPattern {
        WildcardPattern(tokens: text.map { .literal($0) })
    }

    /// Whether the pattern has no wildcards.
    public var isLiteral: Bool { tokens.allSatisfy { $0.isLiteral } }

    /// The same pattern with literals lowercased.
    public func lowercased() -> WildcardPattern {
        WildcardPattern(
            tokens: tokens.map {
                if case .literal(let c) = $0 { return .literal(Character(c.lowercased())) }
                return $0
            })
    }

    /// Matches `value` against the pattern.
    /// - Parameter caseInsensitive: compare literals case-insensitively.
    public func matches(_ value: String, caseInsensitive: Bool = false) -> Bool {
        let pattern = caseInsensitive ? lowercased().tokens : tokens
        let text = caseInsensitive ? Array(value.lowercased()) : Array(value)
        // Linear-time glob with single backtrack point (the last `*`).
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < text.count {
            if p < pattern.count {
                switch pattern[p] {
                case .anyRun:
                    starP = p
                    starT = t
                    p += 1
                    continue
                case .anyOne:
                    p += 1
                    t += 1
                    continue
                case .literal(let c) where c == text[t]:
                    p += 1
                    t += 1
                    continue
                case .literal:
                    break
                }
            }
            guard starP >= 0 else { return false }
            p = starP + 1
            starT += 1
            t = starT
        }
        while p < pattern.count, pattern[p] == .anyRun { p += 1 }
        return p == pattern.count
    }
}

extension WildcardPattern.Token {
    var isLiteral: Bool {
        if case .literal = self { return true }
        return false
    }
}

/// Wildcard helpers used by statement matching.
public enum Wildcard {
    /// Whether `value` matches the glob `pattern` (`*`, `?`).
    public static func matches(_ pattern: String, _ value: String, caseInsensitive: Bool = false) -> Bool {
        if pattern == "*" { return true }
        return WildcardPattern(pattern).matches(value, caseInsensitive: caseInsensitive)
    }

    /// IAM action matching: case-insensitive, `*` alone matches every action.
    public static func matchesAction(_ pattern: String, _ action: String) -> Bool {
        matches(pattern, action, caseInsensitive: true)
    }
}
