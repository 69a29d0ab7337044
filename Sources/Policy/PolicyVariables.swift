import Foundation

/// `${...}` policy variables (Version 2012-10-17 only): `${aws:username}`, any `${key}` with an optional
/// default (`${aws:username, 'anonymous'}`), and the escapes `${*}`, `${?}`, `${$}`.
enum PolicyVariables {
    enum Piece: Equatable {
        /// Text as written; in patterns its `*`/`?` are wildcards.
        case text(String)
        /// A variable with an optional default value.
        case variable(name: String, defaultValue: String?)
        /// `${*}`, `${?}` or `${$}`: a literal character.
        case escape(Character)
    }

    /// Splits a template into pieces. An unterminated `${` is literal text.
    static func pieces(_ template: String) -> [Piece] {
        guard template.contains("${") else { return [.text(template)] }
        var pieces: [Piece] = []
        var rest = Substring(template)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            if open.lowerBound > rest.startIndex { pieces.append(.text(String(rest[..<open.lowerBound]))) }
            let body = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
            switch body {
            case "*", "?", "$": pieces.append(.escape(Character(body)))
            default:
                if let comma = body.firstIndex(of: ",") {
                    let name = body[..<comma].trimmingCharacters(in: .whitespaces)
                    var value = body[body.index(after: comma)...].trimmingCharacters(in: .whitespaces)
                    if value.count >= 2, value.hasPrefix("'"), value.hasSuffix("'") {
                        value = String(value.dropFirst().dropLast())
                    }
                    pieces.append(.variable(name: name, defaultValue: value))
                } else {
                    pieces.append(.variable(name: body, defaultValue: nil))
                }
            }
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.text(String(rest))) }
        return pieces
    }

    /// Substitutes variables in a plain value; `nil` if a variable is unknown (the value then
    /// matches nothing).
    static func substitute(_ template: String, enabled: Bool, lookup: (String) -> String?) -> String? {
        guard enabled else { return template }
        var out = ""
        for piece in pieces(template) {
            switch piece {
            case .text(let t): out += t
            case .escape(let c): out.append(c)
            case .variable(let name, let defaultValue):
                guard let value = lookup(name) ?? defaultValue else { return nil }
                out += value
            }
        }
        return out
    }

    /// Substitutes variables in a wildcard pattern: written `*`/`?` are wildcards; substituted values
    /// and escapes are literal. `nil` if a variable is unknown.
    static func pattern(_ template: String, enabled: Bool, lookup: (String) -> String?) -> WildcardPattern? {
        guard enabled else { return WildcardPattern(template) }
        var tokens: [WildcardPattern.Token] = []
        for piece in pieces(template) {
            switch piece {
            case .text(let t): tokens += WildcardPattern(t).tokens
            case .escape(let c): tokens.append(.literal(c))
            case .variable(let name, let defaultValue):
                guard let value = lookup(name) ?? defaultValue else { return nil }
                tokens += WildcardPattern.literal(value).tokens
            }
        }
        return WildcardPattern(tokens: tokens)
    }
}
