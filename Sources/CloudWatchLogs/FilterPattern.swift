import AWSProtocol
import Foundation

/// A CloudWatch Logs filter pattern, parsed once and matched against each event's message.
/// Pure. Two of AWS's three syntaxes:
/// - terms: `ERROR`, `ERROR Exception` (both), `?ERROR ?WARN` (either), `ERROR -Retrying` (not
///   the second), `"quoted phrase"`; matching is case-sensitive and finds a term anywhere;
/// - JSON: `{ $.eventName = "DisableKey" }`, `{ $.latency >= 500 }`, `{ $.user.id != "a*" }`,
///   `{ $.items[0] = 1 }`, `&&`, `||`, parentheses, `IS NULL`, `IS TRUE`, `IS FALSE`,
///   `NOT EXISTS`; `*` in a string value matches any run of characters. A message that is not
///   a JSON object matches no JSON pattern.
/// An empty pattern matches every event. Space-delimited patterns (`[ip, user, ...]`) are
/// refused as not supported.
struct LogFilterPattern: Sendable {
    struct Invalid: Error, Sendable {
        var message: String
    }

    private enum Kind: Sendable {
        case all
        case terms(required: [String], anyOf: [String], excluded: [String])
        case json(Condition)
    }

    private let kind: Kind

    init(_ text: String) throws(Invalid) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty {
            kind = .all
        } else if trimmed.hasPrefix("{") {
            var parser = ConditionParser(text: trimmed)
            kind = .json(try parser.parseWhole())
        } else if trimmed.hasPrefix("[") {
            throw Invalid(message: "Space-delimited filter patterns are not supported by this Rampart build.")
        } else {
            var required: [String] = []
            var anyOf: [String] = []
            var excluded: [String] = []
            for token in try Self.terms(trimmed) {
                switch token.mark {
                case "?": anyOf.append(token.text)
                case "-": excluded.append(token.text)
                default: required.append(token.text)
                }
            }
            kind = .terms(required: required, anyOf: anyOf, excluded: excluded)
        }
    }

    func matches(_ message: String) -> Bool {
        switch kind {
        case .all:
            return true
        case .terms(let required, let anyOf, let excluded):
            return required.allSatisfy { message.contains($0) } && (anyOf.isEmpty || anyOf.contains { message.contains($0) })
                && !excluded.contains { message.contains($0) }
        case .json(let condition):
            guard let value = try? JSONParser.parse(Array(message.utf8)), case .object = value else { return false }
            return condition.holds(in: value)
        }
    }

    /// The pattern's terms, each with its mark (`?`, `-`, or none); quotes keep spaces.
    private static func terms(_ text: String) throws(Invalid) -> [(mark: Character?, text: String)] {
        var out: [(mark: Character?, text: String)] = []
        var chars = Array(text)[...]
        while let first = chars.first {
            if first == " " || first == "\t" {
                chars = chars.dropFirst()
                continue
            }
            var mark: Character?
            if first == "?" || first == "-" {
                mark = first
                chars = chars.dropFirst()
            }
            var term = ""
            if chars.first == "\"" {
                chars = chars.dropFirst()
                guard let close = chars.firstIndex(of: "\"") else {
                    throw Invalid(message: "Invalid filter pattern: unclosed quote")
                }
                term = String(chars[..<close])
                chars = chars[(close + 1)...]
            } else {
                let end = chars.firstIndex { $0 == " " || $0 == "\t" } ?? chars.endIndex
                term = String(chars[..<end])
                chars = chars[end...]
                if term.contains("\"") { throw Invalid(message: "Invalid filter pattern: misplaced quote") }
            }
            guard !term.isEmpty else { throw Invalid(message: "Invalid filter pattern: empty term") }
            out.append((mark, term))
        }
        return out
    }
}

// MARK: JSON conditions

/// A path into a JSON event: `$.a.b[0]`.
struct JSONSelector: Sendable, Equatable {
    enum Step: Sendable, Equatable {
        case member(String)
        case index(Int)
    }

    var steps: [Step]

