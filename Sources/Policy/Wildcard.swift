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
    public var tokens: [Token] {
        didSet { ascii = Self.asciiForm(tokens) }
    }

    /// The tokens as bytes when every literal is plain ASCII (`*` is -1, `?` is -2): matching
    /// then runs over bytes, with no Character or array per call.
    private var ascii: [Int16]?

    /// Creates a pattern from tokens.
    public init(tokens: [Token]) {
        self.tokens = tokens
        self.ascii = Self.asciiForm(tokens)
    }

    /// Parses `text`, treating every `*` and `?` as a wildcard.
    public init(_ text: String) {
        self.init(
            tokens: text.map { ch in
                switch ch {
                case "*": .anyRun
                case "?": .anyOne
                default: .literal(ch)
                }
            })
    }

    static func asciiForm(_ tokens: [Token]) -> [Int16]? {
        var out: [Int16] = []
        out.reserveCapacity(tokens.count)
        for token in tokens {
            switch token {
            case .anyRun: out.append(-1)
            case .anyOne: out.append(-2)
            case .literal(let c):
                guard let byte = c.asciiValue, byte != 0x0D else { return nil }
                out.append(Int16(byte))
            }
        }
        return out
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
        if let ascii, let result = Wildcard.asciiGlob(ascii, value, fold: caseInsensitive) { return result }
        let pattern = caseInsensitive ? lowercased().tokens : tokens
        let text = caseInsensitive ? Array(value.lowercased()) : Array(value)
        return Wildcard.glob(
            patternCount: pattern.count, textCount: text.count,
            element: { pattern[$0] == .anyRun ? .anyRun : pattern[$0] == .anyOne ? .anyOne : .literal },
            same: { p, t in pattern[p] == .literal(text[t]) })
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
        if pattern.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) {
            let form = pattern.utf8.map { $0 == 0x2A ? Int16(-1) : $0 == 0x3F ? Int16(-2) : Int16($0) }
            if let result = asciiGlob(form, value, fold: caseInsensitive) { return result }
        }
        return WildcardPattern(pattern).matches(value, caseInsensitive: caseInsensitive)
    }

    /// The glob over bytes (`-1` is `*`, `-2` is `?`), ASCII case folded with `fold`; nil when
    /// `value` is not plain ASCII (the Character path then decides, as it does for graphemes).
    static func asciiGlob(_ pattern: [Int16], _ value: String, fold: Bool) -> Bool? {
        var value = value
        return value.withUTF8 { text -> Bool? in
            for byte in text where byte >= 0x80 || byte == 0x0D { return nil }
            @inline(__always) func folded(_ b: Int16) -> Int16 { fold && b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
            return glob(
                patternCount: pattern.count, textCount: text.count,
                element: { pattern[$0] == -1 ? .anyRun : pattern[$0] == -2 ? .anyOne : .literal },
                same: { p, t in folded(pattern[p]) == folded(Int16(text[t])) })
        }
    }

    /// What a glob pattern element is.
    enum Element {
        case anyRun, anyOne, literal
    }

    /// The glob, linear-time with a single backtrack point (the last `*`), over any pattern and
    /// text given by their lengths, what each pattern element is, and whether a literal matches.
    @inline(__always)
    static func glob(
        patternCount: Int, textCount: Int, element: (Int) -> Element, same: (Int, Int) -> Bool
    ) -> Bool {
        var p = 0
        var t = 0
        var starP = -1
        var starT = 0
        while t < textCount {
            if p < patternCount {
                switch element(p) {
                case .anyRun:
                    starP = p
                    starT = t
                    p += 1
                    continue
                case .anyOne:
                    p += 1
                    t += 1
                    continue
                case .literal where same(p, t):
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
        while p < patternCount, element(p) == .anyRun { p += 1 }
        return p == patternCount
    }

    /// IAM action matching: case-insensitive, `*` alone matches every action.
    public static func matchesAction(_ pattern: String, _ action: String) -> Bool {
        matches(pattern, action, caseInsensitive: true)
    }
}