    /// The value at the path; nil when the path does not exist.
    func value(in root: JSONValue) -> JSONValue? {
        var current = root
        for step in steps {
            switch step {
            case .member(let name):
                guard let next = current.objectValue?[name] else { return nil }
                current = next
            case .index(let i):
                guard let array = current.arrayValue, i >= 0, i < array.count else { return nil }
                current = array[i]
            }
        }
        return current
    }
}

indirect enum Condition: Sendable {
    case and(Condition, Condition)
    case or(Condition, Condition)
    case compare(JSONSelector, Comparison, Operand)
    case isNull(JSONSelector)
    case isBool(JSONSelector, Bool)
    case notExists(JSONSelector)

    enum Comparison: String, Sendable {
        case equal = "="
        case notEqual = "!="
        case less = "<"
        case greater = ">"
        case lessOrEqual = "<="
        case greaterOrEqual = ">="
    }

    enum Operand: Sendable {
        case number(Double)
        /// A string, with `*` matching any run of characters.
        case text(String)
    }

    func holds(in root: JSONValue) -> Bool {
        switch self {
        case .and(let a, let b): return a.holds(in: root) && b.holds(in: root)
        case .or(let a, let b): return a.holds(in: root) || b.holds(in: root)
        case .isNull(let selector):
            if case .null = selector.value(in: root) { return true }
            return false
        case .isBool(let selector, let expected):
            if case .bool(let found) = selector.value(in: root) { return found == expected }
            return false
        case .notExists(let selector): return selector.value(in: root) == nil
        case .compare(let selector, let comparison, let operand):
            guard let value = selector.value(in: root) else { return false }
            return Self.compare(value, comparison, operand)
        }
    }

    private static func compare(_ value: JSONValue, _ comparison: Comparison, _ operand: Operand) -> Bool {
        switch operand {
        case .number(let expected):
            guard let found = value.doubleValue else {
                // `= 200` against "200": equal as text, as AWS's filters compare strings.
                if case .string(let s) = value, comparison == .equal || comparison == .notEqual {
                    return (Double(s) == expected) == (comparison == .equal)
                }
                return false
            }
            switch comparison {
            case .equal: return found == expected
            case .notEqual: return found != expected
            case .less: return found < expected
            case .greater: return found > expected
            case .lessOrEqual: return found <= expected
            case .greaterOrEqual: return found >= expected
            }
        case .text(let pattern):
            let text: String
            switch value {
            case .string(let s): text = s
            case .bool(let b): text = b ? "true" : "false"
            default:
                guard let number = value.doubleValue else { return false }
                text = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            }
            let matched = LogWildcard.matches(pattern, text)
            switch comparison {
            case .equal: return matched
            case .notEqual: return !matched
            default: return false
            }
        }
    }
}

/// `*` globbing without backtracking blow-up: greedy with a single resume point.
enum LogWildcard {
    static func matches(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern.utf8)
        let t = Array(text.utf8)
        var (pi, ti) = (0, 0)
        var star = -1
        var resume = 0
        while ti < t.count {
            if pi < p.count, p[pi] != UInt8(ascii: "*"), p[pi] == t[ti] {
                pi += 1
                ti += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "*") {
                star = pi
                resume = ti
                pi += 1
            } else if star >= 0 {
                pi = star + 1
                resume += 1
                ti = resume
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

/// The JSON pattern's grammar: `{ expr }`, where expr is comparisons joined by `&&` and `||`
/// (`&&` binds tighter) with parentheses.
struct ConditionParser {
    private let chars: [Character]
    private var i = 0

    init(text: String) { chars = Array(text) }

    private func fail(_ what: String) -> LogFilterPattern.Invalid {
        LogFilterPattern.Invalid(message: "Invalid filter pattern: \(what)")
    }

    mutating func parseWhole() throws(LogFilterPattern.Invalid) -> Condition {
        skipSpace()
        guard take("{") else { throw fail("expected {") }
        let condition = try parseOr()
        skipSpace()
        guard take("}") else { throw fail("expected }") }
        skipSpace()
        guard i == chars.count else { throw fail("unexpected text after }") }
        return condition
    }

    private mutating func skipSpace() {
        while i < chars.count, chars[i] == " " || chars[i] == "\t" || chars[i] == "\n" { i += 1 }
    }

    private mutating func take(_ s: String) -> Bool {
        let c = Array(s)
        guard i + c.count <= chars.count, Array(chars[i..<(i + c.count)]) == c else { return false }
        i += c.count
        return true
    }

    private mutating func parseOr() throws(LogFilterPattern.Invalid) -> Condition {
        var left = try parseAnd()
        while true {
            skipSpace()
            guard take("||") else { return left }
            left = .or(left, try parseAnd())
        }
    }

    private mutating func parseAnd() throws(LogFilterPattern.Invalid) -> Condition {
        var left = try parsePrimary()
        while true {
            skipSpace()
            guard take("&&") else { return left }
            left = .and(left, try parsePrimary())
        }
    }

    private mutating func parsePrimary() throws(LogFilterPattern.Invalid) -> Condition {
        skipSpace()
        if take("(") {
            let inner = try parseOr()
            skipSpace()
            guard take(")") else { throw fail("expected )") }
            return inner
        }
        let selector = try parseSelector()
        skipSpace()
        if take("IS ") || take("is ") {
            skipSpace()
            if take("NULL") || take("null") { return .isNull(selector) }
            if take("TRUE") || take("true") { return .isBool(selector, true) }
            if take("FALSE") || take("false") { return .isBool(selector, false) }
            throw fail("expected NULL, TRUE or FALSE after IS")
        }
        if take("NOT ") || take("not ") {
            skipSpace()
            if take("EXISTS") || take("exists") { return .notExists(selector) }
            throw fail("expected EXISTS after NOT")
        }
        let comparison: Condition.Comparison
        if take("!=") {
            comparison = .notEqual
        } else if take(">=") {
            comparison = .greaterOrEqual
        } else if take("<=") {
            comparison = .lessOrEqual
        } else if take("=") {
            comparison = .equal
        } else if take(">") {
            comparison = .greater
        } else if take("<") {
            comparison = .less
        } else {
            throw fail("expected a comparison")
        }
        skipSpace()
        let operand = try parseOperand()
        if case .text = operand, comparison != .equal, comparison != .notEqual {
            throw fail("\(comparison.rawValue) needs a number")
        }
        return .compare(selector, comparison, operand)
    }

    private mutating func parseSelector() throws(LogFilterPattern.Invalid) -> JSONSelector {
        guard take("$") else { throw fail("expected a selector starting with $") }
        var steps: [JSONSelector.Step] = []
        while i < chars.count {
            if chars[i] == "." {
                i += 1
                let start = i
                while i < chars.count, chars[i].isLetter || chars[i].isNumber || "_-@".contains(chars[i]) { i += 1 }
                guard i > start else { throw fail("expected a member name after .") }
                steps.append(.member(String(chars[start..<i])))
            } else if chars[i] == "[" {
                i += 1
                let start = i
                while i < chars.count, chars[i].isNumber { i += 1 }
                guard i > start, let index = Int(String(chars[start..<i])), i < chars.count, chars[i] == "]" else {
                    throw fail("expected an array index")
                }
                i += 1
                steps.append(.index(index))
            } else {
                break
            }
        }
        guard !steps.isEmpty else { throw fail("a selector names a member") }
        return JSONSelector(steps: steps)
    }

    private mutating func parseOperand() throws(LogFilterPattern.Invalid) -> Condition.Operand {
        if i < chars.count, chars[i] == "\"" {
            i += 1
            var text = ""
            while i < chars.count, chars[i] != "\"" {
                if chars[i] == "\\", i + 1 < chars.count { i += 1 }
                text.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw fail("unclosed quote") }
            i += 1
            return .text(text)
        }
        let start = i
        while i < chars.count, !" \t\n)}&|".contains(chars[i]) { i += 1 }
        let word = String(chars[start..<i])
        guard !word.isEmpty else { throw fail("expected a value") }
        if let number = Double(word), !word.contains("*") { return .number(number) }
        return .text(word)
    }
}
